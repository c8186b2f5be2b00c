"""Pull: reps claim pooled leads (cherry-pick by id, or the next in the pool's order), and
everyone who may read sees the pools with their queues.

A claim is one transaction under the routing lock: the first of two reps claiming the same lead
gets it, the second is told who has it. Membership, the pool's WIP limit and the rep's caps
are checked by the engine's pool rules (routing/pools.py), the same ones replay uses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from leadroute.domain.durations import format_duration
from leadroute.domain.pools import Pool, Visibility
from leadroute.routing.pools import claim_refusal, claim_timer, is_member
from leadroute.services.errors import Conflict, Forbidden, NotFound
from leadroute.services.leads import visible_lead
from leadroute.services.principals import Principal, Role
from leadroute.services.runtime import Routing, Runtime
from leadroute.services.sla_clock import start_sla
from leadroute.services.views import lead_detail, lead_summary
from leadroute.storage.ledger import SqlLedger
from leadroute.storage.owners import give, log
from leadroute.storage.pools import pool_counts, waiting_leads
from leadroute.storage.tables import LeadRow
from leadroute.storage.timers import schedule

MAX_LISTED = 500


def claim_lead(
    *, runtime: Runtime, lead_id: str, caller: Principal, now: datetime, rep_id: str | None = None
) -> dict[str, Any]:
    """The rep claims this pooled lead (cherry-picking). Conflict when it is not waiting in a
    pool any more (naming who has it) or the rep may not claim it now (saying why)."""
    with runtime.database.writing() as session:
        routing = runtime.routing(session)
        claimer = _claimer(routing, caller, rep_id)
        row = _claimable(session, runtime, routing, lead_id, caller)
        if row.pool is None:
            holder = f"claimed by {row.owner}" if row.owner else f"{row.status}"
            raise Conflict(
                f"lead {row.id} is not waiting in a pool: {holder}",
                lead=row.id,
                owner=row.owner,
                status=row.status,
            )
        pool = routing.router.config.pool(row.pool)
        _check(session, routing, claimer, pool, now, cherry_pick=True)
        _claim(session, routing, row, claimer, pool, now=now, actor=caller.actor)
        return lead_detail(session, row)


def claim_next(
    *, runtime: Runtime, pool_name: str, caller: Principal, now: datetime, rep_id: str | None = None
) -> dict[str, Any] | None:
    """The rep takes the next lead in the pool's order (blind pull); None when it is empty."""
    with runtime.database.writing() as session:
        routing = runtime.routing(session)
        claimer = _claimer(routing, caller, rep_id)
        pool = _pool(routing, pool_name, caller)
        _check(session, routing, claimer, pool, now, cherry_pick=False)
        rows = waiting_leads(session, pool.name, pool.order, limit=1)
        if not rows:
            return None
        row = rows[0]
        _claim(session, routing, row, claimer, pool, now=now, actor=caller.actor)
        return lead_detail(session, row)


def list_pools(*, runtime: Runtime, caller: Principal, now: datetime) -> dict[str, Any]:
    """The pools the caller may see, each with its settings and queue: how many wait, the
    longest wait, how many waited past max_wait; for a rep, whether they may claim now."""
    with runtime.database.reading() as session:
        routing = runtime.routing(session)
        pools = _visible_pools(routing, caller)
        counts = pool_counts(
            session,
            [pool.name for pool in pools],
            overdue_before={p.name: now - p.max_wait for p in pools if p.max_wait is not None},
        )
        ledger = _ledger_for(session, routing, caller, now)
        return {
            "pools": [
                _pool_view(routing, pool, counts[pool.name], caller, ledger, now) for pool in pools
            ]
        }


def get_pool(
    *, runtime: Runtime, pool_name: str, caller: Principal, now: datetime, limit: int = 50
) -> dict[str, Any]:
    """One pool and, unless it is blind to the caller, its waiting leads in claim order."""
    with runtime.database.reading() as session:
        routing = runtime.routing(session)
        pool = _pool(routing, pool_name, caller)
        overdue = {pool.name: now - pool.max_wait} if pool.max_wait else {}
        counts = pool_counts(session, [pool.name], overdue_before=overdue)[pool.name]
        view = _pool_view(
            routing, pool, counts, caller, _ledger_for(session, routing, caller, now), now
        )
        if caller.role is Role.REP and pool.visibility is Visibility.BLIND:
            view["leads"] = None
        else:
            rows = waiting_leads(session, pool.name, pool.order, limit=min(limit, MAX_LISTED))
            view["leads"] = [lead_summary(row) for row in rows]
        return view


