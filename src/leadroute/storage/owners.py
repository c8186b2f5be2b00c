"""Changing who owns a lead, and the counters that follow: the only writers of routing state.

Every function runs inside `Database.writing()`, so the sequence, loads, cap counters and
rotations they update are exact however many requests arrive at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from leadroute.domain.reps import CAP_WINDOWS
from leadroute.routing.accounts import account_keys
from leadroute.routing.windows import window_start
from leadroute.storage.tables import (
    AccountKey,
    AssignmentRow,
    Base,
    CapCounter,
    EventRow,
    LeadRow,
    RepLoad,
    Rotation,
    RoutingState,
)

CLOSED = frozenset({"won", "lost", "disqualified"})


def next_sequence(session: Session) -> int:
    """The next number of the rotation sequence (later assignments get higher numbers)."""
    session.execute(
        update(RoutingState).where(RoutingState.id == 1).values(sequence=RoutingState.sequence + 1)
    )
    value = session.scalar(select(RoutingState.sequence).where(RoutingState.id == 1))
    if value is None:
        raise RuntimeError("routing_state is missing: run `leadroute migrate`")
    return value


def give(
    session: Session,
    lead: LeadRow,
    *,
    rep_id: str,
    rule: str,
    now: datetime,
    timezone: tzinfo | None,
) -> None:
    """Make `rep_id` the lead's owner (the caller has ended any earlier assignment)."""
    sequence = next_sequence(session)
    lead.owner, lead.pool, lead.pool_entered = rep_id, None, None
    lead.updated_at = now
    session.add(AssignmentRow(lead_id=lead.id, rep_id=rep_id, rule=rule, assigned_at=now))
    _upsert(
        session,
        RepLoad,
        {"rep_id": rep_id, "open": 1, "last_sequence": sequence},
        keys=("rep_id",),
        changes={"open": RepLoad.open + 1, "last_sequence": sequence},
    )
    zone = timezone or UTC
    for window in CAP_WINDOWS:
        starts = window_start(window, now, zone)
        current = session.get(CapCounter, (rep_id, window))
        if current is None:
            session.add(
                CapCounter(rep_id=rep_id, window=window, starts=starts, count=1, last_at=now)
            )
            continue
        if current.starts == starts:
            current.count += 1
        elif current.starts < starts:
            # A new window, or the rep's zone changed: count what the window already holds
            # (this assignment included, as the query flushes it first).
            current.starts = starts
            current.count = (
                session.scalar(
                    select(func.count())
                    .select_from(AssignmentRow)
                    .where(AssignmentRow.rep_id == rep_id, AssignmentRow.assigned_at >= starts)
                )
                or 1
            )
        # else: `now` was read before a request stamped in the next window took the lock; the
        # counter already counts that window, which this assignment is not in.
        current.last_at = max(current.last_at, now)
    _upsert(
        session,
        Rotation,
        {"rule": rule, "rep_id": rep_id, "last_sequence": sequence, "credit": 0.0},
        keys=("rule", "rep_id"),
        changes={"last_sequence": sequence},
    )
    for key in account_keys(lead.fields):
        _upsert(
            session,
            AccountKey,
            {"key": key, "lead_id": lead.id},
            keys=("key",),
            changes={"lead_id": lead.id},
        )
    session.flush()


def take_back(session: Session, lead: LeadRow, *, now: datetime, reason: str) -> str | None:
    """End the lead's current assignment; return the rep who had it (None if nobody)."""
    owner = lead.owner
    if owner is None:
        return None
    session.execute(
        update(AssignmentRow)
        .where(AssignmentRow.lead_id == lead.id, AssignmentRow.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )
    if lead.status not in CLOSED:
        change_load(session, owner, -1)
    lead.owner = None
    lead.updated_at = now
    return owner


def change_load(session: Session, rep_id: str, delta: int) -> None:
    session.execute(
        update(RepLoad).where(RepLoad.rep_id == rep_id).values(open=RepLoad.open + delta)
    )


def enqueue(session: Session, lead: LeadRow, *, pool: str, now: datetime) -> None:
    lead.owner, lead.pool, lead.pool_entered = None, pool, next_sequence(session)
    lead.updated_at = now


def add_credits(session: Session, rule: str, credits: Sequence[tuple[str, float]]) -> None:
    """Apply the weighted selector's credit changes for the rule."""
    for rep_id, delta in credits:
        _upsert(
            session,
            Rotation,
            {"rule": rule, "rep_id": rep_id, "last_sequence": None, "credit": delta},
            keys=("rule", "rep_id"),
            changes={"credit": Rotation.credit + delta},
        )


def log(
    session: Session,
    kind: str,
    *,
    at: datetime,
    actor: str,
    lead_id: str | None = None,
    rep_id: str | None = None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Append one event to the log (never updated, never deleted)."""
    session.add(
        EventRow(
            lead_id=lead_id,
            rep_id=rep_id,
            type=kind,
            at=at,
            actor=actor,
            reason=reason,
            data=data or {},
        )
    )


def _upsert(
    session: Session,
    table: type[Base],
    values: dict[str, Any],
    *,
    keys: tuple[str, ...],
    changes: dict[str, Any],
) -> None:
    dialect = session.get_bind().dialect.name
    maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
    if dialect not in ("postgresql", "sqlite"):
        session.execute(insert(table).values(**values))
        return
    statement = maker(table).values(**values)
    session.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=changes))
