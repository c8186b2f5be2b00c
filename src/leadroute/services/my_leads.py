"""A rep's desk: the leads they hold open, each with the time something is due on it, soonest
first; and since when the leads of a pool have waited (what the rep may pull next).

What is due depends on where the lead stands: an offer must be answered before its timer; a
claimed lead with a `claim_ttl` must be touched before it goes back to its pool; an untouched
lead watched by an SLA must get its first touch by `first_touch` after its owner got it (else by
the SLA's next stage); a touched lead whose SLA has `untouched_after` must be touched again
before the quiet reminder. The owner's start is read from their latest SLA timer, so a lead
keeps its due time after the reminder and missed-target stages fired.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from leadroute.domain.reps import Rep
from leadroute.domain.timers import SLA_STAGES, TimerKind
from leadroute.routing.engine import Router
from leadroute.routing.sla import deadline, sla_for
from leadroute.services.runtime import Runtime
from leadroute.storage.tables import AssignmentRow, LeadRow, TimerRow

OPEN = ("offered", "routed", "touched", "qualified")
MAX_LEADS = 500
_SLA_KINDS = tuple(kind.value for kind in SLA_STAGES)


@dataclass(frozen=True, kw_only=True, slots=True)
class Due:
    at: datetime
    what: str  # "first touch", "next touch", "answer the offer", ...


@dataclass(frozen=True, kw_only=True, slots=True)
class DeskLead:
    """One open lead of the rep, as their start page lists it."""

    id: str
    name: str | None
    company: str | None
    email: str | None
    country: str | None
    source: str | None
    score: float | None
    grade: str | None
    status: str
    received_at: datetime
    claimed_from: str | None
    due_at: datetime | None
    due_for: str | None
    overdue: bool

    @property
    def offered(self) -> bool:
        return self.status == "offered"


def open_leads(*, runtime: Runtime, rep_id: str, now: datetime) -> list[DeskLead]:
    """The rep's open leads (offered ones included), soonest due first; leads with nothing
    due come last, latest received first. `overdue`: due before `now`. At most MAX_LEADS."""
    with runtime.database.reading() as session:
        router = runtime.routing(session).router
        rows = session.scalars(
            select(LeadRow)
            .where(LeadRow.owner == rep_id, LeadRow.status.in_(OPEN))
            .order_by(LeadRow.received_at.desc(), LeadRow.id)
            .limit(MAX_LEADS)
        ).all()
        ids = [row.id for row in rows]
        pending = _pending_timers(session, ids)
        starts = _owner_starts(session, ids, rep_id)
        rules = _owner_rules(session, ids)
        rep = router.reps.get(rep_id)
        leads = [
            _desk_lead(
                row,
                _due(row, pending.get(row.id), starts.get(row.id), rules.get(row.id), router, rep),
                now,
            )
            for row in rows
        ]
    undated = [lead for lead in leads if lead.due_at is None]
    dated = sorted((lead for lead in leads if lead.due_at is not None), key=_due_key)
    return dated + undated


def _due(
    row: LeadRow,
    timer: TimerRow | None,
    owner_since: datetime | None,
    rule: str | None,
    router: Router,
    rep: Rep | None,
) -> Due | None:
    mine = timer if timer is not None and timer.rep_id == row.owner else None
    kind = mine.kind if mine is not None else None
    if row.status == "offered":
        return (
            Due(at=mine.due_at, what="answer the offer")
            if mine and kind == TimerKind.OFFER.value
            else None
        )
    if mine is not None and kind == TimerKind.CLAIM.value:
        return Due(at=mine.due_at, what=f"touch it or it goes back to pool {mine.pool}")
    sla = sla_for(router, rule, rep)
    if sla is None:
        return None
    if row.status == "routed":
        if sla.first_touch is not None and owner_since is not None:
            at = deadline(owner_since, sla.first_touch, rep, sla.business_hours)
            return Due(at=at, what="first touch")
        if mine is not None and kind in _SLA_KINDS:
            return Due(at=mine.due_at, what="first touch")
        return None
    if mine is not None and kind == TimerKind.QUIET.value:
        return Due(at=mine.due_at, what="next touch")
    return None


def _pending_timers(session: Session, ids: Sequence[str]) -> dict[str, TimerRow]:
    """Each lead's latest timer (the only one that may act), when it has not fired yet."""
    if not ids:
        return {}
    rows = session.scalars(
        select(TimerRow)
        .join(LeadRow, and_(LeadRow.id == TimerRow.lead_id, LeadRow.timers == TimerRow.number))
        .where(TimerRow.lead_id.in_(list(ids)), TimerRow.fired_at.is_(None))
    ).all()
    return {row.lead_id: row for row in rows}


def _owner_starts(session: Session, ids: Sequence[str], rep_id: str) -> dict[str, datetime]:
    """When the rep became the owner, as their latest SLA timer of each lead says."""
    if not ids:
        return {}
    rows = session.execute(
        select(TimerRow.lead_id, TimerRow.since)
        .where(
            TimerRow.lead_id.in_(list(ids)),
            TimerRow.rep_id == rep_id,
            TimerRow.kind.in_(_SLA_KINDS),
        )
        .order_by(TimerRow.id)
    ).all()
    return {lead_id: since for lead_id, since in rows if since is not None}


def _owner_rules(session: Session, ids: Sequence[str]) -> dict[str, str]:
    """The rule each lead's current owner got it by (services/sla_clock.py `owner_rule`)."""
    if not ids:
        return {}
    rows = session.execute(
        select(AssignmentRow.lead_id, AssignmentRow.rule).where(
            AssignmentRow.lead_id.in_(list(ids)), AssignmentRow.ended_at.is_(None)
        )
    ).all()
    return {str(lead_id): str(rule) for lead_id, rule in rows}


def _desk_lead(row: LeadRow, due: Due | None, now: datetime) -> DeskLead:
    fields = row.fields or {}
    return DeskLead(
        id=row.id,
        name=_text(fields.get("name")),
        company=_text(fields.get("company")),
        email=_text(fields.get("email")),
        country=_text(fields.get("country")),
        source=row.source,
        score=row.score,
        grade=row.grade,
        status=row.status,
        received_at=row.received_at,
        claimed_from=row.claimed_from,
        due_at=due.at if due else None,
        due_for=due.what if due else None,
        overdue=due is not None and due.at < now,
    )


def _due_key(lead: DeskLead) -> tuple[datetime, datetime, str]:
    assert lead.due_at is not None
    return (lead.due_at, lead.received_at, lead.id)


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)
