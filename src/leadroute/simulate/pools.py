"""Pools in replay: claims, releases, claim_ttl returns and max_wait escalations."""

from __future__ import annotations

from datetime import datetime

from leadroute.domain.timers import Timer, still_due
from leadroute.routing.flows import escalation_flow
from leadroute.routing.pools import (
    claim_refusal,
    claim_timer,
    next_in_pool,
    overdue_reason,
    returned_reason,
    returned_wait_timer,
    wait_timer,
)
from leadroute.routing.qualify import status_in_pool
from leadroute.simulate import sla_clock
from leadroute.simulate.decisions import Line, World, not_held, place, rescored, route_again
from leadroute.storage.memory import MemoryStore


def claim(
    world: World, pool_name: str, rep_id: str, wanted: str | None, now: datetime
) -> list[Line]:
    """A rep pulls the next lead of the pool (or cherry-picks `wanted`). A claim under a
    claim_ttl starts the timer that takes the lead back if the rep does not touch it."""
    out: Line = {"claim": pool_name, "rep": rep_id}
    rep = world.router.reps.get(rep_id)
    if rep is None:
        return [{**out, "lead": wanted, "ok": False, "reason": f"unknown rep {rep_id}"}]
    if pool_name not in world.config.pools:
        return [{**out, "lead": wanted, "ok": False, "reason": f"unknown pool {pool_name}"}]
    pool = world.config.pools[pool_name]
    refusal = claim_refusal(rep, pool, now=now, ledger=world.store, cherry_pick=wanted is not None)
    if refusal:
        return [{**out, "lead": wanted, "ok": False, "reason": refusal}]
    waiting = world.store.waiting(pool_name)
    if wanted is not None:
        chosen = next((w for w in waiting if w.lead_id == wanted), None)
        if chosen is None:
            return [{**out, "lead": wanted, "ok": False, "reason": _gone(world.store, wanted)}]
    else:
        chosen = next_in_pool(waiting, pool.order)
        if chosen is None:
            return [{**out, "lead": None, "ok": False, "reason": "pool is empty"}]
    world.store.claim(chosen.lead_id, rep_id, now)
    claim = claim_timer(chosen.lead_id, rep_id, pool, now)
    if claim is not None:
        world.timers.push(claim)
    else:
        sla_clock.start(world, chosen.lead_id, now)
    return [{**out, "lead": chosen.lead_id, "ok": True}]


def release(world: World, lead_id: str, reason: str | None, now: datetime) -> list[Line]:
    """The owner gives the lead back: a claimed lead returns to its pool at its old place, a
    pushed one is routed again to anyone but them. The release line, then where it went."""
    record = world.store.leads.get(lead_id)
    out: Line = {"release": lead_id, "rep": record.owner if record else None}
    refusal = not_held(world.store, lead_id, f"release lead {lead_id}")
    if record is None or record.owner is None or refusal is not None:
        return [{**out, "ok": False, "reason": refusal}]
    rep_id = record.owner
    done: Line = {**out, "ok": True}
    if reason is not None:
        done["reason"] = reason
    if record.claimed_from is None:
        world.store.take_back(lead_id)
        return [done, route_again(world, lead_id, now, exclude=frozenset({rep_id}))]
    pool = _back_to_pool(world, lead_id, now)
    back: Line = {
        "lead": lead_id,
        "rep": None,
        "pool": pool,
        "reason": f"released by {rep_id}: back to pool {pool} at its old place",
    }
    return [done, back]


def give_back(world: World, timer: Timer) -> list[Line]:
    """A claim's claim_ttl came due: when the rep has not touched the lead since claiming it,
    it goes back to its pool at its old place."""
    if not still_due(timer, world.store.holding(timer.lead_id)):
        return []
    pool = _back_to_pool(world, timer.lead_id, timer.due)
    return [
        {
            "returned": timer.lead_id,
            "rep": timer.rep,
            "pool": pool,
            "at": timer.due.isoformat(),
            "reason": returned_reason(world.config.pool(pool)),
        }
    ]


def overdue(world: World, timer: Timer) -> list[Line]:
    """A lead waited max_wait in its pool: the overdue line; with an escalation rule, the
    decision line when it pushed the lead to a rep, else the lead stays and is tried again
    after another max_wait. A report-only pool just reports."""
    if not still_due(timer, world.store.holding(timer.lead_id)):
        return []
    record = world.store.leads[timer.lead_id]
    pool = world.config.pool(timer.pool or "")
    now = timer.due
    waited_since = record.pooled_at or timer.since or now
    lines: list[Line] = [
        {
            "overdue": timer.lead_id,
            "pool": pool.name,
            "at": now.isoformat(),
            "reason": overdue_reason(pool, waited_since, now),
        }
    ]
    if pool.name not in world.config.escalations:
        return lines
    record = rescored(world, timer.lead_id, now)
    decision = world.router.route(
        record.lead, now=now, ledger=world.store, rng=world.rng, flow=escalation_flow(pool.name)
    )
    if decision.rep is not None:
        lines.append(place(world, timer.lead_id, decision, now))
    else:
        world.timers.push(wait_timer(timer.lead_id, pool, now))
    return lines


def _back_to_pool(world: World, lead_id: str, now: datetime) -> str:
    """Return a claimed lead to its pool; it keeps its waiting time, so when max_wait passed
    while it was claimed it is overdue now."""
    record = world.store.leads[lead_id]
    pool = world.store.return_to_pool(lead_id)
    record.status = status_in_pool(world.config.qualify, pool)
    if record.pooled_at is not None:
        world.timers.push(
            returned_wait_timer(lead_id, world.config.pool(pool), record.pooled_at, now)
        )
    return pool


def _gone(store: MemoryStore, lead_id: str) -> str:
    record = store.leads.get(lead_id)
    if record is None:
        return "unknown lead"
    if record.owner:
        return f"already owned by {record.owner}"
    if not record.is_open:
        return f"lead {lead_id} is {record.status}"
    return f"not in this pool (in {record.pool})"
