"""Firing stored timers: offers that time out, claims left untouched past claim_ttl, leads
waiting in a pool past max_wait, SLA stages (services/sla.py), the end of an optimal rule's
batch window (services/batches.py). Each timer fires once, in its
own transaction under the routing lock; a timer whose lead moved on in the meantime is marked
stale and does nothing (domain/timers.py `still_due`). A timer that fails is logged and tried
again later (1, 2, 4, 8 minutes), so it never holds up the others; after five failures it is
given up and the lead's timeline says so."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from leadroute.domain.decisions import Decision
from leadroute.domain.durations import format_duration
from leadroute.domain.pools import Pool
from leadroute.domain.timers import Timer, TimerKind, still_due
from leadroute.routing.batch_plan import BatchPlan, is_optimal
from leadroute.routing.flows import escalation_flow
from leadroute.routing.ledger import Ledger
from leadroute.routing.pools import (
    expired_reason,
    overdue_reason,
    returned_reason,
    returned_wait_timer,
    wait_timer,
)
from leadroute.routing.qualify import status_in_pool
from leadroute.services.batch_ledger import BatchLedger
from leadroute.services.batches import overdue_in, place_batch, plan_rows
from leadroute.services.offers import withdraw
from leadroute.services.placing import activities_of, decide, keep_score, lead_of, place, seeded
from leadroute.services.runtime import Routing, Runtime
from leadroute.services.sla import fire_sla
from leadroute.storage.owners import back_to_pool, take_back
from leadroute.storage.owners import log as record
from leadroute.storage.tables import LeadRow, TimerRow
from leadroute.storage.timers import due_timers, holding_of, schedule, timer_of

WORKER = "worker"
MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=1)

log = logging.getLogger("leadroute.worker")


def fire_due(runtime: Runtime, *, now: datetime, limit: int = 100) -> int:
    """Fire up to `limit` timers due at `now`; return how many were taken (stale and failed
    ones too)."""
    taken = 0
    while taken < limit:
        taken_id: int | None = None
        try:
            with runtime.database.writing() as session:
                rows = due_timers(session, now=now, limit=1)
                if not rows:
                    break
                row = rows[0]
                taken_id = row.id
                lead = session.get(LeadRow, row.lead_id)
                timer = timer_of(row)
                outcome = "stale"
                if lead is not None and still_due(timer, holding_of(lead)):
                    outcome = _fire(session, runtime.routing(session), lead, timer, now=now)
                row.fired_at, row.outcome = now, outcome
        except Exception:
            if taken_id is None:
                raise  # the database itself failed: the worker loop retries the pass
            log.exception("timer %s failed; it is tried again later", taken_id)
            _postpone(runtime, taken_id, now=now)
        taken += 1
    return taken


def _postpone(runtime: Runtime, timer_id: int, *, now: datetime) -> None:
    with runtime.database.writing() as session:
        row = session.get(TimerRow, timer_id)
        if row is None or row.fired_at is not None:
            return
        row.attempts = (row.attempts or 0) + 1
        if row.attempts < MAX_ATTEMPTS:
            row.due_at = now + RETRY_AFTER * 2 ** (row.attempts - 1)
            return
        row.fired_at, row.outcome = now, "failed"
        record(
            session,
            "timer.failed",
            at=now,
            actor=WORKER,
            lead_id=row.lead_id,
            reason=f"the {row.kind} timer failed {row.attempts} times and was given up; "
            "see the worker's log",
            data={"timer": row.id, "kind": row.kind},
        )


def _fire(session: Session, routing: Routing, lead: LeadRow, timer: Timer, *, now: datetime) -> str:
    if timer.kind is TimerKind.OFFER:
        rule = routing.router.rule_named(lead.rule or "")
        offer = rule.assign.offer if rule and rule.assign else None
        why = expired_reason(offer) if offer else "not accepted in time"
        withdraw(session, routing, lead, now=now, actor=WORKER, kind="lead.expired", why=why)
        return "expired"
    if timer.kind is TimerKind.CLAIM:
        return _return_to_pool(session, routing, lead, now=now)
    if timer.kind is TimerKind.WAIT:
        return _overdue(session, routing, lead, timer, now=now)
    if timer.kind is TimerKind.BATCH:
        return f"placed {place_batch(session, routing, now=now, actor=WORKER)}"
    return fire_sla(session, routing, lead, timer, now=now)


def _return_to_pool(session: Session, routing: Routing, lead: LeadRow, *, now: datetime) -> str:
    pool = routing.router.config.pool(lead.claimed_from or "")
    why = returned_reason(pool)
    rep = take_back(session, lead, now=now, reason=f"returned: {why}")
    back_to_pool(lead, now=now)
    lead.status = status_in_pool(routing.router.config.qualify, pool.name)
    assert lead.pooled_at is not None, "a claimed lead keeps its waiting time"
    schedule(session, lead, returned_wait_timer(lead.id, pool, lead.pooled_at, now), now=now)
    record(
        session,
        "lead.returned",
        at=now,
        actor=WORKER,
        lead_id=lead.id,
        rep_id=rep,
        reason=why,
        data={"pool": pool.name},
    )
    return "returned"


def _overdue(
    session: Session, routing: Routing, lead: LeadRow, timer: Timer, *, now: datetime
) -> str:
    """Push an overdue lead with the pool's escalation rule, or report it to managers. With a
    `select: optimal` escalation rule, every lead of the pool overdue by now goes with it, as
    one batch (routing/batch_plan.py); their timers are marked fired with what became of each."""
    pool = routing.router.config.pool(timer.pool or "")
    flow = escalation_flow(pool.name)
    if not routing.router.has_flow(flow):
        why = overdue_reason(pool, lead.pooled_at or now, now)
        _report(session, lead, pool.name, f"{why}: reported to managers", now=now)
        return "reported"
    if not is_optimal(routing.router.config.escalations.get(pool.name)):
        return _escalate(session, routing, lead, pool, now=now)[0]
    others = [
        (row, pending)
        for row, pending in overdue_in(session, pool.name, now=now)
        if row is not lead
    ]
    rows = [lead, *(row for row, _ in others)]
    state = BatchLedger(session, routing.router.config.reps)
    plan = plan_rows(session, routing, rows, now=now, ledger=state.at(now), flow=flow)
    outcome, decision = _escalate(
        session, routing, lead, pool, now=now, ledger=state.at(now), batch=plan
    )
    state.after(decision)
    for row, pending in others:
        pending.outcome, decision = _escalate(
            session, routing, row, pool, now=now, ledger=state.at(now), batch=plan
        )
        pending.fired_at = now
        state.after(decision)
    return outcome


def _escalate(
    session: Session,
    routing: Routing,
    lead: LeadRow,
    pool: Pool,
    *,
    now: datetime,
    ledger: Ledger | None = None,
    batch: BatchPlan | None = None,
) -> tuple[str, Decision]:
    """Escalate one overdue lead: what became of it (kept or escalated), and the decision."""
    why = overdue_reason(pool, lead.pooled_at or now, now)
    scored, decision = decide(
        session,
        routing.router,
        lead_of(lead),
        now=now,
        rng=seeded(lead, now),
        flow=escalation_flow(pool.name),
        activities=activities_of(session, routing.router, lead.id),
        ledger=ledger,
        batch=batch,
    )
    keep_score(lead, scored)
    if decision.pool == pool.name:
        again = f"{why}: {decision.reason}; tried again in {_again(pool.max_wait)}"
        _report(session, lead, pool.name, again, now=now)
        schedule(session, lead, wait_timer(lead.id, pool, now), now=now)
        return "kept", decision
    record(
        session,
        "lead.escalated",
        at=now,
        actor=WORKER,
        lead_id=lead.id,
        reason=why,
        data={"pool": pool.name},
    )
    place(
        session, routing, lead, decision, now=now, actor=WORKER, data={"escalated_from": pool.name}
    )
    return "escalated", decision


def _report(session: Session, lead: LeadRow, pool: str, reason: str, *, now: datetime) -> None:
    """An overdue lead stays where it is; the event log (and so managers) hear of it."""
    record(
        session,
        "lead.overdue",
        at=now,
        actor=WORKER,
        lead_id=lead.id,
        reason=reason,
        data={"pool": pool},
    )


def _again(max_wait: timedelta | None) -> str:
    return format_duration(max_wait) if max_wait else "a while"
