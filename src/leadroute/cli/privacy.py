"""`leadroute privacy`: export or erase the personal data of a lead's person, and purge the
leads past a retention period (docs/PRIVACY.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from leadroute.cli.app import app
from leadroute.cli.service import CLI, DatabaseOption, open_runtime, settings_of
from leadroute.domain.durations import parse_duration
from leadroute.services.errors import Conflict, NotFound
from leadroute.services.privacy import Scope, erase_person, export_person, purge

group = typer.Typer(
    help="Personal data: export, erase, purge past the retention period.", no_args_is_help=True
)
app.add_typer(group, name="privacy")

ScopeOption = Annotated[
    Scope,
    typer.Option(
        help="person: the lead and the leads sharing its email or phone or linked to it as "
        "duplicates; lead: this lead alone."
    ),
]
PURGE_ACTOR = f"{CLI.actor} (leadroute privacy purge)"


@group.command("export")
def export(
    lead_id: Annotated[str, typer.Argument(help="The id of a lead of the person.")],
    scope: ScopeOption = Scope.PERSON,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the JSON here (default stdout).")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Everything held about the person of a lead, as JSON."""
    runtime = open_runtime(database)
    try:
        body = export_person(runtime=runtime, lead_id=lead_id, now=datetime.now(UTC), scope=scope)
    except (NotFound, Conflict) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        runtime.database.dispose()
    text = json.dumps(body, indent=2, ensure_ascii=False)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"{len(body['leads'])} leads exported to {output}", err=True)


@group.command("erase")
def erase(
    lead_id: Annotated[str, typer.Argument(help="The id of a lead of the person.")],
    scope: ScopeOption = Scope.PERSON,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Erase the personal data of the person of a lead (it cannot be undone); a tombstone
    without personal data stays for reports."""
    if not yes:
        typer.confirm(
            f"Erase the personal data of the {scope.value} of lead {lead_id}?", abort=True
        )
    runtime = open_runtime(database)
    try:
        body = erase_person(
            runtime=runtime,
            lead_id=lead_id,
            caller=CLI,
            now=datetime.now(UTC),
            scope=scope,
        )
    except (NotFound, Conflict) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        runtime.database.dispose()
    for erased in body["erased"]:
        typer.echo(f"erased {erased}")
    for already in body["already_erased"]:
        typer.echo(f"already erased {already}")
    typer.echo(f"{len(body['erased'])} erased, {len(body['already_erased'])} already erased")


@group.command("purge")
def purge_(
    older_than: Annotated[
        str | None,
        typer.Option(
            help="Erase leads closed, or never closed and unchanged, longer ago than this "
            "(365d, 12w; default: LEADROUTE_PII_RETENTION_DAYS days)."
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Only count them.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Erase the personal data of every lead past the retention period."""
    period = _period(older_than, settings_of(database).pii_retention_days)
    runtime = open_runtime(database)
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    try:
        if dry_run:
            done = purge(runtime=runtime, older_than=period, now=datetime.now(UTC), dry_run=True)
        else:
            with Progress(*columns, transient=False) as bar:
                task = bar.add_task("erasing", total=None)
                done = purge(
                    runtime=runtime,
                    older_than=period,
                    now=datetime.now(UTC),
                    actor=PURGE_ACTOR,
                    progress=lambda erased, found: bar.update(task, completed=erased, total=found),
                )
    finally:
        runtime.database.dispose()
    cutoff = done.cutoff.isoformat(timespec="seconds")
    if dry_run:
        typer.echo(f"{done.found} leads would be erased (unchanged since before {cutoff})")
        return
    typer.echo(f"{done.erased} of {done.found} leads erased (unchanged since before {cutoff})")
    if done.failed:
        typer.echo(f"{len(done.failed)} failed: {', '.join(done.failed)}", err=True)
        raise typer.Exit(code=1)


def _period(older_than: str | None, days: int | None) -> timedelta:
    if older_than is None:
        if days is None:
            typer.echo(
                "error: give --older-than (e.g. 365d) or set LEADROUTE_PII_RETENTION_DAYS",
                err=True,
            )
            raise typer.Exit(code=1)
        return timedelta(days=days)
    try:
        period = parse_duration(older_than)
    except ValueError as error:
        typer.echo(f"error: --older-than: {error}", err=True)
        raise typer.Exit(code=1) from None
    if period <= timedelta(0):
        typer.echo("error: --older-than must be longer than 0", err=True)
        raise typer.Exit(code=1)
    return period
