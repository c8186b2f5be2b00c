"""Holding a new lead for the batch window of its `select: optimal` rule (services/batches.py
places the held leads together). A held lead stays `new` with no owner and no pool; its
status reason says which rule it waits for and until when, and a BATCH timer is due at the
end of the window."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from leadroute.domain.decisions import Decision
from leadroute.domain.durations import format_duration
from leadroute.domain.timers import Timer, TimerKind
from leadroute.routing.batch_plan import window_of
from leadroute.services.runtime import Routing
from leadroute.storage.owners import log
from leadroute.storage.tables import LeadRow
from leadroute.storage.timers import schedule


def held_until(routing: Routing, decision: Decision, now: datetime) -> datetime | None:
    """Until when a new lead decided at `now` waits: the end of the batch window of the
    `select: optimal` rule that chose its rep; None when the decision is placed now (another
    selector, a pool, disqualified)."""
    if decision.rep is None or decision.verdict is not None:
        return None
    window = window_of(routing.router.rule_named(decision.rule))
    return now + window if window is not None else None


def hold(
    session: Session, row: LeadRow, rule: str, *, now: datetime, until: datetime, actor: str
) -> None:
    """Keep the new lead for its rule's batch: no owner, no pool, a BATCH timer at `until`."""
    wait = format_duration(until - now)
    row.status_reason = f"held for the {rule} batch ({wait} window) until {until:%H:%M:%S}"
    row.updated_at = now
    schedule(
        session, row, Timer(kind=TimerKind.BATCH, lead_id=row.id, due=until, since=now), now=now
    )
    log(
        session,
        "lead.held",
        at=now,
        actor=actor,
        lead_id=row.id,
        reason=row.status_reason,
        data={"rule": rule, "until": until.isoformat()},
    )
