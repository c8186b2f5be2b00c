"""Reading leads: one lead with its trace and timeline, or a searched, filtered, sorted and
paginated list.

A rep key sees its own leads (offered ones included) and the leads waiting in the pools it is
a member of, unless the pool is blind (then only how many wait: services/pools.py); everyone
else who may read sees every lead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnExpressionArgument, Select, SQLColumnExpression, func, or_, select
from sqlalchemy.orm import Session

from leadroute.domain.errors import InvalidInput, Problem
from leadroute.domain.pools import Visibility
from leadroute.domain.timers import TimerKind
from leadroute.routing.pools import is_member
from leadroute.services.errors import NotFound
from leadroute.services.principals import Principal, Role
from leadroute.services.runtime import Runtime
from leadroute.services.views import lead_detail, lead_summary
from leadroute.storage.tables import LeadRow
from leadroute.storage.timers import latest_pending

MAX_PAGE = 500
MAX_QUERY = 200

STATUSES = (
    "new",
    "routed",
    "offered",
    "nurture",
    "touched",
    "qualified",
    "won",
    "lost",
    "disqualified",
)
"""The statuses a lead is found in, in the order a lead usually goes through them."""


def _name() -> SQLColumnExpression[Any]:
    return func.lower(LeadRow.fields["name"].as_string())


SORTS: dict[str, Callable[[], SQLColumnExpression[Any]]] = {
    "received": lambda: LeadRow.received_at,
    "score": lambda: LeadRow.score,
    "status": lambda: LeadRow.status,
    "owner": lambda: LeadRow.owner,
    "name": _name,
}
"""What a list of leads may be sorted by: the column (or expression) of each sort key."""

_NEWEST_FIRST = frozenset({"received", "score"})


def default_descending(sort: str) -> bool:
    """The direction a sort starts in: newest and highest scores first, names A to Z."""
    return sort in _NEWEST_FIRST


@dataclass(frozen=True, kw_only=True, slots=True)
class LeadFilter:
    """Which leads to list and in what order. `q` is a case-insensitive substring of the
    name, email, company or id; the score bounds and `received_from` are inclusive,
    `received_to` exclusive (times without an offset are UTC). The default is the newest
    first."""

    q: str | None = None
    status: str | None = None
    owner: str | None = None
    pool: str | None = None
    source: str | None = None
    score_min: float | None = None
    score_max: float | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    sort: str = "received"
    descending: bool = True
    limit: int = 50
    offset: int = 0


def get_lead(*, runtime: Runtime, lead_id: str, caller: Principal) -> dict[str, Any]:
    with runtime.database.reading() as session:
        row = visible_lead(session, runtime, lead_id, caller)
        return lead_detail(session, row)


def list_leads(*, runtime: Runtime, caller: Principal, where: LeadFilter) -> dict[str, Any]:
    """One page of the leads the caller may see that match `where`, with the total count.
    InvalidInput names an unknown sort key or score bounds the wrong way round."""
    order = _order(where)
    with runtime.database.reading() as session:
        query = _filtered(_scoped(select(LeadRow), session, runtime, caller), where)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        limit = max(1, min(where.limit, MAX_PAGE))
        rows = session.scalars(
            query.order_by(*order).limit(limit).offset(max(0, where.offset))
        ).all()
        return {
            "total": total,
            "limit": limit,
            "offset": max(0, where.offset),
            "leads": [lead_summary(row) for row in rows],
        }


def lead_choices(*, runtime: Runtime) -> dict[str, Any]:
    """What a lead list can be filtered by and a lead assigned to: the reps of the routing in
    force (id and name) and the owners found on leads, the pools of the routing in force and
    those leads wait in, the sources seen, the statuses, and the routing file's time zone."""
    with runtime.database.reading() as session:
        config = runtime.routing(session).router.config
        reps = [{"id": rep.id, "name": rep.name or rep.id} for rep in config.reps]
        owners = _distinct(session, LeadRow.owner)
        known = {rep["id"] for rep in reps}
        pools = sorted(set(config.pools) | set(_distinct(session, LeadRow.pool)))
        return {
            "reps": reps,
            "owners": [*(rep["id"] for rep in reps), *(o for o in owners if o not in known)],
            "pools": pools,
            "sources": _distinct(session, LeadRow.source),
            "statuses": list(STATUSES),
            "timezone": config.timezone,
        }


