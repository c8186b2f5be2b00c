"""Personal data (docs/PRIVACY.md): export everything held about the person of a lead, erase
it (a tombstone stays for reports), and erase it on its own after a retention period.

The person of a lead, with `scope=person` (the default): the lead, the leads that share its
normalised email or phone key, and the leads linked to any of these as duplicates (either way),
followed until nothing new is found. The company key is not followed: colleagues share a
company, not a person. `scope=lead` is the one lead (two people who share a phone line).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from leadroute.services.erasure import KEPT_FIELDS, erase_lead
from leadroute.services.errors import Conflict, NotFound
from leadroute.services.principals import Principal
from leadroute.services.runtime import Runtime
from leadroute.services.views import event_view
from leadroute.storage.outbox_tables import DeliveryRow
from leadroute.storage.owners import CLOSED
from leadroute.storage.tables import (
    AccountKey,
    ActivityRow,
    AssignmentRow,
    DecisionRow,
    EventRow,
    IdempotencyRow,
    LeadRow,
)

log = logging.getLogger("leadroute.privacy")

MAX_PERSON_LEADS = 1000
"""More leads than this sharing keys is a shared inbox or switchboard, not a person."""
RETENTION_ACTOR = "retention"
DEFAULT_LIFETIME_FIELD = "lifetime_value"


class Scope(StrEnum):
    PERSON = "person"
    LEAD = "lead"


@dataclass(frozen=True, kw_only=True, slots=True)
class Purge:
    """What a retention purge found (leads past the cut-off, not yet erased) and erased."""

    cutoff: datetime
    found: int
    erased: int
    failed: tuple[str, ...] = ()


def export_person(
    *, runtime: Runtime, lead_id: str, now: datetime, scope: Scope = Scope.PERSON
) -> dict[str, Any]:
    """Everything held about the person of the lead (NotFound when there is no such lead)."""
    with runtime.database.reading() as session:
        rows = person_of(session, lead_id, scope)
        return {
            "exported_at": now.isoformat(),
            "lead": lead_id,
            "scope": scope.value,
            "found_by": _FOUND_BY[scope],
            "leads": [_lead_record(session, row) for row in rows],
        }


def erase_person(
    *,
    runtime: Runtime,
    lead_id: str,
    caller: Principal,
    now: datetime,
    scope: Scope = Scope.PERSON,
) -> dict[str, Any]:
    """Erase the personal data of the person of the lead (NotFound when there is no such
    lead). Leads erased before are left as they are, so erasing twice changes nothing."""
    with runtime.database.writing() as session:
        rows = person_of(session, lead_id, scope)
        kept = (_lifetime_field(runtime, session),)
        erased = []
        for row in rows:
            if row.erased_at is None:
                why = {"scope": scope.value, "requested_for": lead_id}
                erase_lead(session, row, now=now, actor=caller.actor, kept=kept, why=why)
                erased.append(row.id)
        already = [row.id for row in rows if row.id not in erased]
    if erased:
        _forget_old_pages(runtime)
    return {
        "lead": lead_id,
        "scope": scope.value,
        "erased": erased,
        "already_erased": already,
        "erased_at": now.isoformat() if erased else None,
        "kept_fields": [*KEPT_FIELDS, *kept],
    }


def purge(
    *,
    runtime: Runtime,
    older_than: timedelta,
    now: datetime,
    actor: str = RETENTION_ACTOR,
    batch: int = 100,
    limit: int | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Purge:
    """Erase the leads closed (won, lost, disqualified) more than `older_than` ago, or never
    closed and last changed before then, `batch` per transaction, at most `limit`. A lead
    whose erasure fails is logged and skipped (the others go on). `progress(done, found)`
    follows each batch."""
    cutoff = now - older_than
    with runtime.database.reading() as session:
        found = (
            session.scalar(select(func.count()).select_from(LeadRow).where(_past_retention(cutoff)))
            or 0
        )
    wanted = found if limit is None else min(found, limit)
    if dry_run or wanted == 0:
        return Purge(cutoff=cutoff, found=found, erased=0)
    erased = 0
    failed: list[str] = []
    why: dict[str, object] = {"scope": Scope.LEAD.value, "retention_cutoff": cutoff.isoformat()}
    while erased < wanted:
        with runtime.database.writing() as session:
            kept = (_lifetime_field(runtime, session),)
            ids = session.scalars(
                select(LeadRow.id)
                .where(_past_retention(cutoff), LeadRow.id.not_in(failed))
                .order_by(LeadRow.received_at, LeadRow.id)
                .limit(min(batch, wanted - erased))
            ).all()
            if not ids:
                break
            for lead_id in ids:
                if _erase_one(session, lead_id, now=now, actor=actor, kept=kept, why=why):
                    erased += 1
                else:
                    failed.append(lead_id)
        if progress is not None:
            progress(erased, wanted)
    if erased:
        _forget_old_pages(runtime)
    return Purge(cutoff=cutoff, found=found, erased=erased, failed=tuple(failed))


def sweep_retention(*, runtime: Runtime, days: int, now: datetime, batch: int) -> int:
    """One pass of the worker's retention: erase up to `batch` leads past `days`."""
    done = purge(
        runtime=runtime,
        older_than=timedelta(days=days),
        now=now,
        actor=f"{RETENTION_ACTOR} ({days} days)",
        batch=batch,
        limit=batch,
    )
    if done.erased:
        log.info("retention: erased %d leads unchanged for %d days", done.erased, days)
    return done.erased


