"""SLA timers in the service (routing/sla.py): started when a rep becomes a lead's owner,
fired by the worker one stage at a time, re-assigning what nobody touched in time.

Every function runs inside the caller's transaction, so the owner change, the timeline event
and the next timer are written together.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from leadroute.domain.timers import Timer, TimerKind
from leadroute.routing.sla import (
    escalate_reason,
    missed_reason,
    next_stage,
    quiet_reason,
    quiet_timer,
    reassignment,
    remind_reason,
    sla_for,
)
from leadroute.services.placing import lead_of, place, seeded
from leadroute.services.runtime import Routing
from leadroute.services.sla_clock import owner_rule
from leadroute.storage.ledger import SqlLedger
from leadroute.storage.owners import log, take_back
from leadroute.storage.tables import LeadRow
from leadroute.storage.timers import schedule

WORKER = "worker"


def fire_sla(
    session: Session, routing: Routing, row: LeadRow, timer: Timer, *, now: datetime
) -> str:
    """Act on a due SLA stage and schedule the next; returns the timer's outcome."""
    rep = routing.router.reps.get(timer.rep or "")
    rule = owner_rule(session, row)
    sla = sla_for(routing.router.config, rule, rep)
    if sla is None:
        return "stale"  # the routing in force no longer has an SLA for this lead
    since = row.sla_started_at or timer.since or now
    if timer.kind is TimerKind.QUIET:
        reason = quiet_reason(sla, timer)
        _say(session, row, "lead.reminded", reason, now, data={"quiet": True})
        touched = row.last_touched_at or now
        later = quiet_timer(sla, rep, lead_id=row.id, touched=touched, start=now)
        schedule(session, row, later, now=now)
        return "reminded"
    if timer.kind is TimerKind.REASSIGN:
        return _reassign(session, routing, row, timer, rule=rule, now=now)
    if timer.kind is TimerKind.REMIND:
        _say(session, row, "lead.reminded", remind_reason(sla, timer), now)
        outcome = "reminded"
    elif timer.kind is TimerKind.MISSED:
        _say(session, row, "lead.sla_missed", missed_reason(sla, timer), now)
        outcome = "missed"
    else:
        data = {"by": "sla", "owner": row.owner}
        _say(session, row, "lead.escalated", escalate_reason(sla, timer), now, data=data)
        outcome = "escalated"
    schedule(session, row, next_stage(sla, rep, timer, sla_since=since), now=now)
    return outcome


def _reassign(
    session: Session,
    routing: Routing,
    row: LeadRow,
    timer: Timer,
    *,
    rule: str | None,
    now: datetime,
) -> str:
    router = routing.router
    sla = sla_for(router.config, rule, router.reps.get(timer.rep or ""))
    assert sla is not None, "fire_sla checked it"
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


def _say(
    session: Session,
    row: LeadRow,
    kind: str,
    reason: str,
    now: datetime,
    *,
    data: dict[str, Any] | None = None,
) -> None:
    log(
        session,
        kind,
        at=now,
        actor=WORKER,
        lead_id=row.id,
        rep_id=row.owner,
        reason=reason,
        data=data,
    )
