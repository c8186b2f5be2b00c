"""What replay acts on (router, store, random generator, timers), and how it applies a decision:
record it, start the timers it calls for, print its line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from random import Random

from leadroute.domain.decisions import Decision, Step
from leadroute.domain.leads import Lead
from leadroute.routing.batch_plan import BatchPlan
from leadroute.routing.config import RoutingConfig
from leadroute.routing.engine import Router
from leadroute.routing.flows import HANDOFF, MAIN
from leadroute.routing.intake import with_intake
from leadroute.routing.pools import offer_timer, wait_timer
from leadroute.simulate import sla_clock
from leadroute.simulate.timers import TimerQueue
from leadroute.storage.lead_records import LeadRecord
from leadroute.storage.memory import MemoryStore

Line = dict[str, object]


@dataclass(kw_only=True, slots=True)
class World:
    """Everything a replay changes or reads, shared by its handlers; and what its decision
    lines hold besides the decision: the `trace` (DESIGN §4), and `capped`, the reps the
    decision skipped because a cap was full (what reports read from the trace, for a replay
    that leaves the trace out)."""

    router: Router
    rng: Random
    store: MemoryStore
    timers: TimerQueue
    trace: bool = True
    capped: bool = False
    batch: BatchPlan | None = None  # the batch the leads being routed belong to

    @property
    def config(self) -> RoutingConfig:
        return self.router.config


def route_new(
    world: World,
    lead: Lead,
    now: datetime,
    *,
    decision: Decision | None = None,
    intake: Step | None = None,
) -> Line:
    """Route a lead that just arrived (or apply the decision made for it, e.g. a linked
    duplicate's), with the `intake` step first in its trace; record the decision and return
    its line."""
    if decision is None:
        decision = world.router.route(
            lead, now=now, ledger=world.store, rng=world.rng, batch=world.batch
        )
    decision = with_intake(decision, intake)
    record = world.store.record_decision(lead, decision, now)
    return _started(world, record, decision, now)


def route_again(world: World, lead_id: str, now: datetime, *, exclude: frozenset[str]) -> Line:
    """Route a lead nobody holds again: in the hand-off flow once it was qualified (when there
    is one), else in the main routing; never to a rep in `exclude`."""
    record = rescored(world, lead_id, now)
    flow = HANDOFF if record.qualified_by and world.router.has_flow(HANDOFF) else MAIN
    decision = world.router.route(
        record.lead, now=now, ledger=world.store, rng=world.rng, exclude=exclude, flow=flow
    )
    return place(world, lead_id, decision, now)


def rescored(world: World, lead_id: str, now: datetime) -> LeadRecord:
    """The lead scored again as of `now` (its activities fade), as the service does before
    it routes a stored lead."""
    record = world.store.leads[lead_id]
    lead = world.router.score(record.lead, activities=record.activities, now=now)
    return world.store.rescore(lead_id, lead)


def place(
    world: World,
    lead_id: str,
    decision: Decision,
    now: datetime,
    *,
    sla_since: datetime | None = None,
) -> Line:
    """Apply a decision to a lead nobody holds and return its line (`sla_since`: an SLA
    re-assignment keeps counting escalation from the first owner)."""
    record = world.store.place(lead_id, decision, now)
    return _started(world, record, decision, now, sla_since)


def _started(
    world: World,
    record: LeadRecord,
    decision: Decision,
    now: datetime,
    sla_since: datetime | None = None,
) -> Line:
    """Start the offer's timeout, the owner's SLA or the pool's max_wait; the decision line,
    with the offer (`number` counts every rep the lead was offered to) and who qualified the
    lead."""
    line = decision.as_dict(trace=world.trace)
    if world.capped:
        line["capped"] = list(decision.capped())
    lead_id = record.lead.id
    if decision.rep is not None and decision.offer is not None:
        number = len(record.offered)
        timer = offer_timer(lead_id, decision.rep, decision.offer, now)
        world.timers.push(timer)
        line["offer"] = {
            "number": number,
            "of": decision.offer.max_offers,
            "expires": timer.due.isoformat(),
        }
    elif decision.rep is not None:
        sla_clock.start(world, lead_id, now, sla_since=sla_since)
    elif decision.pool is not None:
        world.timers.push(wait_timer(lead_id, world.config.pool(decision.pool), now))
    if record.qualified_by is not None:
        line["qualified_by"] = record.qualified_by
    return line


def not_held(store: MemoryStore, lead_id: str, what: str, *, closed_ok: bool = False) -> str | None:
    """Why nobody works the lead now, so `what` ("touch lead L1") cannot be done: unknown,
    offered and not accepted yet, closed (unless `closed_ok`), or without an owner. The
    service's words."""
    record = store.leads.get(lead_id)
    if record is None:
        return "unknown lead"
    if record.status == "offered":
        return f"cannot {what}: it is offered to {record.owner}, who has not accepted it yet"
    if not record.is_open and not closed_ok:
        return f"cannot {what}: it is {record.status}"
    if record.owner is None:
        where = f"waits in pool {record.pool}" if record.pool else "has no owner"
        return f"cannot {what}: it is {record.status} and {where}"
    return None
