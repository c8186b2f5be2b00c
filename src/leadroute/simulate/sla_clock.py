"""Starting SLA clocks in replay (routing/sla.py), as the service does (services/sla_clock.py):
when a rep becomes a lead's owner, and when they touch it. Firing them is simulate/sla.py."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from leadroute.routing.sla import first_stage, quiet_timer, sla_for

if TYPE_CHECKING:
    from leadroute.simulate.decisions import World


def start(world: World, lead_id: str, now: datetime, *, sla_since: datetime | None = None) -> None:
    """The lead just got an owner (routed, accepted, claimed, assigned by hand)."""
    record = world.store.leads[lead_id]
    owner = record.owner
    if owner is None:
        return
    record.past_owners.append(owner)
    rep = world.router.reps.get(owner)
    sla = sla_for(world.router, record.rule, rep)
    if sla is None or record.status != "routed":
        return
    record.sla_started_at = sla_since or now
    world.timers.push(
        first_stage(sla, rep, lead_id=lead_id, owner_since=now, sla_since=record.sla_started_at)
    )


def touched(world: World, lead_id: str, now: datetime) -> None:
    record = world.store.leads[lead_id]
    rep = world.router.reps.get(record.owner or "")
    sla = sla_for(world.router, record.rule, rep)
    if sla is not None:
        world.timers.push(quiet_timer(sla, rep, lead_id=lead_id, touched=now))