def _claim(
    session: Session,
    routing: Routing,
    row: LeadRow,
    rep_id: str,
    pool: Pool,
    *,
    now: datetime,
    actor: str,
) -> None:
    rep = routing.router.reps[rep_id]
    give(session, row, rep_id=rep_id, rule=f"pool:{pool.name}", now=now, timezone=rep.timezone)
    row.claimed_from, row.status, row.offered = pool.name, "routed", []
    claim = claim_timer(row.id, rep_id, pool, now)
    if claim is not None:
        schedule(session, row, claim, now=now)
    else:
        start_sla(session, routing, row, rule=f"pool:{pool.name}", now=now)
    log(
        session,
        "lead.claimed",
        at=now,
        actor=actor,
        lead_id=row.id,
        rep_id=rep_id,
        reason=f"claimed from pool {pool.name}",
        data={"pool": pool.name},
    )


def _claimable(
    session: Session, runtime: Runtime, routing: Routing, lead_id: str, caller: Principal
) -> LeadRow:
    """The lead, if the caller may see it, or if it was claimed from a pool they may see (so
    the second of two reps racing for it learns who won rather than that it does not exist)."""
    row = session.get(LeadRow, lead_id)
    if row is not None and caller.role is Role.REP and row.claimed_from is not None:
        pool = routing.router.config.pools.get(row.claimed_from)
        rep = routing.router.reps.get(caller.rep_id or "")
        if pool and rep and is_member(rep, pool) and pool.visibility is Visibility.FULL:
            return row
    return visible_lead(session, runtime, lead_id, caller)


def _check(
    session: Session, routing: Routing, rep_id: str, pool: Pool, now: datetime, *, cherry_pick: bool
) -> None:
    rep = routing.router.reps[rep_id]
    ledger = SqlLedger.load(session, routing.router.config.reps, now)
    refusal = claim_refusal(rep, pool, now=now, ledger=ledger, cherry_pick=cherry_pick)
    if refusal is not None:
        raise Conflict(f"{rep_id} may not claim from pool {pool.name}: {refusal}", rep=rep_id)


def _claimer(routing: Routing, caller: Principal, rep_id: str | None) -> str:
    """A rep key claims for its rep; a manager or admin names the rep it claims for."""
    if caller.role is Role.REP:
        if rep_id is not None and rep_id != caller.rep_id:
            raise Forbidden("a rep key claims only for its own rep")
        rep_id = caller.rep_id
    elif caller.role not in (Role.ADMIN, Role.MANAGER):
        raise Forbidden(f"the {caller.role.value} role may not claim leads")
    if rep_id is None:
        raise Conflict('say which rep claims: {"rep": "<rep id>"}')
    if rep_id not in routing.router.reps:
        raise NotFound(f"no rep {rep_id} in the routing in force")
    return rep_id


def _pool(routing: Routing, name: str, caller: Principal) -> Pool:
    """The pool, if the caller may see it; NotFound naming only the pools they may see."""
    visible = {pool.name: pool for pool in _visible_pools(routing, caller)}
    if name not in visible:
        raise NotFound(f"no pool {name} (pools: {', '.join(sorted(visible)) or 'none'})")
    return visible[name]


def _visible_pools(routing: Routing, caller: Principal) -> list[Pool]:
    pools = list(routing.router.config.pools.values())
    if caller.role is Role.REP:
        rep = routing.router.reps.get(caller.rep_id or "")
        return [p for p in pools if rep is not None and is_member(rep, p)]
    if caller.role is Role.INTAKE:
        return []
    return pools


def _ledger_for(
    session: Session, routing: Routing, caller: Principal, now: datetime
) -> SqlLedger | None:
    if caller.role is not Role.REP:
        return None
    return SqlLedger.load(session, routing.router.config.reps, now)


def _pool_view(
    routing: Routing,
    pool: Pool,
    counts: Any,
    caller: Principal,
    ledger: SqlLedger | None,
    now: datetime,
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "name": pool.name,
        "members": list(pool.members),
        "order": pool.order.value,
        "visibility": pool.visibility.value,
        "wip_limit": pool.wip_limit,
        "claim_ttl": format_duration(pool.claim_ttl) if pool.claim_ttl else None,
        "max_wait": format_duration(pool.max_wait) if pool.max_wait else None,
        "escalate": "assign" if pool.name in routing.router.config.escalations else "report",
        "managers_only": pool.managers_only,
        "waiting": counts.waiting,
        "oldest_pooled_at": counts.oldest.isoformat() if counts.oldest else None,
        "overdue": counts.overdue,
    }
    if ledger is not None and caller.rep_id is not None:
        rep = routing.router.reps[caller.rep_id]
        refusal = claim_refusal(rep, pool, now=now, ledger=ledger)
        view["can_claim"] = refusal is None
        view["refusal"] = refusal
    return view
