"""Erasing one lead's personal data everywhere it is stored, leaving a tombstone that keeps
reports whole (docs/PRIVACY.md).

What goes: every field outside `KEPT_FIELDS` (name, email, phone, company, domain, city,
postal_code, need, custom fields), the raw payload, the external id, the normalised email,
phone and company keys, the account keys, activity payloads, copies of submissions in events,
outbox delivery bodies, and every copy of those values in free text (decision reasons and
traces, event reasons, status reasons, delivery errors, idempotency answers): each such copy is
replaced by `[erased]`. What stays: the lead's id, times, source, status, owners, assignments,
decisions, amount, score, grade, experiment and arm, the non-personal routing fields, and
activities (type, time, tool), so every report counts the lead as before.

The event log is otherwise never rewritten; erasure is its one exception (it rewrites the
texts of the erased lead's events, never removes one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from leadroute.domain.deliveries import DeliveryStatus
from leadroute.routing.accounts import account_keys
from leadroute.storage.outbox_tables import DeliveryRow
from leadroute.storage.owners import log
from leadroute.storage.tables import (
    AccountKey,
    ActivityRow,
    AssignmentRow,
    DecisionRow,
    EventRow,
    IdempotencyRow,
    LeadRow,
)

ERASED = "[erased]"
NOT_SENT = "not sent: the lead's personal data was erased"

KEPT_FIELDS = (
    "source",
    "country",
    "region",
    "language",
    "industry",
    "company_size",
    "product",
    "budget",
    "timeframe",
    "score",
)
"""The fields a tombstone keeps: what routing and reports group by, none of which names or
reaches a person. Every other field, custom fields included, is personal data here."""

# Keys whose values are identifiers (rule, rep, pool and lead ids, statuses, times), never
# personal data: scrubbing leaves them as they are, so reports read the same names.
_IDENTIFIERS = frozenset(
    {
        "account",
        "actor",
        "arm",
        "at",
        "by",
        "chosen",
        "delivery",
        "duplicate_of",
        "eligible",
        "escalated_from",
        "event",
        "experiment",
        "first",
        "from",
        "grade",
        "id",
        "kind",
        "lead",
        "matched",
        "notice",
        "of",
        "owner",
        "policy",
        "pool",
        "previous",
        "qualified_by",
        "reassigned_from",
        "rep",
        "rule",
        "status",
        "timer",
        "to",
        "to_pool",
        "type",
        "version",
    }
)
_SUBMISSIONS = frozenset({"submission", "fields", "raw", "payload"})
_MIN_NEEDLE = 3
_PHONE_DIGITS = 7
_NUMBER_DIGITS = 5

Scrub = Callable[[str], str]


def erase_lead(
    session: Session,
    row: LeadRow,
    *,
    now: datetime,
    actor: str,
    kept: Collection[str] = (),
    why: Mapping[str, object] | None = None,
) -> None:
    """Erase the lead's personal data in this transaction and log `lead.erased`. `kept` names
    extra fields to keep when they hold a number (the reports' lifetime-value field)."""
    scrub = scrubber(needles_of(session, row))
    row.fields = tombstone_fields(row.fields, kept)
    row.raw = {}
    row.issues = [erased_issue(issue, scrub) for issue in row.issues or []]
    row.custom = [name for name in row.custom or [] if name in row.fields]
    row.external_id = None
    row.email_key = row.phone_key = row.company_key = None
    row.status_reason = scrub(row.status_reason) if row.status_reason else row.status_reason
    row.erased_at = row.updated_at = now
    for decision in session.scalars(select(DecisionRow).where(DecisionRow.lead_id == row.id)):
        decision.reason = scrub(decision.reason)
        decision.trace = scrub_tree(decision.trace, scrub)
    for assignment in session.scalars(select(AssignmentRow).where(AssignmentRow.lead_id == row.id)):
        if assignment.end_reason:
            assignment.end_reason = scrub(assignment.end_reason)
    session.execute(delete(AccountKey).where(AccountKey.lead_id == row.id))
    for event in session.scalars(select(EventRow).where(EventRow.lead_id == row.id)):
        event.reason = scrub(event.reason) if event.reason else event.reason
        event.data = _event_data(event.data or {}, scrub)
    for activity in session.scalars(select(ActivityRow).where(ActivityRow.lead_id == row.id)):
        activity.data = {}
    _erase_deliveries(session, row.id, scrub, now=now)
    for answer in session.scalars(
        select(IdempotencyRow).where(IdempotencyRow.response["id"].as_string() == row.id)
    ):
        answer.response = _event_data(answer.response or {}, scrub)
    log(
        session,
        "lead.erased",
        at=now,
        actor=actor,
        lead_id=row.id,
        reason="personal data erased; the lead stays as a tombstone for reports",
        data=dict(why or {}),
    )


def tombstone_fields(fields: Mapping[str, Any], kept: Collection[str] = ()) -> dict[str, Any]:
    """The fields a tombstone keeps: `KEPT_FIELDS`, and the `kept` ones holding a number."""
    return {
        name: value
        for name, value in fields.items()
        if name in KEPT_FIELDS
        or (name in kept and isinstance(value, int | float) and not isinstance(value, bool))
    }


def erased_issue(issue: str, scrub: Scrub) -> str:
    """An intake issue (`"email: not a valid address"`): a personal field's issue keeps only
    the field's name; another's is scrubbed."""
    name, sep, _problem = issue.partition(": ")
    if sep and name in KEPT_FIELDS:
        return scrub(issue)
    return f"{name}: {ERASED}" if sep else ERASED


def needles_of(session: Session, row: LeadRow) -> set[str]:
    """Every personal value of the lead as text: the values of its personal and custom
    fields (normalised and as sent), their digits for phones, its keys and external id."""
    found: set[str] = set()
    for source in (row.fields or {}, row.raw or {}):
        for name, value in source.items():
            if name in KEPT_FIELDS:
                continue
            texts = list(_texts(value))
            found.update(texts)
            if name == "phone":
                found.update(_digits(text) for text in texts)
    for key in (row.email_key, row.phone_key, row.company_key, row.external_id):
        if key:
            found.add(key)
            found.update(key.split("|"))
    found.update(key.split(":", 1)[-1] for key in account_keys(row.fields or {}))
    stored = session.scalars(select(AccountKey.key).where(AccountKey.lead_id == row.id))
    found.update(key.split(":", 1)[-1] for key in stored)
    return {text.strip() for text in found if len(text.strip()) >= _MIN_NEEDLE}


def scrubber(needles: Iterable[str]) -> Scrub:
    """A function replacing every needle (any case, as a whole word: `pro` is scrubbed from
    `'pro'`, not from `product`) in a text by `[erased]`."""
    ordered = sorted(set(needles), key=lambda text: (-len(text), text))
    if not ordered:
        return lambda text: text
    words = "|".join(re.escape(text) for text in ordered)
    pattern = re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)
    return lambda text: pattern.sub(ERASED, text)


