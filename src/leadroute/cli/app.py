"""The Typer application every command registers on, and shared error output."""

from __future__ import annotations

import typer
from rich.console import Console

from leadroute.domain.errors import InvalidInput

app = typer.Typer(
    help="leadroute: qualify, score and route leads to the right rep or pool.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def fail(error: InvalidInput) -> typer.Exit:
    """Print every problem (file and path first) and return the exit to raise (code 1)."""
    for line in str(error).splitlines():
        typer.echo(f"error: {line}", err=True)
    count = len(error.problems)
    typer.echo(f"{count} problem{'s' if count != 1 else ''} found.", err=True)
    return typer.Exit(code=1)


def wide_console() -> Console:
    """A console for tables: the terminal's width, or 200 columns when the output is a file or
    a pipe (Rich would wrap wide tables at 80 there, cutting numbers)."""
    console = Console()
    return console if console.is_terminal else Console(width=200)
