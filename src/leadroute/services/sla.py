"""SLA timers in the service (routing/sla.py): started when a rep becomes a lead's owner,
fired by the worker one stage at a time, re-assigning what nobody touched in time.

Every function runs inside the caller's transaction, so the owner change, the timeline event
and the next timer are written together.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from leadroute.domain.sla import Sla
from leadroute.domain.timers import Timer, TimerKind
from leadroute.routing.sla import after_stage, reassignment, sla_for, stage_reason
from leadroute.services.placing import lead_of, place, seeded
from leadroute.services.runtime import Routing
from leadroute.services.sla_clock import owner_rule
from leadroute.storage.ledger import SqlLedger
from leadroute.storage.owners import log, take_back
from leadroute.storage.tables import LeadRow
from leadroute.storage.timers import schedule

WORKER = "worker"
_EVENTS = {
    TimerKind.REMIND: ("lead.reminded", "reminded"),
    TimerKind.MISSED: ("lead.sla_missed", "missed"),
    TimerKind.ESCALATE: ("lead.escalated", "escalated"),
    TimerKind.QUIET: ("lead.reminded", "reminded"),
}


def fire_sla(
    session: Session, routing: Routing, row: LeadRow, timer: Timer, *, now: datetime
) -> str:
    """Act on a due SLA stage and schedule the next; returns the timer's outcome."""
    rep = routing.router.reps.get(timer.rep or "")
    rule = owner_rule(session, row)
    sla = sla_for(routing.router, rule, rep)
    if sla is None:
        return "stale"  # the routing in force no longer has an SLA for this lead
    if timer.kind is TimerKind.REASSIGN:
        return _reassign(session, routing, row, timer, sla=sla, rule=rule, now=now)
    kind, outcome = _EVENTS[timer.kind]
    data: dict[str, Any] = {}
    if timer.kind is TimerKind.ESCALATE:
        data = {"by": "sla", "owner": row.owner}
    elif timer.kind is TimerKind.QUIET:
        data = {"quiet": True}
    log(
        session,
        kind,
        at=now,
        actor=WORKER,
        lead_id=row.id,
        rep_id=row.owner,
        reason=stage_reason(sla, timer),
        data=data,
    )
    since = row.sla_started_at or timer.since or now
    following = after_stage(sla, rep, timer, sla_since=since, last_touched=row.last_touched_at)
    schedule(session, row, following, now=now)
    return outcome


def _reassign(
    session: Session,
    routing: Routing,
    row: LeadRow,
    timer: Timer,
    *,
    sla: Sla,
    rule: str | None,
    now: datetime,
) -> str:
    router = routing.router
    decision, reason = reassignment(
        router,
        sla,
        timer,
        lead=lead_of(row),
        rule=rule or "",
        reassignments=row.reassignments or 0,
        past_owners=list(row.past_owners or []),
        ledger=SqlLedger.load(session, router.config.reps, now),
        rng=seeded(row, now),
    )
    previous = take_back(session, row, now=now, reason=f"reassigned: {reason}")
    if decision.rep is not None:
        row.reassignments = (row.reassignments or 0) + 1
    log(
        session,
        "lead.reassigned",
        at=now,
        actor=WORKER,
        lead_id=row.id,
        rep_id=decision.rep,
        reason=reason,
        data={"from": previous, "to": decision.rep, "pool": decision.pool, "by": "sla"},
    )
    place(
        session,
        routing,
        row,
        decision,
        now=now,
        actor=WORKER,
        data={"reassigned_from": previous},
        sla_since=row.sla_started_at,
    )
    return "reassigned"