def scrub_tree(value: Any, scrub: Scrub, key: str | None = None) -> Any:
    """A copy of a JSON value with every text scrubbed, except identifiers (`_IDENTIFIERS`)."""
    if isinstance(value, str):
        return value if key in _IDENTIFIERS else scrub(value)
    if isinstance(value, list):
        return [scrub_tree(item, scrub, key) for item in value]
    if isinstance(value, dict):
        return {name: scrub_tree(item, scrub, name) for name, item in value.items()}
    return value


def _event_data(data: Mapping[str, Any], scrub: Scrub) -> dict[str, Any]:
    """Event data (or a stored answer) without copies of submissions, issues reduced, the
    rest scrubbed."""
    kept: dict[str, Any] = {}
    for name, value in data.items():
        if name in _SUBMISSIONS:
            continue
        if name == "issues" and isinstance(value, list):
            kept[name] = [erased_issue(str(issue), scrub) for issue in value]
        else:
            kept[name] = scrub_tree(value, scrub, name)
    return kept


def _erase_deliveries(session: Session, lead_id: str, scrub: Scrub, *, now: datetime) -> None:
    """Delivery bodies become a skeleton (no lead fields, no rendered notice); deliveries not
    yet sent are dead-lettered, never to carry the lead anywhere; errors are scrubbed, here and
    in the `delivery.resent` events that copied them."""
    waiting = (DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value)
    ids: list[str] = []
    for delivery in session.scalars(select(DeliveryRow).where(DeliveryRow.lead_id == lead_id)):
        ids.append(delivery.id)
        body = delivery.payload or {}
        skeleton: dict[str, Any] = {
            name: body[name] for name in ("id", "event", "at", "notice") if name in body
        }
        delivery.payload = {**skeleton, "lead": {"id": lead_id}, "erased": True}
        if delivery.status in waiting:
            delivery.status, delivery.last_error = DeliveryStatus.FAILED.value, NOT_SENT
            delivery.next_attempt_at = now
        elif delivery.last_error:
            delivery.last_error = scrub(delivery.last_error)
    if not ids:
        return
    resent = session.scalars(
        select(EventRow).where(
            EventRow.type == "delivery.resent", EventRow.data["delivery"].as_string().in_(ids)
        )
    )
    for event in resent:
        event.data = scrub_tree(event.data or {}, scrub)


def _texts(value: object) -> Iterable[str]:
    """The texts of a field value: strings, numbers of five digits or more (a postal code, a
    phone sent as a number; not a small count that reasons quote for other causes), and those
    inside lists and objects."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        text = str(value)
        if sum(char.isdigit() for char in text) >= _NUMBER_DIGITS:
            yield text
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _texts(item)


def _digits(text: str) -> str:
    digits = "".join(char for char in text if char.isdigit())
    return digits if len(digits) >= _PHONE_DIGITS else ""


__all__ = [
    "ERASED",
    "KEPT_FIELDS",
    "erase_lead",
    "erased_issue",
    "needles_of",
    "scrub_tree",
    "scrubber",
    "tombstone_fields",
]
