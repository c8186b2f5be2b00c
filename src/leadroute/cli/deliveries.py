"""`leadroute deliveries`: list the outbox (failed ones are the dead letters) and re-send."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from leadroute.cli.app import app
from leadroute.cli.service import CLI, DatabaseOption, open_runtime
from leadroute.domain.deliveries import DeliveryStatus
from leadroute.services.deliveries import deliveries, resend_delivery
from leadroute.services.errors import Conflict, NotFound

group = typer.Typer(
    help="Notices and webhook events of the outbox: list, re-send.", no_args_is_help=True
)
app.add_typer(group, name="deliveries")


@group.command("list")
def list_(
    status: Annotated[
        DeliveryStatus | None, typer.Option(help="pending, sending, delivered or failed.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first.")] = 50,
    database: DatabaseOption = None,
) -> None:
    """One line per delivery: id, status, tries, event, lead, where to, last error."""
    runtime = open_runtime(database)
    try:
        page = deliveries(runtime=runtime, status=status, limit=limit, offset=0)
    finally:
        runtime.database.dispose()
    for entry in page["deliveries"]:
        where = entry["channel"] or f"webhook {entry['webhook']}"
        error = f"  ({entry['last_error']})" if entry["last_error"] else ""
        typer.echo(
            f"{entry['id']}  {entry['status']:<9} {entry['attempts']:>2} tries  "
            f"{entry['event']:<20} lead {entry['lead']}  {where}{error}"
        )
    typer.echo(f"{len(page['deliveries'])} of {page['total']} shown")


@group.command("resend")
def resend(
    delivery_id: Annotated[str, typer.Argument(help="The id of a failed delivery.")],
    database: DatabaseOption = None,
) -> None:
    """Send a failed delivery again (same id; the next worker pass sends it)."""
    runtime = open_runtime(database)
    try:
        resend_delivery(runtime=runtime, delivery_id=delivery_id, caller=CLI, now=datetime.now(UTC))
    except (NotFound, Conflict) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        runtime.database.dispose()
    typer.echo(f"{delivery_id} is pending again")
