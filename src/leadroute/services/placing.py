"""Routing a stored lead and applying the engine's decision: an owner, an offer or a pool.

Every path that routes (intake, release, hand-off, declined or expired offers, pool
escalation) ends here, inside the caller's `Database.writing()` transaction: the decision with
its trace, the owner and counters, the timers it starts and the events are written together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from random import Random
from typing import Any

from sqlalchemy.orm import Session

from leadroute.domain.decisions import Decision
from leadroute.domain.leads import Lead
from leadroute.routing.engine import MAIN, Router
from leadroute.routing.pools import offer_timer, wait_timer
from leadroute.services.runtime import Routing
from leadroute.services.views import decision_view
from leadroute.storage.ledger import SqlLedger
from leadroute.storage.owners import add_credits, enqueue, give, log
from leadroute.storage.tables import DecisionRow, LeadRow
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
) -> Decision:
    """Route a stored lead with the engine on the live state and apply the decision."""
    lead, decision = decide(
        session,
        routing.router,
        lead_of(row),
        now=now,
        rng=seeded(row, now),
        exclude=exclude,
        flow=flow,
    )
    score = lead.fields.get("score")
    row.score = float(score) if isinstance(score, int | float) else None
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
) -> None:
    """Apply a decision to a lead nobody owns: give or offer it to the rep, or queue it."""
    view = decision_view(decision)
    version = routing.version
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
    log(
        session,
        "lead.pooled",
        at=now,
        actor=actor,
        lead_id=row.id,
        reason=view["reason"],
        data={**details, "pool": decision.pool},
    )


def decide(
    session: Session,
    router: Router,
    lead: Lead,
    *,
    now: datetime,
    rng: Random,
    exclude: frozenset[str] = frozenset(),
    flow: str = MAIN,
) -> tuple[Lead, Decision]:
    """Score the lead and route it with the engine on the live state read in `session`."""
    scored = router.score(lead)
    ledger = SqlLedger.load(session, router.config.reps, now)
    decision = router.route(scored, now=now, ledger=ledger, rng=rng, exclude=exclude, flow=flow)
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
