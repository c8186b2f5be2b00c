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
    """The next number of the rotation sequence (later assignments get higher numbers), in one
    statement (`UPDATE ... RETURNING`)."""
    value: int | None = session.scalar(
        update(RoutingState)
        .where(RoutingState.id == 1)
        .values(sequence=RoutingState.sequence + 1)
        .returning(RoutingState.sequence)
    )
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
    flush: bool = True,
) -> None:
    """Make `rep_id` the lead's owner (the caller has ended any earlier assignment). With
    `flush=False` the assignment and the lead's changes are left to the session's next flush
    (services/placing.py changes the lead further and lets the commit write it once).

    A lead taken from a pool keeps `pool_entered` and `pooled_at`: released or returned, it
    goes back to its old place (the claim sets `claimed_from` after this).
    """
    sequence = next_sequence(session)
    lead.owner, lead.pool, lead.claimed_from = rep_id, None, None
    lead.updated_at = now
    session.add(AssignmentRow(lead_id=lead.id, rep_id=rep_id, rule=rule, assigned_at=now))
    _upsert(
        session,
        RepLoad,
        {"rep_id": rep_id, "open": 1, "last_sequence": sequence},
        keys=("rep_id",),
        changes={"open": RepLoad.open + 1, "last_sequence": sequence},
    )
    _count_in_caps(session, rep_id, now=now, zone=timezone or UTC)
    _upsert(
        session,
        Rotation,
        {"rule": rule, "rep_id": rep_id, "last_sequence": sequence, "credit": 0.0},
        keys=("rule", "rep_id"),
        changes={"last_sequence": sequence},
    )
    _upsert_many(
        session,
        AccountKey,
        [{"key": key, "lead_id": lead.id} for key in account_keys(lead.fields)],
        keys=("key",),
        replace=("lead_id",),
    )
    if flush:
        session.flush()


def _count_in_caps(session: Session, rep_id: str, *, now: datetime, zone: tzinfo) -> None:
    """Count one assignment at `now` in the rep's cap counters (one per window of
    CAP_WINDOWS): one read of the rep's counters and one write of them all, whatever the
    number of windows. The assignment itself must be added to the session already."""
    held = {
        window: (starts, count, last_at)
        for window, starts, count, last_at in session.execute(
            select(
                CapCounter.window, CapCounter.starts, CapCounter.count, CapCounter.last_at
            ).where(CapCounter.rep_id == rep_id)
        )
    }
    rows: list[dict[str, Any]] = []
    for window in CAP_WINDOWS:
        starts = window_start(window, now, zone)
        current = held.get(window)
        if current is None:
            rows.append(
                {"rep_id": rep_id, "window": window, "starts": starts, "count": 1, "last_at": now}
            )
            continue
        since, count, last_at = current
        if since == starts:
            count += 1
        elif since < starts:
            # A new window, or the rep's zone changed: count what the window already holds
            # (this assignment included).
            session.flush()
            since = starts
            count = (
                session.scalar(
                    select(func.count())
                    .select_from(AssignmentRow)
                    .where(
                        AssignmentRow.rep_id == rep_id,
                        AssignmentRow.assigned_at >= starts,
                        AssignmentRow.counted.is_(True),
                    )
                )
                or 1
            )
        elif now >= since:
            # The rep's zone moved east: this window began before the counter's, and the
            # counter (everything since its start) holds this assignment too.
            count += 1
        # else: `now` was read before a request stamped in the next window took the lock; the
        # counter already counts that window, which this assignment is not in.
        rows.append(
            {
                "rep_id": rep_id,
                "window": window,
                "starts": since,
                "count": count,
                "last_at": max(last_at, now),
            }
        )
    _upsert_many(
        session,
        CapCounter,
        rows,
        keys=("rep_id", "window"),
        replace=("starts", "count", "last_at"),
    )


