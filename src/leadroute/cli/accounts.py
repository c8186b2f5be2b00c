"""`leadroute accounts`: import accounts from CSV, list them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from leadroute.cli.app import app, fail
from leadroute.cli.service import CLI, DatabaseOption, RoutingOption, open_runtime
from leadroute.domain.errors import InvalidInput
from leadroute.services.account_imports import decode_csv, import_accounts
from leadroute.services.accounts import list_accounts

accounts = typer.Typer(
    help="Accounts (name, domains, owner) for `owner_of: account`.", no_args_is_help=True
)
app.add_typer(accounts, name="accounts")


@accounts.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="CSV: name, domains, owner, external_id.")],
    routing: RoutingOption = None,
    database: DatabaseOption = None,
) -> None:
    """Create or update accounts from CSV; re-runs update by external_id. Exit 1 when a row
    was refused (each is listed with its line and why; the others are stored)."""
    try:
        lines = decode_csv(path.read_bytes(), source=str(path))
    except OSError as error:
        typer.echo(f"error: {path}: cannot read: {error.strerror}", err=True)
        raise typer.Exit(code=1) from None
    except InvalidInput as error:
        raise fail(error) from None
    runtime = open_runtime(database, routing)
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, transient=False) as bar:
            task = bar.add_task(f"importing {path.name}", total=max(0, len(lines) - 1))
            summary = import_accounts(
                runtime=runtime,
                lines=lines,
                source=str(path),
                caller=CLI,
                now=lambda: datetime.now(UTC),
                progress=lambda done: bar.update(task, completed=done),
            )
    except InvalidInput as error:
        raise fail(error) from None
    finally:
        runtime.database.dispose()
    typer.echo(
        f"{summary.rows} rows: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged, {len(summary.refused)} refused"
    )
    for refusal in summary.refused:
        typer.echo(f"  line {refusal.line}: {refusal.reason}", err=True)
    if summary.refused:
        raise typer.Exit(code=1)


@accounts.command("list")
def list_(
    search: Annotated[str | None, typer.Option("--search", help="Part of a name/domain.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 100,
    database: DatabaseOption = None,
) -> None:
    """List accounts by name: id, name, domains, owner, external id."""
    runtime = open_runtime(database)
    try:
        found = list_accounts(runtime=runtime, search=search, limit=limit)
    finally:
        runtime.database.dispose()
    for account in found["accounts"]:
        domains = ",".join(account["domains"]) or "-"
        external = f"  external_id={account['external_id']}" if account["external_id"] else ""
        typer.echo(
            f"{account['id']}  {account['name']}  {domains}  owner={account['owner'] or '-'}"
            f"{external}"
        )
    shown = len(found["accounts"])
    typer.echo(f"{shown} of {found['total']} accounts", err=True)
