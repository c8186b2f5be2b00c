"""Routing a stored lead and applying the engine's decision: an owner, an offer or a pool.

Every path that routes (intake, release, hand-off, declined or expired offers, pool
escalation) ends here, inside the caller's `Database.writing()` transaction: the decision with
its trace, the owner and counters, the timers it starts and the events are written together.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from random import Random
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadroute.domain.decisions import Decision
from leadroute.domain.leads import Lead
from leadroute.routing.batch_plan import BatchPlan
from leadroute.routing.engine import Router
from leadroute.routing.flows import MAIN
from leadroute.routing.intake import IntakeFacts, with_intake
from leadroute.routing.ledger import Ledger
from leadroute.routing.pools import offer_timer, wait_timer
from leadroute.routing.qualify import DISQUALIFIED, NURTURE
from leadroute.scoring.points import Activity
from leadroute.services.holding import held_until, hold
from leadroute.services.runtime import Routing
from leadroute.services.sla_clock import start_sla
from leadroute.services.views import decision_view, remember_view
from leadroute.storage.ledger import SqlLedger
from leadroute.storage.owners import add_credits, enqueue, give, log
from leadroute.storage.tables import ActivityRow, DecisionRow, LeadRow
from leadroute.storage.timers import schedule


def route_and_record(
    session: Session,
    routing: Routing,
    row: LeadRow,
    *,
    now: datetime,
    actor: str,
    exclude: frozenset[str] = frozenset(),
    flow: str = MAIN,
    data: dict[str, Any] | None = None,
    intake: IntakeFacts | None = None,
    ledger: Ledger | None = None,
    batch: BatchPlan | None = None,
    may_hold: bool = False,
) -> Decision:
    """Route a stored lead with the engine on the live state and apply the decision; a new
    lead's `intake` facts (routing/intake.py) become the first step of its trace. `ledger`:
    the live state as a caller keeps it across leads (a batch, services/batch_ledger.py);
    without one a fresh SqlLedger is read. `batch`: the plan of the `select: optimal` batch
    the lead is placed in (services/batches.py). `may_hold`: a new lead whose rule batches
    is held for its batch window instead of placed (services/holding.py)."""
    lead, decision = decide(
        session,
        routing.router,
        lead_of(row),
        now=now,
        rng=seeded(row, now),
        exclude=exclude,
        flow=flow,
        activities=activities_of(session, routing.router, row.id),
        ledger=ledger,
        batch=batch,
    )
    keep_score(row, lead)
    until = held_until(routing, decision, now) if may_hold else None
    if until is not None:
        hold(session, row, decision.rule, now=now, until=until, actor=actor)
        return decision
    if intake is not None:
        decision = with_intake(decision, intake.step(lead))
    place(session, routing, row, decision, now=now, actor=actor, data=data)
    return decision


def reoffer_and_record(
    session: Session, routing: Routing, row: LeadRow, *, rule: str, now: datetime, actor: str
) -> Decision:
    """After a declined or expired offer: the next rep of the same rule, or where its on_empty
    says (routing/engine.py `Router.reoffer`)."""
    offered: Sequence[str] = list(row.offered or [])
    ledger = SqlLedger.load(session, routing.router.config.reps, now)
    decision = routing.router.reoffer(
        lead_of(row), rule=rule, offered=offered, now=now, ledger=ledger, rng=seeded(row, now)
    )
    place(session, routing, row, decision, now=now, actor=actor)
    return decision


def place(
    session: Session,
    routing: Routing,
    row: LeadRow,
    decision: Decision,
    *,
    now: datetime,
    actor: str,
    data: dict[str, Any] | None = None,
    sla_since: datetime | None = None,
) -> None:
    """Apply a decision to a lead nobody owns: give or offer it to the rep, or queue it.
    A rep's SLA clock starts now, or for escalation at `sla_since` (an SLA re-assignment
    keeps counting from the first owner)."""
    # Nothing here reads what it wrote (storage/owners.py `give` flushes first where it counts
    # rows): the lead's changes go in one UPDATE at the next flush, not one per statement that
    # would otherwise flush them; any later query of the transaction flushes them first.
    with session.no_autoflush:
        _place(
            session, routing, row, decision, now=now, actor=actor, data=data, sla_since=sla_since
        )


def _place(
    session: Session,
    routing: Routing,
    row: LeadRow,
    decision: Decision,
    *,
    now: datetime,
    actor: str,
    data: dict[str, Any] | None,
    sla_since: datetime | None,
) -> None:
    view = decision_view(decision)
    remember_view(session, row.id, view)
    version = routing.version
    if decision.verdict == DISQUALIFIED:
        _disqualify(session, routing, row, decision, now=now, actor=actor)
        return
    row.status_reason = None
    session.add(
        DecisionRow(
            lead_id=row.id,
            at=now,
            routing_version=version,
            rule=decision.rule,
            rep=decision.rep,
            pool=decision.pool,
            reason=view["reason"],
            trace=view["trace"],
        )
    )
    row.rule, row.routing_version, row.status = decision.rule, version, "routed"
    if decision.experiment is not None and row.experiment is None:
        row.experiment, row.arm = decision.experiment, decision.arm
    add_credits(session, decision.rule, decision.credits)
    details = {"rule": decision.rule, "version": version, **(data or {})}
    if decision.rep is not None:
        rep = routing.router.reps.get(decision.rep)
        give(
            session,
            row,
            rep_id=decision.rep,
            rule=decision.rule,
            now=now,
            timezone=rep.timezone if rep else None,
            flush=False,
        )
        kind = "lead.assigned"
        if decision.offer is not None:
            row.offered = [*(row.offered or []), decision.rep]
            row.status = "offered"
            timer = offer_timer(row.id, decision.rep, decision.offer, now)
            schedule(session, row, timer, now=now)
            kind = "lead.offered"
            details |= {
                "number": len(row.offered),
                "of": decision.offer.max_offers,
                "expires": timer.due.isoformat(),
            }
        else:
            row.offered = []
            start_sla(session, routing, row, rule=decision.rule, now=now, sla_since=sla_since)
        log(
            session,
            kind,
            at=now,
            actor=actor,
            lead_id=row.id,
            rep_id=decision.rep,
            reason=view["reason"],
            data=details,
        )
        return
    assert decision.pool is not None, "a decision names a rep or a pool"
    row.offered = []
    enqueue(session, row, pool=decision.pool, now=now)
    pool = routing.router.config.pool(decision.pool)
    schedule(session, row, wait_timer(row.id, pool, now), now=now)
    nurtured = decision.verdict == NURTURE
    if nurtured:
        row.status, row.status_reason = NURTURE, view["reason"]
    log(
        session,
        "lead.nurtured" if nurtured else "lead.pooled",
        at=now,
        actor=actor,
        lead_id=row.id,
        reason=view["reason"],
        data={**details, "pool": decision.pool},
    )


def _disqualify(
    session: Session,
    routing: Routing,
    row: LeadRow,
    decision: Decision,
    *,
    now: datetime,
    actor: str,
) -> None:
    """Kept and reportable, never routed: closed as disqualified with the reason."""
    reason = decision.reason
    session.add(
        DecisionRow(
            lead_id=row.id,
            at=now,
            routing_version=routing.version,
            rule=decision.rule,
            rep=None,
            pool=None,
            reason=reason,
            trace=decision_view(decision)["trace"],
        )
    )
    row.rule, row.routing_version = decision.rule, routing.version
    row.owner, row.pool, row.offered = None, None, []
    row.status, row.status_reason, row.closed_at, row.updated_at = DISQUALIFIED, reason, now, now
    log(session, "lead.disqualified", at=now, actor=actor, lead_id=row.id, reason=reason)


def keep_score(row: LeadRow, lead: Lead) -> None:
    """Store the score and grade the engine gave the lead."""
    score = lead.fields.get("score")
    row.score = finite_score(score) if isinstance(score, int | float) else None
    grade = lead.fields.get("grade")
    row.grade = str(grade) if grade is not None else None
    model = lead.fields.get("score_model")
    if isinstance(model, float) and row.fields.get("score_model") != model:
        row.fields = {**row.fields, "score_model": model}  # a new dict: JSON columns see it


def activities_of(session: Session, router: Router, lead_id: str) -> list[Activity]:
    """The lead's activities, when scoring counts any (no query otherwise)."""
    if not router.config.scoring.activities:
        return []
    rows = session.execute(
        select(ActivityRow.type, ActivityRow.at)
        .where(ActivityRow.lead_id == lead_id)
        .order_by(ActivityRow.at)
    ).all()
    return [Activity(type=kind, at=at) for kind, at in rows]


