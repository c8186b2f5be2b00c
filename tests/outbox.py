"""Services, relays and reads shared by the outbox tests (notices, webhooks, deliveries)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select

from leadroute.services.relay import Relay
from leadroute.storage.outbox_tables import DeliveryRow
from tests.api.conftest import Service, make_service


def outbox_service(
    database_url: str, directory: Path, routing: str, **settings: Any
) -> Iterator[Service]:
    """A service (SQLite or PostgreSQL) with the routing file `routing` in force and these
    settings (e.g. allow_private_urls=True)."""
    path = directory / "routing.yaml"
    path.write_text(routing, encoding="utf-8")
    yield from make_service(database_url, path, **settings)


def relay_of(service: Service, *, allow_private: bool = True, **options: Any) -> Relay:
    """The real relay (apprise, httpx) on the service's clock, with a seeded jitter."""
    return Relay(
        runtime=service.runtime,
        allow_private=allow_private,
        clock=service.clock,
        rng=random.Random(7),
        **options,
    )


def drain(service: Service, relay: Relay, *, passes: int = 20, step: float = 600) -> int:
    """Run the relay, moving the clock `step` seconds between passes, until nothing is due
    and nothing is waiting; return how many passes sent something."""
    busy = 0
    for _ in range(passes):
        if relay.run_once():
            busy += 1
        if not waiting(service):
            break
        service.clock.advance(seconds=step)
    return busy


def deliveries(service: Service) -> list[dict[str, Any]]:
    """Every delivery row as a dict, oldest event first."""
    with service.runtime.database.reading() as session:
        rows = session.scalars(
            select(DeliveryRow).order_by(DeliveryRow.event_id, DeliveryRow.created_at)
        )
        return [
            {
                "id": row.id,
                "kind": row.kind,
                "target": row.target,
                "event": row.event,
                "lead": row.lead_id,
                "status": row.status,
                "attempts": row.attempts,
                "payload": row.payload,
                "last_error": row.last_error,
            }
            for row in rows
        ]


def waiting(service: Service) -> list[dict[str, Any]]:
    return [d for d in deliveries(service) if d["status"] in ("pending", "sending")]
