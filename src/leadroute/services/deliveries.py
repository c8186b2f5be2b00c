"""The outbox as people see it: deliveries by status (failed ones are the dead letters), one
delivery with its payload, and re-sending a failed one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from leadroute.domain.deliveries import DeliveryKind, DeliveryStatus
from leadroute.notify.channels import describe_channel
from leadroute.services.errors import Conflict, NotFound
from leadroute.services.principals import Principal
from leadroute.services.runtime import Runtime
from leadroute.storage.deliveries import list_deliveries, resend
from leadroute.storage.outbox_tables import DeliveryRow
from leadroute.storage.owners import log


def deliveries(
    *, runtime: Runtime, status: DeliveryStatus | None, limit: int, offset: int
) -> dict[str, Any]:
    """A page of deliveries, newest first, and how many match."""
    with runtime.database.reading() as session:
        total, rows = list_deliveries(session, status=status, limit=limit, offset=offset)
        return {"total": total, "deliveries": [delivery_view(row) for row in rows]}


def get_delivery(*, runtime: Runtime, delivery_id: str) -> dict[str, Any]:
    """One delivery with what it sends (the notice's title and body, or the webhook body)."""
    with runtime.database.reading() as session:
        row = session.get(DeliveryRow, delivery_id)
        if row is None:
            raise NotFound(f"delivery {delivery_id} does not exist")
        return {**delivery_view(row), "payload": row.payload}


def resend_delivery(
    *, runtime: Runtime, delivery_id: str, caller: Principal, now: datetime
) -> dict[str, Any]:
    """Put a failed delivery back in line, due now, with the same id (receivers that did get
    it drop the repeat). Conflict when it has not failed."""
    with runtime.database.writing() as session:
        row = session.get(DeliveryRow, delivery_id, with_for_update=True)
        if row is None:
            raise NotFound(f"delivery {delivery_id} does not exist")
        if row.status != DeliveryStatus.FAILED.value:
            raise Conflict(
                f"delivery {delivery_id} is {row.status}: only a failed delivery is re-sent",
                delivery=row.id,
                status=row.status,
            )
        resend(session, row, now=now)
        log(
            session,
            "delivery.resent",
            at=now,
            actor=caller.actor,
            data={"delivery": row.id, "last_error": row.last_error},
        )
        return delivery_view(row)


def delivery_view(row: DeliveryRow) -> dict[str, Any]:
    webhook = row.kind == DeliveryKind.WEBHOOK.value
    waiting = row.status in (DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value)
    return {
        "id": row.id,
        "kind": row.kind,
        "event": row.event,
        "lead": row.lead_id,
        "webhook": row.target if webhook else None,
        "channel": None if webhook else describe_channel(row.target),
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at.isoformat() if waiting else None,
        "last_error": row.last_error,
        "created_at": row.created_at.isoformat(),
        "delivered_at": row.delivered_at.isoformat() if row.delivered_at else None,
    }
