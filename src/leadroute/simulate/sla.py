"""SLA timers in replay (routing/sla.py), as the service runs them (services/sla.py): started
when a rep becomes the owner, fired on the virtual clock one stage at a time.

Lines: `{"reminder": L, "rep": ..., "reason": ...}`, `{"sla_missed": L, ...}`,
`{"escalated": L, "owner": ..., "reason": ...}` and `{"reassigned": L, "from": ..., "to": ...,
"reason": "sla ..."}` followed by the decision line of where the lead went.
"""

from __future__ import annotations

from leadroute.domain.timers import Timer, TimerKind, still_due
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
from leadroute.simulate.decisions import Line, World, place


def fire(world: World, timer: Timer) -> list[Line]:
    """A due SLA stage: its line (and, for a re-assignment, the decision line); nothing when
    the lead was touched or moved on in the meantime."""
    store = world.store
    if not still_due(timer, store.holding(timer.lead_id)):
        return []
    record = store.leads[timer.lead_id]
    rep = world.router.reps.get(timer.rep or "")
    sla = sla_for(world.config, record.rule, rep)
    if sla is None:
        return []
    now, lead_id, at = timer.due, timer.lead_id, timer.due.isoformat()
    since = record.sla_started_at or timer.since or now
    if timer.kind is TimerKind.QUIET:
        touched_at = record.last_touched_at or now
        world.timers.push(quiet_timer(sla, rep, lead_id=lead_id, touched=touched_at, start=now))
        return [
            {"reminder": lead_id, "rep": timer.rep, "at": at, "reason": quiet_reason(sla, timer)}
        ]
    if timer.kind is TimerKind.REASSIGN:
        return _reassign(world, timer)
    line: Line
    if timer.kind is TimerKind.REMIND:
        line = {"reminder": lead_id, "rep": timer.rep, "at": at}
        line["reason"] = remind_reason(sla, timer)
    elif timer.kind is TimerKind.MISSED:
        line = {"sla_missed": lead_id, "rep": timer.rep, "at": at}
        line["reason"] = missed_reason(sla, timer)
    else:
        line = {"escalated": lead_id, "owner": timer.rep, "at": at}
        line["reason"] = escalate_reason(sla, timer)
    world.timers.push(next_stage(sla, rep, timer, sla_since=since))
    return [line]


def _reassign(world: World, timer: Timer) -> list[Line]:
    store = world.store
    record = store.leads[timer.lead_id]
    sla = sla_for(world.config, record.rule, world.router.reps.get(timer.rep or ""))
    assert sla is not None, "fire checked it"
    decision, reason = reassignment(
        world.router,
        sla,
        timer,
        lead=record.lead,
        rule=record.rule or "",
        reassignments=record.reassignments,
        past_owners=record.past_owners,
        ledger=store,
        rng=world.rng,
    )
    since = record.sla_started_at
    previous = store.take_back(timer.lead_id)
    if decision.rep is not None:
        record.reassignments += 1
    line: Line = {"reassigned": timer.lead_id, "from": previous, "to": decision.rep}
    line["at"] = timer.due.isoformat()
    line["reason"] = reason
    return [line, place(world, timer.lead_id, decision, timer.due, sla_since=since)]
