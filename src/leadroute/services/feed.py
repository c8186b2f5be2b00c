"""The live feed: the newest leads with where the latest decision sent each and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select

from leadroute.services.runtime import Runtime
from leadroute.services.views import lead_summary
from leadroute.storage.tables import DecisionRow, LeadRow


def latest_leads(*, runtime: Runtime, limit: int = 30) -> list[dict[str, Any]]:
    """Newest first: each lead's summary with `reason`, the latest decision's explanation."""
    with runtime.database.reading() as session:
        rows = session.scalars(
            select(LeadRow).order_by(LeadRow.received_at.desc(), LeadRow.id.desc()).limit(limit)
        ).all()
        ids = [row.id for row in rows]
        newest = (
            select(DecisionRow.lead_id, func.max(DecisionRow.id).label("id"))
            .where(DecisionRow.lead_id.in_(ids))
            .group_by(DecisionRow.lead_id)
            .subquery()
        )
        found = session.execute(
            select(DecisionRow.lead_id, DecisionRow.reason).join(
                newest, DecisionRow.id == newest.c.id
            )
        )
        reasons: dict[str, str] = dict(found.all())
        return [{**lead_summary(row), "reason": reasons.get(row.id)} for row in rows]


def counts_since(*, runtime: Runtime, since: datetime) -> dict[str, int]:
    """Leads that arrived since a time: all, held by a rep, waiting in a pool, won."""
    with runtime.database.reading() as session:
        arrived = select(LeadRow).where(LeadRow.received_at >= since).subquery()
        row = session.execute(
            select(
                func.count(),
                func.count(arrived.c.owner),
                func.sum(
                    case((arrived.c.pool.is_not(None) & arrived.c.owner.is_(None), 1), else_=0)
                ),
                func.sum(case((arrived.c.status == "won", 1), else_=0)),
            ).select_from(arrived)
        ).one()
    everything, held, pooled, won = row
    return {"all": everything, "held": held, "pooled": pooled or 0, "won": won or 0}
