"""Timers: something that must happen to a lead at a later time unless the lead moved on.

A timer is never cancelled. Each lead counts the timers started for it, and a timer carries its
count (`number`, stamped when it is scheduled): only the latest timer of a lead may act, so a
new offer, claim or wait makes every earlier timer of that lead stale. When it comes due,
`still_due` also checks that the lead is still where the timer left it (not accepted, touched,
claimed or closed in the meantime; for SLA timers, touched or given to someone else). Replay
keeps timers in memory on its virtual clock; the service stores them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class TimerKind(StrEnum):
    OFFER = "offer"  # an offer not accepted by then expires and goes to the next rep
    CLAIM = "claim"  # a claimed lead not touched by then goes back to its pool (claim_ttl)
    WAIT = "wait"  # a lead still waiting in its pool by then is escalated (max_wait)
    # SLA stages (domain/sla.py), each for an owner who has not touched the lead since `since`
    REMIND = "sla_remind"  # remind the owner
    MISSED = "sla_missed"  # the first-touch target passed
    ESCALATE = "sla_escalate"  # tell managers
    REASSIGN = "sla_reassign"  # give the lead to the next rep
    QUIET = "sla_quiet"  # a touched lead left quiet for untouched_after: remind the owner
    BATCH = "batch"  # a lead held for its optimal rule's batch window: place the held leads


SLA_STAGES = frozenset({TimerKind.REMIND, TimerKind.MISSED, TimerKind.ESCALATE, TimerKind.REASSIGN})


@dataclass(frozen=True, kw_only=True, slots=True)
class Timer:
    """`number`: the lead's timer count when this one was scheduled (0 until then). `since`:
    when the claim was made, or when the lead started waiting (or escalation last failed)."""

    kind: TimerKind
    lead_id: str
    due: datetime
    rep: str | None = None
    pool: str | None = None
    number: int = 0
    since: datetime | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Holding:
    """Where a lead stands, as far as its timers care."""

    status: str
    owner: str | None
    pool: str | None
    claimed_from: str | None
    last_touched_at: datetime | None
    timers: int


def still_due(timer: Timer, lead: Holding) -> bool:
    """Whether the timer should act on the lead as it stands now."""
    if timer.number != lead.timers:
        return False  # a later timer of this lead replaced it
    if timer.kind is TimerKind.OFFER:
        return lead.status == "offered" and lead.owner == timer.rep
    if timer.kind is TimerKind.CLAIM:
        untouched = lead.last_touched_at is None or (
            timer.since is not None and lead.last_touched_at < timer.since
        )
        return (
            lead.owner == timer.rep
            and lead.claimed_from == timer.pool
            and lead.status == "routed"
            and untouched
        )
    if timer.kind in SLA_STAGES:
        untouched = lead.last_touched_at is None or (
            timer.since is not None and lead.last_touched_at < timer.since
        )
        return lead.owner == timer.rep and lead.status == "routed" and untouched
    if timer.kind is TimerKind.BATCH:
        return lead.status == "new" and lead.owner is None and lead.pool is None
    if timer.kind is TimerKind.QUIET:
        return (
            lead.owner == timer.rep
            and lead.status in ("touched", "qualified")
            and lead.last_touched_at == timer.since
        )
    return lead.pool == timer.pool
