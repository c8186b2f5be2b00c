"""Deliveries and webhook subscriptions in the database: written by the outbox at commit,
claimed and settled by relay workers, listed and re-sent by people.

Claims are short transactions of their own: on PostgreSQL rows are locked with SKIP LOCKED (any
number of workers, never the same row twice at once) without the routing lock; on SQLite the
claim begins with `BEGIN IMMEDIATE` (one writer at a time).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadroute.domain.deliveries import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Sent,
    Subscription,
)
from leadroute.storage.database import Database
from leadroute.storage.outbox_tables import DeliveryRow, WebhookRow

_DUE = (DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value)


@contextmanager
def claiming(database: Database) -> Iterator[Session]:
    """A short write transaction for claiming or settling deliveries."""
    if database.is_sqlite:
        with database.writing() as session:
            yield session
        return
    with database.sessions() as session, session.begin():
        yield session


def add_delivery(
    session: Session,
    *,
    delivery_id: str,
    kind: DeliveryKind,
    target: str,
    event: str,
    event_id: int | None,
    lead_id: str | None,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    session.add(
        DeliveryRow(
            id=delivery_id,
            kind=kind.value,
            target=target,
            event=event,
            event_id=event_id,
            lead_id=lead_id,
            payload=payload,
            status=DeliveryStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )


def claim_next(session: Session, *, now: datetime, lease: timedelta) -> Delivery | None:
    """Take the earliest due delivery (pending, or sending past its lease: its worker died):
    it becomes `sending` until `now + lease`, one more try counted."""
    query = (
        select(DeliveryRow)
        .where(DeliveryRow.status.in_(_DUE), DeliveryRow.next_attempt_at <= now)
        .order_by(DeliveryRow.next_attempt_at, DeliveryRow.event_id, DeliveryRow.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = session.scalars(query).first()
    if row is None:
        return None
    row.status = DeliveryStatus.SENDING.value
    row.attempts = (row.attempts or 0) + 1
    row.next_attempt_at = now + lease
    return delivery_of(row)


def settle(
    session: Session,
    delivery: Delivery,
    sent: Sent,
    *,
    now: datetime,
    next_try: datetime | None,
) -> DeliveryStatus | None:
    """Record a try: delivered; or pending again at `next_try`; or failed (dead-lettered)
    when the error is permanent or `next_try` is None. A failure is not recorded when another
    worker has taken the delivery over (the lease ran out). Returns the new status."""
    row = session.get(DeliveryRow, delivery.id, with_for_update=True)
    if row is None:
        return None
    if sent.ok:
        if row.status != DeliveryStatus.DELIVERED.value:
            row.status, row.delivered_at = DeliveryStatus.DELIVERED.value, now
        return DeliveryStatus.DELIVERED
    if row.status != DeliveryStatus.SENDING.value or row.attempts != delivery.attempts:
        return None
    row.last_error = sent.error
    if sent.permanent or next_try is None:
        row.status, row.next_attempt_at = DeliveryStatus.FAILED.value, now
        return DeliveryStatus.FAILED
    row.status, row.next_attempt_at = DeliveryStatus.PENDING.value, next_try
    return DeliveryStatus.PENDING


def resend(session: Session, row: DeliveryRow, *, now: datetime) -> None:
    """A failed delivery goes back to pending, due now, with its tries counted from zero."""
    row.status, row.attempts, row.next_attempt_at = DeliveryStatus.PENDING.value, 0, now


def list_deliveries(
    session: Session, *, status: DeliveryStatus | None, limit: int, offset: int
) -> tuple[int, Sequence[DeliveryRow]]:
    """(how many match, one page of them), newest first."""
    query = select(DeliveryRow)
    count = select(func.count()).select_from(DeliveryRow)
    if status is not None:
        query = query.where(DeliveryRow.status == status.value)
        count = count.where(DeliveryRow.status == status.value)
    page = query.order_by(DeliveryRow.created_at.desc(), DeliveryRow.id).limit(limit).offset(offset)
    return session.scalar(count) or 0, session.scalars(page).all()


def active_subscriptions(session: Session) -> tuple[Subscription, ...]:
    rows = session.scalars(
        select(WebhookRow).where(WebhookRow.active.is_(True)).order_by(WebhookRow.created_at)
    )
    return tuple(subscription_of(row) for row in rows)


def subscription(session: Session, webhook_id: str) -> Subscription | None:
    row = session.get(WebhookRow, webhook_id)
    return subscription_of(row) if row is not None else None


def subscription_of(row: WebhookRow) -> Subscription:
    return Subscription(
        id=row.id, url=row.url, secret=row.secret, events=frozenset(row.events), active=row.active
    )


def delivery_of(row: DeliveryRow) -> Delivery:
    return Delivery(
        id=row.id,
        kind=DeliveryKind(row.kind),
        target=row.target,
        event=row.event,
        lead_id=row.lead_id,
        payload=dict(row.payload),
        attempts=row.attempts,
    )
