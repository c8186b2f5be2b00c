"""Reading leads: one lead with its trace and timeline, or a filtered, paginated list.

A rep key sees its own leads (offered ones included) and the leads waiting in the pools it is
a member of, unless the pool is blind (then only how many wait: services/pools.py); everyone
else who may read sees every lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from leadroute.domain.pools import Visibility
from leadroute.routing.pools import is_member
from leadroute.services.errors import NotFound
from leadroute.services.principals import Principal, Role
from leadroute.services.runtime import Runtime
from leadroute.services.views import lead_detail, lead_summary
from leadroute.storage.tables import LeadRow

MAX_PAGE = 500


@dataclass(frozen=True, kw_only=True, slots=True)
class LeadFilter:
    status: str | None = None
    owner: str | None = None
    pool: str | None = None
    source: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    limit: int = 50
    offset: int = 0


def get_lead(*, runtime: Runtime, lead_id: str, caller: Principal) -> dict[str, Any]:
    with runtime.database.reading() as session:
        row = visible_lead(session, runtime, lead_id, caller)
        return lead_detail(session, row)


def list_leads(*, runtime: Runtime, caller: Principal, where: LeadFilter) -> dict[str, Any]:
    with runtime.database.reading() as session:
        query = _scoped(select(LeadRow), session, runtime, caller)
        for column, value in (
            (LeadRow.status, where.status),
            (LeadRow.owner, where.owner),
            (LeadRow.pool, where.pool),
            (LeadRow.source, where.source),
        ):
            if value is not None:
                query = query.where(column == value)
        if where.received_from is not None:
            query = query.where(LeadRow.received_at >= where.received_from)
        if where.received_to is not None:
            query = query.where(LeadRow.received_at < where.received_to)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        limit = max(1, min(where.limit, MAX_PAGE))
        rows = session.scalars(
            query.order_by(LeadRow.received_at.desc(), LeadRow.id.desc())
            .limit(limit)
            .offset(max(0, where.offset))
        ).all()
        return {
            "total": total,
            "limit": limit,
            "offset": max(0, where.offset),
            "leads": [lead_summary(row) for row in rows],
        }


def visible_lead(session: Session, runtime: Runtime, lead_id: str, caller: Principal) -> LeadRow:
    """The lead, if the caller may see it; NotFound otherwise (a rep is not told it exists)."""
    row = session.get(LeadRow, lead_id)
    if row is None or not _may_see(session, runtime, caller, row):
        raise NotFound(f"no lead {lead_id}")
    return row


def rep_pools(session: Session, runtime: Runtime, rep_id: str) -> list[str]:
    """The pools whose waiting leads a rep may see: member of, and not blind."""
    config = runtime.routing(session).router.config
    rep = next((r for r in config.reps if r.id == rep_id), None)
    if rep is None:
        return []
    return [
        name
        for name, pool in config.pools.items()
        if is_member(rep, pool) and pool.visibility is Visibility.FULL
    ]


def _may_see(session: Session, runtime: Runtime, caller: Principal, row: LeadRow) -> bool:
    if caller.role is not Role.REP:
        return caller.role is not Role.INTAKE
    if row.owner == caller.rep_id:
        return True
    return row.pool is not None and row.pool in rep_pools(session, runtime, caller.rep_id or "")


def _scoped(
    query: Select[LeadRow], session: Session, runtime: Runtime, caller: Principal
) -> Select[LeadRow]:
    if caller.role is not Role.REP:
        return query
    pools = rep_pools(session, runtime, caller.rep_id or "")
    return query.where(or_(LeadRow.owner == caller.rep_id, LeadRow.pool.in_(pools)))
