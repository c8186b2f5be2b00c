"""Stored timers: scheduled in the transaction that starts them, fired once by a worker."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadroute.domain.timers import Holding, Timer, TimerKind
from leadroute.storage.tables import LeadRow, TimerRow


def schedule(session: Session, lead: LeadRow, timer: Timer | None, *, now: datetime) -> None:
    """Store the timer as the lead's latest (its earlier ones become stale)."""
    if timer is None:
        return
    lead.timers = (lead.timers or 0) + 1
    session.add(
        TimerRow(
            lead_id=lead.id,
            kind=timer.kind.value,
            due_at=timer.due,
            rep_id=timer.rep,
            pool=timer.pool,
            number=lead.timers,
            since=timer.since,
            created_at=now,
        )
    )


def due_timers(session: Session, *, now: datetime, limit: int) -> Sequence[TimerRow]:
    """Timers due at `now` not fired yet, earliest first. Several workers never take the same
    one: on PostgreSQL they are locked (SKIP LOCKED); SQLite has one writer at a time."""
    query = (
        select(TimerRow)
        .where(TimerRow.fired_at.is_(None), TimerRow.due_at <= now)
        .order_by(TimerRow.due_at, TimerRow.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).all()


def next_due(session: Session) -> datetime | None:
    """When the earliest pending timer is due (None: nothing pending)."""
    return session.scalar(
        select(TimerRow.due_at)
        .where(TimerRow.fired_at.is_(None))
        .order_by(TimerRow.due_at)
        .limit(1)
    )


def latest_pending(session: Session, lead: LeadRow) -> TimerRow | None:
    """The lead's latest timer (the only one that may act) when it has not fired yet."""
    return session.scalars(
        select(TimerRow).where(
            TimerRow.lead_id == lead.id,
            TimerRow.number == (lead.timers or 0),
            TimerRow.fired_at.is_(None),
        )
    ).first()


def timer_of(row: TimerRow) -> Timer:
    return Timer(
        kind=TimerKind(row.kind),
        lead_id=row.lead_id,
        due=row.due_at,
        rep=row.rep_id,
        pool=row.pool,
        number=row.number,
        since=row.since,
    )


def holding_of(lead: LeadRow) -> Holding:
    return Holding(
        status=lead.status,
        owner=lead.owner,
        pool=lead.pool,
        claimed_from=lead.claimed_from,
        last_touched_at=lead.last_touched_at,
        timers=lead.timers or 0,
    )