def decide(
    session: Session,
    router: Router,
    lead: Lead,
    *,
    now: datetime,
    rng: Random,
    exclude: frozenset[str] = frozenset(),
    flow: str = MAIN,
    activities: Sequence[Activity] = (),
    ledger: Ledger | None = None,
    batch: BatchPlan | None = None,
) -> tuple[Lead, Decision]:
    """Score the lead and route it with the engine on the live state read in `session` (or
    on `ledger`, when the caller keeps one)."""
    scored = router.score(lead, activities=activities, now=now)
    if ledger is None:
        ledger = SqlLedger.load(session, router.config.reps, now)
    decision = router.route(
        scored, now=now, ledger=ledger, rng=rng, exclude=exclude, flow=flow, batch=batch
    )
    return scored, decision


def lead_of(row: LeadRow) -> Lead:
    """The engine's view of a stored lead."""
    fields = dict(row.fields)
    fields["id"] = row.id
    fields["received_at"] = row.received_at
    if row.score is not None and "score" not in fields:
        fields["score"] = row.score
    return Lead(id=row.id, received_at=row.received_at, fields=fields)


def seeded(row: LeadRow, now: datetime) -> Random:
    """The generator a lead's routing at `now` uses (reproducible for the same lead and time)."""
    return Random(f"{row.id}:{now}")


def finite_score(number: int | float) -> float | None:
    """The score as a float the database and JSON can hold; None for NaN, infinities and
    integers past every float."""
    try:
        value = float(number)
    except OverflowError:
        return None
    return value if math.isfinite(value) else None
