"""Lead facts for reports (reports/facts.py) read from the database in four queries, whatever
the number of leads: the leads, their first decisions, their missed SLAs, their activity
counts. Plain SQL both SQLite and PostgreSQL run."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, func, select
from sqlalchemy.orm import Session

from leadroute.reports.facts import LeadFact, capped_reps
from leadroute.storage.tables import ActivityRow, DecisionRow, EventRow, LeadRow

SLA_MISSED = "lead.sla_missed"


def lead_facts(
    session: Session,
    *,
    start: datetime | None,
    end: datetime | None,
    experiment: str | None = None,
) -> list[LeadFact]:
    """The leads received at `start` or later and before `end` (None: no bound), only those
    of `experiment` when given, in the order received. `rule`, `routed_to`, `pooled_in` and
    `capped` come from each lead's first decision (the one made at intake)."""
    where: list[ColumnElement[bool]] = []
    if start is not None:
        where.append(LeadRow.received_at >= start)
    if end is not None:
        where.append(LeadRow.received_at < end)
    if experiment is not None:
        where.append(LeadRow.experiment == experiment)
    chosen = select(LeadRow.id).where(*where).scalar_subquery()
    firsts = _first_decisions(session, chosen)
    missed = set(
        session.scalars(
            select(EventRow.lead_id)
            .where(EventRow.type == SLA_MISSED, EventRow.lead_id.in_(chosen))
            .distinct()
        )
    )
    activities: defaultdict[str, dict[str, int]] = defaultdict(dict)
    counted = (
        select(ActivityRow.lead_id, ActivityRow.type, func.count())
        .where(ActivityRow.lead_id.in_(chosen))
        .group_by(ActivityRow.lead_id, ActivityRow.type)
    )
    for lead_id, kind, count in session.execute(counted):
        activities[lead_id][kind] = int(count)
    rows = session.execute(
        select(
            LeadRow.id,
            LeadRow.received_at,
            LeadRow.source,
            LeadRow.fields,
            LeadRow.status,
            LeadRow.owner,
            LeadRow.rule,
            LeadRow.routing_version,
            LeadRow.experiment,
            LeadRow.arm,
            LeadRow.touched_at,
            LeadRow.closed_at,
            LeadRow.amount,
            LeadRow.sla_started_at,
            LeadRow.reassignments,
        )
        .where(*where)
        .order_by(LeadRow.received_at, LeadRow.id)
    )
    return [
        _fact(row._mapping, firsts.get(row.id), row.id in missed, activities.get(row.id, {}))
        for row in rows
    ]


def _first_decisions(session: Session, chosen: Any) -> dict[str, tuple[Any, ...]]:
    """Per lead: the rep, pool, rule and trace of its first decision (the smallest id)."""
    first = (
        select(func.min(DecisionRow.id))
        .where(DecisionRow.lead_id.in_(chosen))
        .group_by(DecisionRow.lead_id)
        .scalar_subquery()
    )
    found = session.execute(
        select(
            DecisionRow.lead_id,
            DecisionRow.rep,
            DecisionRow.pool,
            DecisionRow.rule,
            DecisionRow.trace,
        ).where(DecisionRow.id.in_(first))
    )
    return {lead_id: (rep, pool, rule, trace) for lead_id, rep, pool, rule, trace in found}


def _fact(
    row: RowMapping,
    first: tuple[Any, ...] | None,
    missed: bool,
    activities: Mapping[str, int],
) -> LeadFact:
    rep, pool, rule, trace = first if first is not None else (None, None, row["rule"], [])
    return LeadFact(
        id=row["id"],
        received_at=row["received_at"],
        source=row["source"],
        fields=dict(row["fields"] or {}),
        status=row["status"],
        owner=row["owner"],
        routed_to=rep,
        pooled_in=pool,
        rule=rule,
        routing_version=row["routing_version"],
        experiment=row["experiment"],
        arm=row["arm"],
        touched_at=row["touched_at"],
        closed_at=row["closed_at"],
        amount=row["amount"],
        sla=row["sla_started_at"] is not None,
        sla_missed=missed,
        reassignments=row["reassignments"] or 0,
        capped=capped_reps(trace),
        activities=dict(activities),
    )
