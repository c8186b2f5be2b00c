"""Taking a lead in: normalise, route with the engine and record it, in one transaction."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadroute.domain.decisions import Decision
from leadroute.normalize import Normalized, normalize_lead
from leadroute.routing.duplicates import Keys, Original, keys_of, linked_decision, merges
from leadroute.routing.intake import IntakeFacts, with_intake
from leadroute.routing.ledger import Ledger
from leadroute.services.accounts import match_for
from leadroute.services.duplicates import find_original, merge_submission
from leadroute.services.errors import Conflict
from leadroute.services.holding import held_until
from leadroute.services.ids import new_lead_id
from leadroute.services.placing import (
    keep_score,
    lead_of,
    place,
    route_and_record,
)
from leadroute.services.principals import Principal
from leadroute.services.runtime import Routing, Runtime
from leadroute.services.views import stored_view
from leadroute.storage.owners import log
from leadroute.storage.tables import IdempotencyRow, LeadRow


@dataclass(frozen=True, kw_only=True, slots=True)
class Answer:
    """What to send back: the status code and JSON body (replayed for a repeated key)."""

    status_code: int
    body: dict[str, Any]
    decision: Decision | None = field(default=None, compare=False)
    """The routing decision of a new lead (not part of the answer: a batch reads it)."""


def take_lead(
    *,
    runtime: Runtime,
    payload: object,
    caller: Principal,
    now: datetime,
    idempotency_key: str | None = None,
    idempotency_scope: str | None = None,
) -> Answer:
    """Create, route and record one lead. The same `idempotency_key` with the same payload
    gives back the first answer; with another payload, Conflict. Keys are the caller's own
    unless `idempotency_scope` names another scope (signed requests share one, so a replayed
    signature is answered the same whatever key sends it). A payload that cannot be a lead
    raises InvalidInput before anything is written."""
    normalized = normalize_lead(payload)
    with runtime.database.writing() as session:
        return take_in(
            session,
            runtime,
            normalized,
            payload=payload,
            caller=caller,
            now=now,
            idempotency_key=idempotency_key,
            idempotency_scope=idempotency_scope,
        )


def take_in(
    session: Session,
    runtime: Runtime,
    normalized: Normalized,
    *,
    payload: object,
    caller: Principal,
    now: datetime,
    idempotency_key: str | None = None,
    idempotency_scope: str | None = None,
    ledger: Ledger | None = None,
) -> Answer:
    """`take_lead` inside the caller's `Database.writing()` transaction, for a payload already
    normalised (`normalize_lead(payload)`). Conflict is raised before this lead writes anything,
    so the transaction can go on with other leads. `ledger` (services/batch_ledger.py) is the
    routing state a batch keeps up to date between its leads; without it the state is read
    afresh (placing.route_and_record)."""
    scope = idempotency_scope or caller.key_id
    fingerprint = _fingerprint(payload)
    if idempotency_key is not None:
        earlier = session.get(IdempotencyRow, (scope, idempotency_key))
        if earlier is not None:
            if earlier.request_hash != fingerprint:
                raise Conflict(
                    "Idempotency-Key was already used with a different body",
                    idempotency_key=idempotency_key,
                )
            return Answer(status_code=earlier.status_code, body=earlier.response)
    _refuse_duplicate(session, normalized)
    routing = runtime.routing(session)
    keys = keys_of(normalized.fields)
    section = routing.router.config.duplicates
    original = find_original(session, keys, section, now=now) if section else None
    if section is not None and original is not None and merges(section, original):
        answer = Answer(
            status_code=200,
            body=merge_submission(
                session, routing, original, normalized, now=now, actor=caller.actor
            ),
        )
    else:
        answer = _new_lead(session, routing, normalized, keys, original, now, caller, ledger)
    if idempotency_key is not None:
        session.add(
            IdempotencyRow(
                principal=scope,
                key=idempotency_key,
                request_hash=fingerprint,
                status_code=answer.status_code,
                response=answer.body,
                created_at=now,
            )
        )
    return answer


def _new_lead(
    session: Session,
    routing: Routing,
    normalized: Normalized,
    keys: Keys,
    original: Original | None,
    now: datetime,
    caller: Principal,
    ledger: Ledger | None,
) -> Answer:
    """Store the lead and route it; a linked duplicate goes to its original's owner or pool."""
    row = _new_lead_row(normalized, now=now, version=routing.version)
    row.email_key, row.phone_key, row.company_key = keys.email, keys.phone, keys.company
    row.duplicate_of = original.lead_id if original is not None else None
    account = match_for(session, normalized.fields)
    row.account_id = account.account.id if account is not None else None
    session.add(row)
    session.flush()
    log(
        session,
        "lead.received",
        at=now,
        actor=caller.actor,
        lead_id=row.id,
        data={"issues": list(normalized.issues), "duplicate_of": row.duplicate_of},
    )
    facts = IntakeFacts(
        duplicates=routing.router.config.duplicates, original=original, account=account
    )
    linked = None
    if original is not None:
        lead = routing.router.score(lead_of(row), now=now)
        keep_score(row, lead)
        linked = linked_decision(lead, original)
        if linked is not None:
            linked = with_intake(linked, facts.step(lead))
    if linked is not None:
        place(session, routing, row, linked, now=now, actor=caller.actor)
        decision = linked
    else:
        decision = route_and_record(
            session,
            routing,
            row,
            now=now,
            actor=caller.actor,
            intake=facts,
            ledger=ledger,
            may_hold=True,
        )
    until = held_until(routing, decision, now) if linked is None else None
    body: dict[str, Any] = {
        "id": row.id,
        "status": row.status,
        "owner": row.owner,
        "pool": row.pool,
        "score": row.score,
        "grade": row.grade,
        "account": row.account_id,
        "issues": list(normalized.issues),
        "decision": stored_view(session, row.id, decision) if until is None else None,
    }
    if until is not None:
        body["held"] = {"rule": decision.rule, "until": until.isoformat()}
    if original is not None:
        body["duplicate"] = {"of": original.lead_id, "matched": original.matched, "policy": "link"}
    return Answer(status_code=201, body=body, decision=decision)


def _new_lead_row(normalized: Normalized, *, now: datetime, version: int) -> LeadRow:
    fields = normalized.fields
    source = fields.get("source")
    external = fields.get("external_id")
    return LeadRow(
        id=new_lead_id(now),
        received_at=now,
        source=str(source) if source is not None else None,
        external_id=str(external) if external is not None else None,
        fields=_jsonable(fields),
        raw=_jsonable(normalized.raw),
        issues=list(normalized.issues),
        custom=list(normalized.custom),
        status="new",
        routing_version=version,
        updated_at=now,
    )


def _refuse_duplicate(session: Session, normalized: Normalized) -> None:
    external = normalized.fields.get("external_id")
    if external is None:
        return
    source = normalized.fields.get("source")
    query = select(LeadRow.id).where(LeadRow.external_id == str(external))
    query = query.where(
        LeadRow.source.is_(None) if source is None else LeadRow.source == str(source)
    )
    existing = session.scalar(query)
    if existing is not None:
        raise Conflict(
            f"a lead with external_id {external!r} from source {source!r} exists already",
            lead=existing,
        )


def _fingerprint(payload: object) -> str:
    text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _jsonable(fields: dict[str, object]) -> dict[str, Any]:
    """Values the JSON column can hold (datetimes as ISO text)."""
    result: dict[str, Any] = json.loads(json.dumps(fields, default=_plain))
    return result


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)
