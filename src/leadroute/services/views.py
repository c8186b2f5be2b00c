"""JSON shapes of leads and decisions, shared by the API, the CLI and the dashboard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadroute.domain.decisions import Decision
from leadroute.storage.tables import DecisionRow, EventRow, LeadRow


def decision_view(decision: Decision) -> dict[str, Any]:
    """The decision as the API shows it; `experiment` and `arm` only when it has them."""
    rendered = decision.as_dict()
    view = {"rule": decision.rule, "reason": rendered["reason"], "trace": rendered["trace"]}
    if decision.experiment is not None:
        view |= {"experiment": decision.experiment, "arm": decision.arm}
    return view


_VIEWS = "decision_views"  # session.info: lead id -> the view of its latest decision


def remember_view(session: Session, lead_id: str, view: dict[str, Any]) -> None:
    """Keep the view of the decision just stored for the lead, for the answer to the same
    request: writing the trace's sentences is the dear part of a view."""
    session.info.setdefault(_VIEWS, {})[lead_id] = view


def stored_view(session: Session, lead_id: str, decision: Decision) -> dict[str, Any]:
    """The view `remember_view` kept for the lead in this session, else the decision's."""
    kept = session.info.get(_VIEWS, {}).pop(lead_id, None)
    return dict(kept) if kept is not None else decision_view(decision)


def lead_summary(row: LeadRow) -> dict[str, Any]:
    """A lead as lists show it."""
    return {
        "id": row.id,
        "received_at": row.received_at.isoformat(),
        "status": row.status,
        "owner": row.owner,
        "pool": row.pool,
        "source": row.source,
        "score": row.score,
        "grade": row.grade,
        "rule": row.rule,
        "qualified_by": row.qualified_by,
        "name": row.fields.get("name"),
        "company": row.fields.get("company"),
        "email": row.fields.get("email"),
        "country": row.fields.get("country"),
        "updated_at": row.updated_at.isoformat(),
        "pooled_at": _time(row.pooled_at),
        # Set when the person's data was erased: the row is a tombstone kept for reports.
        "erased_at": _time(row.erased_at),
    }


def lead_detail(session: Session, row: LeadRow) -> dict[str, Any]:
    """Everything about one lead: fields, raw payload, issues, owner, latest decision, timeline."""
    latest = session.scalars(
        select(DecisionRow).where(DecisionRow.lead_id == row.id).order_by(DecisionRow.id.desc())
    ).first()
    events = session.scalars(
        select(EventRow).where(EventRow.lead_id == row.id).order_by(EventRow.id)
    ).all()
    return {
        **lead_summary(row),
        "external_id": row.external_id,
        "fields": row.fields,
        "raw": row.raw,
        "issues": row.issues,
        "custom": row.custom,
        "routing_version": row.routing_version,
        "touched_at": row.touched_at.isoformat() if row.touched_at else None,
        "closed_at": row.closed_at.isoformat() if row.closed_at else None,
        "amount": row.amount,
        "status_reason": row.status_reason,
        "account": row.account_id,
        "duplicate_of": row.duplicate_of,
        "claimed_from": row.claimed_from,
        "offered": list(row.offered or []),
        "qualified_at": _time(row.qualified_at),
        "last_touched_at": _time(row.last_touched_at),
        "experiment": {"name": row.experiment, "arm": row.arm} if row.experiment else None,
        "decision": None
        if latest is None
        else {
            "rule": latest.rule,
            "reason": latest.reason,
            "trace": latest.trace,
            "at": latest.at.isoformat(),
            "routing_version": latest.routing_version,
        },
        "timeline": [event_view(event) for event in events],
    }


def event_view(event: EventRow) -> dict[str, Any]:
    return {
        "type": event.type,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "rep": event.rep_id,
        "reason": event.reason,
        "data": event.data,
    }


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
