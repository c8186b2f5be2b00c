"""Leads waiting in pools, read in the pool's order (the same keys as routing/pools.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadroute.domain.pools import PoolOrder
from leadroute.routing.pools import ORDER_KEYS
from leadroute.storage.tables import LeadRow

# The column behind each field of routing.pools.Waiting that ORDER_KEYS names.
_COLUMNS: dict[str, Any] = {
    "entered": LeadRow.pool_entered,
    "score": func.coalesce(LeadRow.score, 0.0),
    "received_at": LeadRow.received_at,
}


@dataclass(frozen=True, kw_only=True, slots=True)
class PoolCounts:
    waiting: int
    oldest: datetime | None
    overdue: int


def waiting_leads(
    session: Session, pool: str, order: PoolOrder, *, limit: int, offset: int = 0
) -> Sequence[LeadRow]:
    """The pool's leads in the order a blind pull takes them."""
    keys = [
        _COLUMNS[name].desc() if descending else _COLUMNS[name].asc()
        for name, descending in ORDER_KEYS[order]
    ]
    query = (
        select(LeadRow)
        .where(LeadRow.pool == pool)
        .order_by(*keys, LeadRow.id)
        .limit(limit)
        .offset(offset)
    )
    return session.scalars(query).all()


def pool_counts(
    session: Session, names: Sequence[str], *, overdue_before: dict[str, datetime]
) -> dict[str, PoolCounts]:
    """Per pool: how many wait, since when the longest has waited, how many are overdue
    (pooled before `overdue_before[pool]`)."""
    rows = session.execute(
        select(LeadRow.pool, func.count(), func.min(LeadRow.pooled_at))
        .where(LeadRow.pool.in_(list(names)))
        .group_by(LeadRow.pool)
    ).all()
    found = {pool: (count, oldest) for pool, count, oldest in rows}
    counts: dict[str, PoolCounts] = {}
    for name in names:
        count, oldest = found.get(name, (0, None))
        overdue = 0
        limit = overdue_before.get(name)
        if limit is not None and count:
            overdue = (
                session.scalar(
                    select(func.count())
                    .select_from(LeadRow)
                    .where(LeadRow.pool == name, LeadRow.pooled_at <= limit)
                )
                or 0
            )
        counts[name] = PoolCounts(waiting=count, oldest=oldest, overdue=overdue)
    return counts