def person_of(session: Session, lead_id: str, scope: Scope) -> list[LeadRow]:
    """The lead, then the other leads of its person in the order received."""
    first = session.get(LeadRow, lead_id)
    if first is None:
        raise NotFound(f"no lead {lead_id}")
    if scope is Scope.LEAD:
        return [first]
    ids: set[str] = set()
    emails: set[str] = set()
    phones: set[str] = set()
    _add_keys([first], ids, emails, phones)
    while True:
        linked = [LeadRow.id.in_(ids), LeadRow.duplicate_of.in_(ids)]
        linked += [LeadRow.email_key.in_(emails)] if emails else []
        linked += [LeadRow.phone_key.in_(phones)] if phones else []
        found = session.scalars(
            select(LeadRow).where(or_(*linked)).limit(MAX_PERSON_LEADS + 1)
        ).all()
        if len(found) > MAX_PERSON_LEADS:
            raise Conflict(
                f"more than {MAX_PERSON_LEADS} leads share this lead's email or phone: "
                "act on each lead with scope=lead",
                lead=lead_id,
            )
        before = (len(ids), len(emails), len(phones))
        _add_keys(found, ids, emails, phones)
        if (len(ids), len(emails), len(phones)) == before:
            break
    rest = sorted((row for row in found if row.id != first.id), key=_received)
    return [first, *rest]


def _add_keys(rows: Iterable[LeadRow], ids: set[str], emails: set[str], phones: set[str]) -> None:
    for row in rows:
        ids.add(row.id)
        if row.duplicate_of:
            ids.add(row.duplicate_of)
        if row.email_key:
            emails.add(row.email_key)
        if row.phone_key:
            phones.add(row.phone_key)


def _received(row: LeadRow) -> tuple[datetime, str]:
    return row.received_at, row.id


_FOUND_BY = {
    Scope.PERSON: "the lead, the leads sharing its normalised email or phone, and the leads "
    "linked to these as duplicates",
    Scope.LEAD: "the lead alone",
}


def _past_retention(cutoff: datetime) -> Any:
    closed = LeadRow.status.in_(sorted(CLOSED))
    return and_(
        LeadRow.erased_at.is_(None),
        or_(
            and_(closed, func.coalesce(LeadRow.closed_at, LeadRow.updated_at) < cutoff),
            and_(~closed, LeadRow.updated_at < cutoff),
        ),
    )


def _erase_one(
    session: Session,
    lead_id: str,
    *,
    now: datetime,
    actor: str,
    kept: tuple[str, ...],
    why: dict[str, object],
) -> bool:
    """Erase one lead in a savepoint; False (logged) when that fails."""
    try:
        with session.begin_nested():
            row = session.get(LeadRow, lead_id)
            if row is not None and row.erased_at is None:
                erase_lead(session, row, now=now, actor=actor, kept=kept, why=why)
    except Exception:
        log.exception("erasing lead %s failed; it is tried again on the next pass", lead_id)
        return False
    return True


