"""`leadroute sources`: intake sources whose integrators sign their requests (HMAC)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from leadroute.cli.app import app
from leadroute.cli.service import DatabaseOption, open_runtime
from leadroute.domain.errors import LeadrouteError
from leadroute.services.principals import Principal, Role
from leadroute.services.sources import add_source, list_sources, remove_source

sources = typer.Typer(
    help="Signed intake: sources whose posts carry an HMAC signature.", no_args_is_help=True
)
app.add_typer(sources, name="sources")


@sources.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The `source` field value of its leads.")],
    secret: Annotated[
        str | None, typer.Option(help="The shared secret (default: one is made and printed).")
    ] = None,
    optional: Annotated[
        bool, typer.Option("--optional", help="Check signatures sent, but accept unsigned posts.")
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Register a source; prints its secret (alone, on the last line) when one is made."""
    runtime = open_runtime(database)
    try:
        made = add_source(
            runtime=runtime,
            name=name,
            secret=secret,
            require_signature=not optional,
            caller=_cli("leadroute sources add"),
            now=datetime.now(UTC),
        )
    except LeadrouteError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        runtime.database.dispose()
    rule = "signature required" if made["require_signature"] else "signature optional"
    typer.echo(f"registered source {name} ({rule})", err=True)
    if "secret" in made:
        typer.echo(made["secret"])


@sources.command("list")
def list_all(database: DatabaseOption = None) -> None:
    """List registered sources (never their secrets)."""
    runtime = open_runtime(database)
    try:
        for source in list_sources(runtime=runtime)["sources"]:
            rule = "required" if source["require_signature"] else "optional"
            typer.echo(f"{source['name']}  signature {rule}  since {source['created_at']}")
    finally:
        runtime.database.dispose()


@sources.command("remove")
def remove(
    name: Annotated[str, typer.Argument(help="The source's name.")],
    database: DatabaseOption = None,
) -> None:
    """Stop checking a source's signatures."""
    runtime = open_runtime(database)
    try:
        remove_source(
            runtime=runtime,
            name=name,
            caller=_cli("leadroute sources remove"),
            now=datetime.now(UTC),
        )
    except LeadrouteError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        runtime.database.dispose()
    typer.echo(f"removed source {name}")


def _cli(command: str) -> Principal:
    return Principal(key_id="cli", role=Role.ADMIN, user=command)
