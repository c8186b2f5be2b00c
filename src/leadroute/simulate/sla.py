"""SLA timers in replay (routing/sla.py), as the service runs them (services/sla.py): started
when a rep becomes the owner, fired on the virtual clock one stage at a time.

Lines: `{"reminder": L, "rep": ..., "reason": ...}`, `{"sla_missed": L, ...}`,
`{"escalated": L, "owner": ..., "reason": ...}` and `{"reassigned": L, "from": ..., "to": ...,
"reason": "sla ..."}` followed by the decision line of where the lead went.
"""

from __future__ import annotations

from leadroute.domain.sla import Sla
from leadroute.domain.timers import Timer, TimerKind, still_due
from leadroute.routing.sla import after_stage, reassignment, sla_for, stage_reason
from leadroute.simulate.decisions import Line, World, place

_LINES = {
    TimerKind.REMIND: ("reminder", "rep"),
    TimerKind.MISSED: ("sla_missed", "rep"),
    TimerKind.ESCALATE: ("escalated", "owner"),
    TimerKind.QUIET: ("reminder", "rep"),
}


def fire(world: World, timer: Timer) -> list[Line]:
    """A due SLA stage: its line (and, for a re-assignment, the decision line); nothing when
    the lead was touched or moved on in the meantime."""
    store = world.store
    if not still_due(timer, store.holding(timer.lead_id)):
        return []
    record = store.leads[timer.lead_id]
    rep = world.router.reps.get(timer.rep or "")
    sla = sla_for(world.router, record.rule, rep)
    if sla is None:
        return []
    if timer.kind is TimerKind.REASSIGN:
        return _reassign(world, timer, sla)
    key, who = _LINES[timer.kind]
    line: Line = {key: timer.lead_id, who: timer.rep, "at": timer.due.isoformat()}
    line["reason"] = stage_reason(sla, timer)
    since = record.sla_started_at or timer.since or timer.due
    world.timers.push(
        after_stage(sla, rep, timer, sla_since=since, last_touched=record.last_touched_at)
    )
    return [line]


def _reassign(world: World, timer: Timer, sla: Sla) -> list[Line]:
    store = world.store
    record = store.leads[timer.lead_id]
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
