"""Live batch windows of `select: optimal` rules (routing/batch_plan.py): a new lead whose
rule is `optimal` with a `batch_window` is held, not placed (services/holding.py), and the
leads held by the time the first one's window ends are placed together. A held lead is stored
and acknowledged like any other; only its placement waits.

Placing: when a BATCH timer fires (services/timers.py, under the routing lock), every lead still
held is routed as one batch: `plan_batch` probes them all on the live state and solves each
optimal rule's problem, then each lead is routed again with the plan and placed in arrival
order, on a ledger re-read after each placement so caps stay exact. The other held leads'
timers are marked fired (`batched`) in the same transaction. A lead disqualified, closed or
given by hand while it waited is no longer held, so it is left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from leadroute.domain.timers import TimerKind
from leadroute.routing.batch_plan import BatchPlan, plan_batch
from leadroute.routing.flows import MAIN
from leadroute.routing.ledger import Ledger
from leadroute.services.batch_ledger import BatchLedger
from leadroute.services.placing import activities_of, lead_of, route_and_record
from leadroute.services.runtime import Routing
from leadroute.storage.owners import log
from leadroute.storage.tables import LeadRow, TimerRow

MAX_BATCH = 500  # leads placed by one firing; the rest wait for their own timers
BATCHED = "batched"  # the outcome of a held lead's timer fired by another lead's batch


def held_leads(session: Session) -> list[tuple[LeadRow, TimerRow]]:
    """The leads waiting for a batch, in arrival order, each with its pending BATCH timer."""
    return _with_pending(
        session,
        TimerKind.BATCH,
        LeadRow.status == "new",
        LeadRow.owner.is_(None),
        LeadRow.pool.is_(None),
        order=(LeadRow.received_at, LeadRow.id),
    )


def plan_rows(
    session: Session,
    routing: Routing,
    rows: Sequence[LeadRow],
    *,
    now: datetime,
    ledger: Ledger,
    flow: str = MAIN,
) -> BatchPlan:
    """The batch plan of these stored leads, scored as routing them would score them."""
    router = routing.router
    scored = [
        router.score(lead_of(row), activities=activities_of(session, router, row.id), now=now)
        for row in rows
    ]
    return plan_batch(router, scored, now=now, ledger=ledger, flow=flow)


def place_batch(session: Session, routing: Routing, *, now: datetime, actor: str) -> int:
    """Route every held lead as one batch (see the module docstring); returns how many."""
    held = held_leads(session)
    if not held:
        return 0
    state = BatchLedger(session, routing.router.config.reps)
    plan = plan_rows(session, routing, [row for row, _ in held], now=now, ledger=state.at(now))
    for row, timer in held:
        timer.fired_at, timer.outcome = now, BATCHED
        decision = route_and_record(
            session, routing, row, now=now, actor=actor, ledger=state.at(now), batch=plan
        )
        state.after(decision)
    log(
        session,
        "batch.placed",
        at=now,
        actor=actor,
        reason=f"{len(held)} held leads placed together",
        data={"leads": [row.id for row, _ in held]},
    )
    return len(held)


def overdue_in(session: Session, pool: str, *, now: datetime) -> list[tuple[LeadRow, TimerRow]]:
    """The leads waiting in `pool` whose wait timer is due by `now`, oldest first, each with
    that timer (the pool's overdue leads an optimal escalation places together)."""
    return _with_pending(
        session,
        TimerKind.WAIT,
        TimerRow.due_at <= now,
        TimerRow.pool == pool,
        LeadRow.pool == pool,
        LeadRow.owner.is_(None),
        order=(LeadRow.pooled_at, LeadRow.id),
    )


def _with_pending(
    session: Session,
    kind: TimerKind,
    *where: ColumnElement[bool],
    order: tuple[InstrumentedAttribute[Any], ...],
) -> list[tuple[LeadRow, TimerRow]]:
    """Up to MAX_BATCH leads whose latest timer is a pending one of `kind`, with that timer."""
    rows = session.execute(
        select(LeadRow, TimerRow)
        .join(TimerRow, TimerRow.lead_id == LeadRow.id)
        .where(
            TimerRow.kind == kind.value,
            TimerRow.fired_at.is_(None),
            TimerRow.number == LeadRow.timers,
            *where,
        )
        .order_by(*order)
        .limit(MAX_BATCH)
    )
    return [(lead, timer) for lead, timer in rows]
