"""Offers in replay: the offered rep accepts or declines, or the timeout passes; after a decline
or a timeout the rule offers the lead to its next rep (`Router.reoffer`)."""

from __future__ import annotations

from datetime import datetime

from leadroute.domain.timers import Timer, still_due
from leadroute.routing.pools import expired_reason
from leadroute.simulate import sla_clock
from leadroute.simulate.decisions import Line, World, place


def accept(world: World, lead_id: str, rep_id: str, now: datetime) -> list[Line]:
    out: Line = {"accept": lead_id, "rep": rep_id}
    refusal = _not_offered(world, lead_id, rep_id)
    if refusal is not None:
        return [{**out, "ok": False, "reason": refusal}]
    world.store.accept(lead_id)
    sla_clock.start(world, lead_id, now)
    return [{**out, "ok": True}]


def decline(
    world: World, lead_id: str, rep_id: str, reason: str | None, now: datetime
) -> list[Line]:
    """The decline line, then where the lead goes next."""
    out: Line = {"decline": lead_id, "rep": rep_id}
    refusal = _not_offered(world, lead_id, rep_id)
    if refusal is not None:
        return [{**out, "ok": False, "reason": refusal}]
    out["ok"] = True
    if reason is not None:
        out["reason"] = reason
    return [out, _next(world, lead_id, now)]


def expire(world: World, timer: Timer) -> list[Line]:
    """An offer's timeout came due: when the rep still has not answered, the expiry line and
    where the lead goes next; nothing when the offer was answered in time."""
    if not still_due(timer, world.store.holding(timer.lead_id)):
        return []
    rule = world.router.rule_named(world.store.leads[timer.lead_id].rule or "")
    offer = rule.assign.offer if rule and rule.assign else None
    line: Line = {
        "expired": timer.lead_id,
        "rep": timer.rep,
        "at": timer.due.isoformat(),
        "reason": expired_reason(offer) if offer else "not accepted in time",
    }
    return [line, _next(world, timer.lead_id, timer.due)]


def _next(world: World, lead_id: str, now: datetime) -> Line:
    """The offer ends (the rep gets back the cap and load it held); the rule offers the lead to
    its next rep, or it goes where the rule's on_empty says."""
    store = world.store
    record = store.leads[lead_id]
    rule = record.rule or ""
    store.withdraw_offer(lead_id)
    decision = world.router.reoffer(
        record.lead,
        rule=rule,
        offered=tuple(record.offered),
        now=now,
        ledger=store,
        rng=world.rng,
    )
    return place(world, lead_id, decision, now)


def _not_offered(world: World, lead_id: str, rep_id: str) -> str | None:
    record = world.store.leads.get(lead_id)
    if record is None:
        return "unknown lead"
    if record.status != "offered":
        return f"lead {lead_id} is not offered to anyone (it is {record.status})"
    if record.owner != rep_id:
        return f"lead {lead_id} is offered to {record.owner}, not {rep_id}"
    return None
