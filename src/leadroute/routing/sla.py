"""SLA clocks (domain/sla.py): which SLA watches a lead, when each stage comes due, and what
the timeline and trace say when it does. Replay and the service both call these.

A lead has one live SLA timer at a time: the next stage. When it fires, the stage acts and
the following stage is scheduled, so a touch (or any later timer) makes the rest stale.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from random import Random

from leadroute.domain.decisions import Decision, Said, Written
from leadroute.domain.durations import format_duration
from leadroute.domain.hours import minutes_unchanged
from leadroute.domain.leads import Lead
from leadroute.domain.reps import Rep
from leadroute.domain.sla import Sla
from leadroute.domain.timers import Timer, TimerKind
from leadroute.routing.engine import Router
from leadroute.routing.ledger import Ledger

STAGES = (TimerKind.REMIND, TimerKind.MISSED, TimerKind.ESCALATE, TimerKind.REASSIGN)
_ORDER = {kind: index for index, kind in enumerate(STAGES)}
_SEGMENTS = 10_000  # business-hours walk: past this many hour boundaries, use the wall clock


def sla_for(router: Router, rule: str | None, rep: Rep | None) -> Sla | None:
    """The SLA watching a lead the rep got by `rule`: the rule's own, else that of the first
    of the rep's teams (by name) that has one."""
    found = router.rule_named(rule) if rule is not None else None
    if found is not None and found.sla is not None:
        return found.sla
    if rep is None:
        return None
    for team in sorted(rep.teams):
        settings = router.config.teams.get(team)
        if settings is not None and settings.sla is not None:
            return settings.sla
    return None


def deadline(start: datetime, after: timedelta, rep: Rep | None, business_hours: bool) -> datetime:
    """`after` from `start`: on the wall clock, or counting only the rep's working hours (not
    their holidays) when `business_hours` is set."""
    if not business_hours or rep is None:
        return start + after
    local = start.astimezone(rep.timezone)
    left = after.total_seconds()
    for _ in range(_SEGMENTS):
        into_minute = local.second + local.microsecond / 1e6
        span = minutes_unchanged(rep.hours, local) * 60 - into_minute
        working = rep.hours.contains(local) and rep.holidays.holiday_name(local.date()) is None
        if working and span >= left:
            return (local + timedelta(seconds=left)).astimezone(start.tzinfo)
        if working:
            left -= span
        local = local + timedelta(seconds=span)
    return start + after


def first_stage(
    sla: Sla, rep: Rep | None, *, lead_id: str, owner_since: datetime, sla_since: datetime
) -> Timer | None:
    """The first stage timer of an owner who just got the lead (None: the SLA has no stage)."""
    plan = _plan(sla, rep, lead_id, owner_since, sla_since)
    return plan[0] if plan else None


def next_stage(sla: Sla, rep: Rep | None, fired: Timer, *, sla_since: datetime) -> Timer | None:
    """The stage after the one that just fired, for the same owner."""
    assert fired.since is not None, "an SLA timer carries its owner's start"
    plan = _plan(sla, rep, fired.lead_id, fired.since, sla_since)
    later = [t for t in plan if (t.due, _ORDER[t.kind]) > (fired.due, _ORDER[fired.kind])]
    return later[0] if later else None


def quiet_timer(
    sla: Sla, rep: Rep | None, *, lead_id: str, touched: datetime, start: datetime | None = None
) -> Timer | None:
    """`untouched_after`: a reminder for a lead its owner touched and then left quiet, due
    `untouched_after` from `start` (the touch itself, or the last reminder)."""
    if sla.untouched_after is None or rep is None:
        return None
    due = deadline(start or touched, sla.untouched_after, rep, sla.business_hours)
    return Timer(kind=TimerKind.QUIET, lead_id=lead_id, due=due, rep=rep.id, since=touched)


def _plan(
    sla: Sla, rep: Rep | None, lead_id: str, owner_since: datetime, sla_since: datetime
) -> list[Timer]:
    owner = rep.id if rep is not None else None
    stages: list[Timer] = []
    for kind, after, start in (
        (TimerKind.REMIND, sla.remind_after, owner_since),
        (TimerKind.MISSED, sla.first_touch, owner_since),
        (TimerKind.ESCALATE, sla.escalate_after, sla_since),
        (TimerKind.REASSIGN, sla.reassign_after, owner_since),
    ):
        if after is None:
            continue
        due = deadline(start, after, rep, sla.business_hours)
        if due > owner_since:  # escalation counts from the first owner: it may be behind us
            stages.append(Timer(kind=kind, lead_id=lead_id, due=due, rep=owner, since=owner_since))
    stages.sort(key=lambda t: (t.due, _ORDER[t.kind]))
    return stages