def _forget_old_pages(runtime: Runtime) -> None:
    """SQLite: empty the write-ahead log, which still holds the pages as they were before the
    erasure (the database file itself zeroes freed space: `secure_delete`)."""
    database = runtime.database
    if database.is_sqlite and not database.checkpoint():
        log.warning(
            "the SQLite write-ahead log could not be emptied (a reader held it): erased values "
            "stay in its -wal file until the next checkpoint"
        )


def _lifetime_field(runtime: Runtime, session: Session) -> str:
    """The field reports read a customer's lifetime value from (kept when a number)."""
    try:
        return runtime.routing(session).router.config.reporting.lifetime_value_field
    except NotFound:
        return DEFAULT_LIFETIME_FIELD


def _lead_record(session: Session, row: LeadRow) -> dict[str, Any]:
    """One lead as exported: the row, and every row elsewhere that concerns it."""

    def rows(table: Any, *order: Any) -> list[Any]:
        return list(session.scalars(select(table).where(table.lead_id == row.id).order_by(*order)))

    answers = session.scalars(
        select(IdempotencyRow)
        .where(IdempotencyRow.response["id"].as_string() == row.id)
        .order_by(IdempotencyRow.created_at)
    )
    return {
        "id": row.id,
        "received_at": row.received_at.isoformat(),
        "erased_at": _time(row.erased_at),
        "source": row.source,
        "external_id": row.external_id,
        "fields": row.fields,
        "raw": row.raw,
        "issues": row.issues,
        "custom": row.custom,
        "status": row.status,
        "status_reason": row.status_reason,
        "owner": row.owner,
        "pool": row.pool,
        "past_owners": list(row.past_owners or []),
        "score": row.score,
        "grade": row.grade,
        "amount": row.amount,
        "rule": row.rule,
        "account": row.account_id,
        "duplicate_of": row.duplicate_of,
        "experiment": {"name": row.experiment, "arm": row.arm} if row.experiment else None,
        "touched_at": _time(row.touched_at),
        "qualified_at": _time(row.qualified_at),
        "closed_at": _time(row.closed_at),
        "updated_at": row.updated_at.isoformat(),
        "decisions": [_decision(item) for item in rows(DecisionRow, DecisionRow.id)],
        "assignments": [_assignment(item) for item in rows(AssignmentRow, AssignmentRow.id)],
        "timeline": [event_view(item) for item in rows(EventRow, EventRow.id)],
        "activities": [_activity(item) for item in rows(ActivityRow, ActivityRow.id)],
        "deliveries": [_delivery(item) for item in rows(DeliveryRow, DeliveryRow.created_at)],
        "stored_answers": [
            {"at": item.created_at.isoformat(), "status": item.status_code, "body": item.response}
            for item in answers
        ],
        "account_keys": sorted(
            session.scalars(select(AccountKey.key).where(AccountKey.lead_id == row.id))
        ),
    }


def _decision(row: DecisionRow) -> dict[str, Any]:
    return {
        "at": row.at.isoformat(),
        "rule": row.rule,
        "rep": row.rep,
        "pool": row.pool,
        "reason": row.reason,
        "trace": row.trace,
        "routing_version": row.routing_version,
    }


def _assignment(row: AssignmentRow) -> dict[str, Any]:
    return {
        "rep": row.rep_id,
        "rule": row.rule,
        "assigned_at": row.assigned_at.isoformat(),
        "ended_at": _time(row.ended_at),
        "end_reason": row.end_reason,
        "counted": row.counted,
    }


def _activity(row: ActivityRow) -> dict[str, Any]:
    return {"type": row.type, "at": row.at.isoformat(), "source": row.source, "data": row.data}


def _delivery(row: DeliveryRow) -> dict[str, Any]:
    """A notice or webhook event about the lead; the channel URL (it may hold a token) and
    the webhook's address are the company's, not the person's, and stay out."""
    return {
        "id": row.id,
        "kind": row.kind,
        "event": row.event,
        "status": row.status,
        "attempts": row.attempts,
        "created_at": row.created_at.isoformat(),
        "delivered_at": _time(row.delivered_at),
        "last_error": row.last_error,
        "payload": row.payload,
    }


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
