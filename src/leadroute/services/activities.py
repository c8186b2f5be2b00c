"""Behaviour events from marketing tools (email opened, link clicked, ...): stored, counted in
the lead's score (fading with age), and a nurtured lead whose score reaches the threshold is
passed to sales: routed at once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from leadroute.domain.errors import InvalidInput, Problem
from leadroute.routing.qualify import ready_for_sales
from leadroute.rules.parsing import suggest
from leadroute.scoring.points import ACTIVITY_TYPES
from leadroute.services.errors import Forbidden, NotFound
from leadroute.services.placing import activities_of, keep_score, lead_of, route_and_record
from leadroute.services.principals import Principal, Role
from leadroute.services.runtime import Routing, Runtime
from leadroute.services.views import lead_summary
from leadroute.storage.owners import log
from leadroute.storage.tables import ActivityRow, LeadRow

POSTERS = frozenset({Role.ADMIN, Role.MANAGER, Role.INTAKE})
_CLOCK_SKEW = timedelta(minutes=5)


def record_activity(
    *,
    runtime: Runtime,
    lead_id: str,
    kind: str,
    caller: Principal,
    now: datetime,
    at: datetime | None = None,
    source: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Store one activity of the lead, re-score it, and route it when it leaves nurture.
    Returns the lead's summary with `activity` and `promoted`."""
    if caller.role not in POSTERS:
        raise Forbidden(f"the {caller.role.value} role may not post activities")
    _check(kind, at, now)
    happened = at or now
    with runtime.database.writing() as session:
        row = session.get(LeadRow, lead_id)
        if row is None:
            raise NotFound(f"no lead {lead_id}")
        routing = runtime.routing(session)
        session.add(
            ActivityRow(lead_id=row.id, type=kind, at=happened, source=source, data=data or {})
        )
        session.flush()
        before = row.score
        rescore(session, routing, row, now=now)
        log(
            session,
            "lead.activity",
            at=now,
            actor=caller.actor,
            lead_id=row.id,
            reason=f"{kind}: score {before if before is not None else '-'} → {row.score}",
            data={"type": kind, "at": happened.isoformat(), "source": source},
        )
        promoted = promote(session, routing, row, now=now, actor=caller.actor)
        return {
            **lead_summary(row),
            "activity": {"type": kind, "at": happened.isoformat(), "source": source},
            "promoted": promoted,
        }


def rescore(session: Session, routing: Routing, row: LeadRow, *, now: datetime) -> None:
    """Score the stored lead again with all its activities, as of `now`."""
    activities = activities_of(session, routing.router, row.id)
    keep_score(row, routing.router.score(lead_of(row), activities=activities, now=now))
    row.updated_at = now


def promote(session: Session, routing: Routing, row: LeadRow, *, now: datetime, actor: str) -> bool:
    """A nurtured lead waiting in the nurture pool whose score reached the threshold is
    routed now (qualification passes, the rules choose the rep)."""
    qualify = routing.router.config.qualify
    if not ready_for_sales(qualify, status=row.status, pool=row.pool, score=row.score):
        return False
    assert qualify is not None, "ready_for_sales needs a qualify section"
    assert qualify.nurture_below is not None, "ready_for_sales needs a threshold"
    log(
        session,
        "lead.promoted",
        at=now,
        actor=actor,
        lead_id=row.id,
        reason=f"score {row.score:g} reached nurture_below {qualify.nurture_below:g}: "
        "passed to sales",
    )
    route_and_record(session, routing, row, now=now, actor=actor)
    return True


def _check(kind: str, at: datetime | None, now: datetime) -> None:
    if kind not in ACTIVITY_TYPES:
        message = f"unknown activity {kind!r}{suggest(kind, ACTIVITY_TYPES)}"
        raise InvalidInput(
            [Problem(path="type", message=f"{message} (activities: {', '.join(ACTIVITY_TYPES)})")]
        )
    if at is not None and at.tzinfo is None:
        raise InvalidInput([Problem(path="at", message="give a UTC offset (e.g. Z or -05:00)")])
    if at is not None and at > now + _CLOCK_SKEW:
        raise InvalidInput([Problem(path="at", message="is in the future")])
