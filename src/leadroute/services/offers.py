"""Offers (push with acceptance): the offered rep accepts or declines; a declined or expired
offer goes to the next eligible rep of the same rule (routing/engine.py `Router.reoffer`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from leadroute.domain.timers import TimerKind
from leadroute.services.errors import Conflict, Forbidden
from leadroute.services.leads import visible_lead
from leadroute.services.placing import reoffer_and_record
from leadroute.services.principals import Principal, Role
from leadroute.services.runtime import Routing, Runtime
from leadroute.services.sla_clock import start_sla
from leadroute.services.views import lead_detail
from leadroute.storage.owners import log, take_back
from leadroute.storage.tables import LeadRow
from leadroute.storage.timers import latest_pending

_REASON_LENGTH = 1000


def accept_offer(
    *, runtime: Runtime, lead_id: str, caller: Principal, now: datetime
) -> dict[str, Any]:
    """The offered rep (or a manager for them) accepts: the lead is theirs."""
    with runtime.database.writing() as session:
        row = _offered(session, runtime, lead_id, caller, "accept", now)
        row.status, row.offered, row.updated_at = "routed", [], now
        log(
            session,
            "lead.accepted",
            at=now,
            actor=caller.actor,
            lead_id=row.id,
            rep_id=row.owner,
            reason="offer accepted",
        )
        start_sla(session, runtime.routing(session), row, rule=row.rule, now=now)
        return lead_detail(session, row)


def decline_offer(
    *, runtime: Runtime, lead_id: str, caller: Principal, now: datetime, reason: str | None = None
) -> dict[str, Any]:
    """The offered rep (or a manager for them) declines: the lead is offered to the next rep,
    never again to this one; after max_offers it goes where the rule's on_empty says."""
    why = (reason or "").strip()[:_REASON_LENGTH] or None
    with runtime.database.writing() as session:
        row = _offered(session, runtime, lead_id, caller, "decline", now)
        routing = runtime.routing(session)
        withdraw(session, routing, row, now=now, actor=caller.actor, kind="lead.declined", why=why)
        return lead_detail(session, row)


def withdraw(
    session: Session,
    routing: Routing,
    row: LeadRow,
    *,
    now: datetime,
    actor: str,
    kind: str,
    why: str | None,
) -> None:
    """End the pending offer (declined or expired) and offer the lead on."""
    rule = row.rule
    rep = take_back(
        session, row, now=now, reason=f"{kind.removeprefix('lead.')}: {why or ''}", uncount=True
    )
    log(session, kind, at=now, actor=actor, lead_id=row.id, rep_id=rep, reason=why)
    assert rule is not None, "an offered lead was routed by a rule"
    reoffer_and_record(session, routing, row, rule=rule, now=now, actor=actor)


def _offered(
    session: Session, runtime: Runtime, lead_id: str, caller: Principal, verb: str, now: datetime
) -> LeadRow:
    if caller.role not in (Role.ADMIN, Role.MANAGER, Role.REP):
        raise Forbidden(f"the {caller.role.value} role may not {verb} offers")
    row = visible_lead(session, runtime, lead_id, caller)
    if row.status != "offered":
        raise Conflict(
            f"cannot {verb}: lead {row.id} is not offered to anyone (it is {row.status})",
            lead=row.id,
            status=row.status,
            owner=row.owner,
            pool=row.pool,
        )
    if caller.role is Role.REP and row.owner != caller.rep_id:
        raise Forbidden(f"lead {row.id} is offered to another rep")
    timeout = latest_pending(session, row)
    if timeout is not None and timeout.kind == TimerKind.OFFER and timeout.due_at <= now:
        # The worker has not caught up yet; replay would have moved the lead on already.
        raise Conflict(
            f"cannot {verb}: the offer of lead {row.id} to {row.owner} expired at "
            f"{timeout.due_at.isoformat()}; it goes to the next rep",
            lead=row.id,
            status=row.status,
            owner=row.owner,
        )
    return row
