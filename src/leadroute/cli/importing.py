"""`leadroute import`: leads from a CSV file, each row routed like a posted lead, with a
progress bar."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from leadroute.cli.app import app, fail
from leadroute.cli.service import CLI, DatabaseOption, RoutingOption, open_runtime
from leadroute.domain.errors import InvalidInput
from leadroute.services.imports import import_csv


@app.command(name="import")
def import_(
    path: Annotated[Path, typer.Argument(help="CSV file with a header row.")],
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", help="COLUMN=FIELD, e.g. --map mql_id=external_id (repeatable)."),
    ] = None,
    source: Annotated[str | None, typer.Option(help="Source for rows that have none.")] = None,
    delimiter: Annotated[str | None, typer.Option(help="Field delimiter (sniffed).")] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="Where refused rows go (default FILE.rejects.csv).")
    ] = None,
    routing: RoutingOption = None,
    database: DatabaseOption = None,
) -> None:
    """Import leads from CSV: each row is routed like a posted lead; re-runs add nothing twice."""
    pairs: dict[str, str] = {}
    for item in mapping or []:
        column, sep, field = item.partition("=")
        if not sep or not column or not field:
            typer.echo(f"error: --map {item!r}: expected COLUMN=FIELD", err=True)
            raise typer.Exit(code=1)
        pairs[column] = field
    runtime = open_runtime(database, routing)
    total = _count_rows(path)
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, transient=False) as bar:
            task = bar.add_task(f"importing {path.name}", total=total)
            summary = import_csv(
                runtime=runtime,
                path=path,
                caller=CLI,
                now=lambda: datetime.now(UTC),
                mapping=pairs or None,
                source=source,
                delimiter=delimiter,
                rejects=rejects,
                progress=lambda done: bar.update(task, completed=done),
            )
    except InvalidInput as error:
        raise fail(error) from None
    finally:
        runtime.database.dispose()
    typer.echo(
        f"{summary.rows} rows: {summary.imported} imported, {summary.skipped} already there, "
        f"{summary.rejected} rejected"
    )
    for name, count in sorted(summary.owners.items(), key=lambda kv: -kv[1]):
        typer.echo(f"  rep {name}: {count}")
    for name, count in sorted(summary.pools.items(), key=lambda kv: -kv[1]):
        typer.echo(f"  pool {name}: {count}")
    if summary.rejects_file is not None:
        typer.echo(f"rejected rows and why: {summary.rejects_file}")


def _count_rows(path: Path) -> int | None:
    try:
        with path.open("rb") as handle:
            return max(0, sum(1 for _ in handle) - 1)
    except OSError:
        return None