def lead_clock(*, runtime: Runtime, lead_id: str, caller: Principal) -> dict[str, Any]:
    """The lead's clocks: when its SLA started, how often it was re-assigned, who owned it,
    and the next timer that will act on it (an SLA stage, an offer or claim expiring, a pool
    wait running out), if any."""
    with runtime.database.reading() as session:
        row = visible_lead(session, runtime, lead_id, caller)
        pending = latest_pending(session, row)
        following = None
        if pending is not None:
            following = {
                "kind": pending.kind,
                "label": TIMER_LABELS.get(pending.kind, pending.kind.replace("_", " ")),
                "due_at": pending.due_at.isoformat(),
                "rep": pending.rep_id,
                "pool": pending.pool,
            }
        return {
            "sla_started_at": row.sla_started_at.isoformat() if row.sla_started_at else None,
            "reassignments": row.reassignments or 0,
            "past_owners": list(row.past_owners or []),
            "next": following,
        }


TIMER_LABELS = {
    TimerKind.OFFER.value: "offer expires",
    TimerKind.CLAIM.value: "claim expires unless touched",
    TimerKind.WAIT.value: "pool wait runs out",
    TimerKind.REMIND.value: "SLA reminder",
    TimerKind.MISSED.value: "first-touch SLA due",
    TimerKind.ESCALATE.value: "SLA escalation to managers",
    TimerKind.REASSIGN.value: "SLA re-assignment",
    TimerKind.QUIET.value: "reminder if left quiet",
    TimerKind.BATCH.value: "placed with its optimal batch",
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


def _filtered(query: Select[LeadRow], where: LeadFilter) -> Select[LeadRow]:
    for column, value in (
        (LeadRow.status, where.status),
        (LeadRow.owner, where.owner),
        (LeadRow.pool, where.pool),
        (LeadRow.source, where.source),
    ):
        if value is not None:
            query = query.where(column == value)
    if where.q is not None and where.q.strip():
        needle = where.q.strip().lower()[:MAX_QUERY]
        query = query.where(
            or_(
                *(
                    func.lower(text).contains(needle, autoescape=True)
                    for text in (
                        LeadRow.fields["name"].as_string(),
                        LeadRow.fields["email"].as_string(),
                        LeadRow.fields["company"].as_string(),
                        LeadRow.id,
                    )
                )
            )
        )
    if where.score_min is not None:
        query = query.where(LeadRow.score >= where.score_min)
    if where.score_max is not None:
        query = query.where(LeadRow.score <= where.score_max)
    if where.received_from is not None:
        query = query.where(LeadRow.received_at >= _aware(where.received_from))
    if where.received_to is not None:
        query = query.where(LeadRow.received_at < _aware(where.received_to))
    return query


def _aware(moment: datetime) -> datetime:
    """A time without an offset (`from=2026-03-01`) is taken as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _order(where: LeadFilter) -> list[ColumnExpressionArgument[Any]]:
    """The sort key (missing values last, either way), then newest first so that pages of
    equal keys stay in a stable order."""
    problems = []
    if where.sort not in SORTS:
        known = ", ".join(SORTS)
        problems.append(Problem(path="sort", message=f"unknown sort {where.sort!r} ({known})"))
    if (
        where.score_min is not None
        and where.score_max is not None
        and where.score_min > where.score_max
    ):
        problems.append(Problem(path="score_min", message="is above score_max"))
    if problems:
        raise InvalidInput(problems)
    key = SORTS[where.sort]()
    ties: list[ColumnExpressionArgument[Any]] = [LeadRow.received_at.desc(), LeadRow.id.desc()]
    if where.sort == "received":
        ties = [LeadRow.id.desc() if where.descending else LeadRow.id.asc()]
    return [key.is_(None), key.desc() if where.descending else key.asc(), *ties]


def _distinct(session: Session, column: Any) -> list[str]:
    found = session.scalars(select(column).where(column.is_not(None)).distinct()).all()
    return sorted(str(value) for value in found)


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
