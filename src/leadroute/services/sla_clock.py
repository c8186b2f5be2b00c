"""Starting SLA clocks (routing/sla.py) when a rep becomes a lead's owner or touches it, in
the caller's transaction. Firing them is services/sla.py."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadroute.routing.sla import first_stage, quiet_timer, sla_for
from leadroute.services.runtime import Routing
from leadroute.storage.tables import AssignmentRow, LeadRow
from leadroute.storage.timers import schedule


def start_sla(
    session: Session,
    routing: Routing,
    row: LeadRow,
    *,
    rule: str | None,
    now: datetime,
    sla_since: datetime | None = None,
) -> None:
    """A rep just became the owner of an untouched lead: remember them among its owners and
    start the clock of the SLA that watches it (the rule's, else their team's). Escalation
    counts from `sla_since` (an SLA re-assignment), else from now."""
    owner = row.owner
    if owner is None:
        return
    row.past_owners = [*(row.past_owners or []), owner]
    rep = routing.router.reps.get(owner)
    sla = sla_for(routing.router, rule, rep)
    if sla is None or row.status != "routed":
        return
    row.sla_started_at = sla_since or now
    timer = first_stage(sla, rep, lead_id=row.id, owner_since=now, sla_since=row.sla_started_at)
    schedule(session, row, timer, now=now)


def owner_rule(session: Session, row: LeadRow) -> str | None:
    """The rule the current owner got the lead by (a routing rule, `manual` or `pool:NAME`):
    the rule of the open assignment."""
    return session.scalar(
        select(AssignmentRow.rule).where(
            AssignmentRow.lead_id == row.id, AssignmentRow.ended_at.is_(None)
        )
    )


def after_touch(session: Session, routing: Routing, row: LeadRow, *, now: datetime) -> None:
    """A touch stops the first-touch clock; `untouched_after` starts watching for silence."""
    owner = row.owner
    if owner is None:
        return
    rep = routing.router.reps.get(owner)
    sla = sla_for(routing.router, owner_rule(session, row), rep)
    if sla is not None:
        schedule(session, row, quiet_timer(sla, rep, lead_id=row.id, touched=now), now=now)