def take_back(
    session: Session, lead: LeadRow, *, now: datetime, reason: str, uncount: bool = False
) -> str | None:
    """End the lead's current assignment; return the rep who had it (None if nobody).

    `uncount` (a declined or expired offer): the assignment stops counting toward the rep's
    caps; the turn it took in the rotation stays taken.
    """
    owner = lead.owner
    if owner is None:
        return None
    current = session.scalars(
        select(AssignmentRow).where(
            AssignmentRow.lead_id == lead.id, AssignmentRow.ended_at.is_(None)
        )
    ).first()
    if current is not None:
        current.ended_at, current.end_reason = now, reason[:200]
        if uncount and current.counted:
            current.counted = False
            _uncount(session, owner, current.assigned_at)
    if lead.status not in CLOSED:
        change_load(session, owner, -1)
    lead.owner = None
    lead.updated_at = now
    session.flush()
    return owner


def _uncount(session: Session, rep_id: str, assigned_at: datetime) -> None:
    """Take one assignment made at `assigned_at` off the rep's cap counters that count it."""
    session.execute(
        update(CapCounter)
        .where(
            CapCounter.rep_id == rep_id,
            CapCounter.starts <= assigned_at,
            CapCounter.count > 0,
        )
        .values(count=CapCounter.count - 1)
    )


def change_load(session: Session, rep_id: str, delta: int) -> None:
    session.execute(
        update(RepLoad).where(RepLoad.rep_id == rep_id).values(open=RepLoad.open + delta)
    )


def enqueue(session: Session, lead: LeadRow, *, pool: str, now: datetime) -> int:
    """Put the lead at the end of the pool; return its place (`pool_entered`)."""
    entered = next_sequence(session)
    lead.owner, lead.pool, lead.pool_entered, lead.pooled_at = None, pool, entered, now
    lead.claimed_from = None
    lead.updated_at = now
    return entered


def back_to_pool(lead: LeadRow, *, now: datetime) -> str:
    """Put a claimed lead (already taken back) into the pool it came from, at its old place."""
    pool = lead.claimed_from
    assert pool is not None, "a lead claimed from a pool"
    assert lead.pool_entered is not None, "a claimed lead keeps its place in the pool"
    lead.pool, lead.claimed_from, lead.status = pool, None, "routed"
    lead.updated_at = now
    return pool


def add_credits(session: Session, rule: str, credits: Sequence[tuple[str, float]]) -> None:
    """Apply the weighted selector's credit changes for the rule: one statement for every rep
    of the team (the selector changes each candidate's credit)."""
    rows = [
        {"rule": rule, "rep_id": rep_id, "last_sequence": None, "credit": delta}
        for rep_id, delta in credits
    ]
    _upsert_many(session, Rotation, rows, keys=("rule", "rep_id"), add=("credit",))


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
    """Append one event to the log (never updated, never deleted). The transaction's events
    are kept in `session.info["events"]`: the outbox turns them into deliveries at commit."""
    row = EventRow(
        lead_id=lead_id,
        rep_id=rep_id,
        type=kind,
        at=at,
        actor=actor,
        reason=reason,
        data=data or {},
    )
    session.add(row)
    session.info.setdefault("events", []).append(row)


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


_ROWS_PER_STATEMENT = 1000  # well under SQLite's and PostgreSQL's bound-parameter limits


def _upsert_many(
    session: Session,
    table: type[Base],
    rows: Sequence[dict[str, Any]],
    *,
    keys: tuple[str, ...],
    replace: tuple[str, ...] = (),
    add: tuple[str, ...] = (),
) -> None:
    """Insert the rows, or for a key that exists set the `replace` columns to the new values
    and add the new values to the `add` columns: one multi-row statement (per thousand rows),
    not one per row. The rows must have distinct keys."""
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        for values in rows:
            _upsert(
                session,
                table,
                values,
                keys=keys,
                changes={name: values[name] for name in replace}
                | {name: getattr(table, name) + values[name] for name in add},
            )
        return
    maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for first in range(0, len(rows), _ROWS_PER_STATEMENT):
        statement = maker(table).values(list(rows[first : first + _ROWS_PER_STATEMENT]))
        changes: dict[str, Any] = {name: statement.excluded[name] for name in replace}
        for name in add:
            changes[name] = getattr(table, name) + statement.excluded[name]
        session.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=changes))