def _clock(sla: Sla) -> str:
    return " in working hours" if sla.business_hours else ""


def _remind_reason(sla: Sla, timer: Timer) -> str:
    waited = format_duration(sla.remind_after or timedelta(0))
    target = f" (target {format_duration(sla.first_touch)})" if sla.first_touch else ""
    return f"sla: not touched {waited}{_clock(sla)} after {timer.rep} got it{target}"


def _missed_reason(sla: Sla, timer: Timer) -> str:
    target = format_duration(sla.first_touch or timedelta(0))
    return f"sla: first touch target {target}{_clock(sla)} missed by {timer.rep}"


def _escalate_reason(sla: Sla, timer: Timer) -> str:
    waited = format_duration(sla.escalate_after or timedelta(0))
    return f"sla: not touched {waited}{_clock(sla)} after it was first assigned; managers told"


def _reassign_reason(sla: Sla, timer: Timer) -> str:
    waited = format_duration(sla.reassign_after or timedelta(0))
    return f"sla: {timer.rep} did not touch it in {waited}{_clock(sla)}"


def _quiet_reason(sla: Sla, timer: Timer) -> str:
    waited = format_duration(sla.untouched_after or timedelta(0))
    return f"sla: no touch for {waited}{_clock(sla)} since the last one; {timer.rep} reminded"


_REASONS = {
    TimerKind.REMIND: _remind_reason,
    TimerKind.MISSED: _missed_reason,
    TimerKind.ESCALATE: _escalate_reason,
    TimerKind.QUIET: _quiet_reason,
}


def stage_reason(sla: Sla, timer: Timer) -> str:
    """What a due reminder, missed target, escalation or quiet reminder says."""
    return _REASONS[timer.kind](sla, timer)


def after_stage(
    sla: Sla,
    rep: Rep | None,
    fired: Timer,
    *,
    sla_since: datetime,
    last_touched: datetime | None,
) -> Timer | None:
    """The timer to set once a stage (not a re-assignment) has acted: the next stage, or for
    a quiet reminder the next one, `untouched_after` later."""
    if fired.kind is TimerKind.QUIET:
        touched = last_touched or fired.due
        return quiet_timer(sla, rep, lead_id=fired.lead_id, touched=touched, start=fired.due)
    return next_stage(sla, rep, fired, sla_since=sla_since)


def excluded(sla: Sla, past_owners: list[str]) -> frozenset[str]:
    """The owners a re-assignment may not go back to: the last `exclude_last` (all when
    unset), the current owner included (it is last in `past_owners`)."""
    if sla.exclude_last is None:
        return frozenset(past_owners)
    keep = max(sla.exclude_last, 1)
    return frozenset(past_owners[-keep:])


def reassignment(
    router: Router,
    sla: Sla,
    timer: Timer,
    *,
    lead: Lead,
    rule: str,
    reassignments: int,
    past_owners: list[str],
    ledger: Ledger,
    rng: Random,
) -> tuple[Decision, str]:
    """Where an untouched lead goes when `reassign_after` passes, and the line saying so: the
    next eligible rep of the same rule (never one of the last owners), else, after
    `max_reassignments` or with nobody left, where the SLA's `then` says."""
    why = _reassign_reason(sla, timer)
    decision = None
    if reassignments < sla.max_reassignments:
        decision = router.reassign(
            lead,
            rule=rule,
            exclude=excluded(sla, past_owners),
            now=timer.due,
            ledger=ledger,
            rng=rng,
        )
        if decision is None:
            why = f"{why}; no other eligible rep"
    else:
        why = f"{why}; max_reassignments {sla.max_reassignments} reached"
    if decision is None:
        decision = then_decision(sla, lead.id, why)
    return decision, f"{why}: to {decision.rep or f'pool {decision.pool}'}"


def then_decision(sla: Sla, lead_id: str, why: str) -> Decision:
    """Where a lead goes when it may not be re-assigned again (or no rep is left): `then`."""
    rep, pool = sla.then_rep, None if sla.then_rep else (sla.then_pool or "unassigned")
    said = f"{why}: to {rep or f'pool {pool}'} (sla then)"
    return Decision(
        lead_id=lead_id,
        rep=rep,
        pool=pool,
        rule="sla",
        summary=Said(said),
        steps=(("sla", True, Written((said, ()))),),
    )
