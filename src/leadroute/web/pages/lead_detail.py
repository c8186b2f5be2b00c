"""One lead: its fields, where it is, why it went there (the decision trace in words), its
timeline, and what the person looking may do with it now (assign, record an outcome, claim,
accept or decline an offer). Every action is a form post that answers with a redirect back to
the lead (or to `back`, a local page such as a rep's list) and a message."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from leadroute.api.auth import Now, Runtime_
from leadroute.domain.errors import InvalidInput, Problem
from leadroute.services.errors import NotFound
from leadroute.services.leads import get_lead, lead_choices, lead_clock
from leadroute.services.lifecycle import EVENT_KINDS, assign_lead, record_event
from leadroute.services.offers import accept_offer, decline_offer
from leadroute.services.pools import claim_lead
from leadroute.services.principals import Principal, Role
from leadroute.services.runtime import Runtime
from leadroute.services.trace_view import timeline_lines, trace_lines
from leadroute.storage.owners import CLOSED
from leadroute.web.render import money, page, redirect
from leadroute.web.session import ManagingPoster, Poster, Visitor, local_path

router = APIRouter(include_in_schema=False)

Field = Annotated[str, Form(max_length=2000)]
MANAGERS = frozenset({Role.ADMIN, Role.MANAGER})
MAIN_FIELDS = ("name", "email", "phone", "company", "country", "region", "source")
_NOT_SHOWN = frozenset({*MAIN_FIELDS, "score", "grade", "score_model", "id", "received_at"})


@dataclass(frozen=True, kw_only=True, slots=True)
class LeadActions:
    """What the person looking may do with the lead as it stands: assign it (managers), the
    lifecycle events its status allows, claim it from its pool, or answer an offer."""

    assign: bool = False
    events: tuple[str, ...] = ()
    claim: bool = False
    answer_offer: bool = False

    @property
    def any(self) -> bool:
        return self.assign or bool(self.events) or self.claim or self.answer_offer


def event_choices(lead: dict[str, Any], caller: Principal) -> tuple[str, ...]:
    """The lifecycle events (services/lifecycle.py) `caller` may record on `lead` now: none on
    a closed or offered lead; on an owned one, its owner (or a manager) may touch, qualify
    (once), close or release it; a manager may close a pooled lead as lost or disqualified."""
    status, owner = lead.get("status"), lead.get("owner")
    manager = caller.role in MANAGERS
    if status in CLOSED or status == "offered":
        return ()
    if owner is None:
        return ("lost", "disqualified") if manager and lead.get("pool") else ()
    if not manager and not (caller.role is Role.REP and owner == caller.rep_id):
        return ()
    return tuple(kind for kind in EVENT_KINDS if not (kind == "qualified" and status == kind))


def lead_actions(lead: dict[str, Any], caller: Principal) -> LeadActions:
    status, owner = lead.get("status"), lead.get("owner")
    manager = caller.role in MANAGERS
    mine = caller.role is Role.REP and owner == caller.rep_id
    return LeadActions(
        assign=manager and status not in CLOSED,
        events=event_choices(lead, caller),
        claim=caller.role is Role.REP
        and owner is None
        and lead.get("pool") is not None
        and status not in CLOSED,
        answer_offer=status == "offered" and (manager or mine),
    )


@router.get("/leads/{lead_id}")
def lead_page(
    request: Request, lead_id: str, runtime: Runtime_, now: Now, seen: Visitor
) -> Response:
    caller = seen.principal
    lead = get_lead(runtime=runtime, lead_id=lead_id, caller=caller)
    choices = lead_choices(runtime=runtime)
    decision = lead.get("decision") or {}
    return page(
        request,
        seen,
        "lead.html",
        lead=lead,
        label=lead_label(lead),
        main_fields=[(name, lead["fields"].get(name)) for name in MAIN_FIELDS],
        custom_fields=_custom_fields(lead),
        more_fields=_more_fields(lead),
        clock=lead_clock(runtime=runtime, lead_id=lead_id, caller=caller),
        steps=trace_lines(decision.get("trace"), rule=decision.get("rule")),
        later=_assigned_by_hand_since(lead),
        timeline=timeline_lines(lead.get("timeline")),
        actions=lead_actions(lead, caller),
        reps=choices["reps"],
        rep_names={rep["id"]: rep["name"] for rep in choices["reps"]},
        mine=caller.role is Role.REP and lead.get("owner") == caller.rep_id,
        raw_text=_pretty(lead.get("raw")),
    )


@router.post("/leads/{lead_id}/assign")
def assign(
    lead_id: str,
    runtime: Runtime_,
    now: Now,
    seen: ManagingPoster,
    rep: Field = "",
    reason: Field = "",
) -> Response:
    lead = assign_lead(
        runtime=runtime,
        lead_id=lead_id,
        rep_id=rep.strip(),
        reason=reason,
        caller=seen.principal,
        now=now,
    )
    return redirect(f"/leads/{lead_id}", f"{lead_label(lead)} assigned to {lead['owner']}.")


@router.post("/leads/{lead_id}/events")
def record(
    lead_id: str,
    runtime: Runtime_,
    now: Now,
    seen: Poster,
    kind: Annotated[str, Form(alias="type", max_length=40)] = "",
    amount: Field = "",
    reason: Field = "",
    back: Field = "",
) -> Response:
    kind = kind.strip()
    lead = record_event(
        runtime=runtime,
        lead_id=lead_id,
        kind=kind,
        caller=seen.principal,
        now=now,
        amount=_amount(amount) if kind == "won" else None,
        reason=reason or None,
    )
    target = local_path(back) or _after(runtime, lead_id, seen.principal)
    return redirect(target, _event_message(kind, lead))


@router.post("/leads/{lead_id}/claim")
def claim(lead_id: str, runtime: Runtime_, now: Now, seen: Poster, back: Field = "") -> Response:
    lead = claim_lead(runtime=runtime, lead_id=lead_id, caller=seen.principal, now=now)
    return redirect(
        local_path(back) or f"/leads/{lead_id}", f"{lead_label(lead)} claimed: it is yours now."
    )


@router.post("/leads/{lead_id}/accept")
def accept(lead_id: str, runtime: Runtime_, now: Now, seen: Poster, back: Field = "") -> Response:
    lead = accept_offer(runtime=runtime, lead_id=lead_id, caller=seen.principal, now=now)
    return redirect(
        local_path(back) or f"/leads/{lead_id}",
        f"Offer accepted: {lead_label(lead)} belongs to {lead['owner']} now.",
    )


@router.post("/leads/{lead_id}/decline")
def decline(
    lead_id: str,
    runtime: Runtime_,
    now: Now,
    seen: Poster,
    reason: Field = "",
    back: Field = "",
) -> Response:
    lead = decline_offer(
        runtime=runtime, lead_id=lead_id, caller=seen.principal, now=now, reason=reason or None
    )
    target = local_path(back) or _after(runtime, lead_id, seen.principal)
    return redirect(target, f"Offer declined: {lead_label(lead)} {_whereabouts(lead)}.")


def lead_label(lead: dict[str, Any]) -> str:
    """What to call a lead in a heading or a message: its name, else email, else id."""
    return str(lead.get("name") or lead.get("email") or lead.get("id"))


def _event_message(kind: str, lead: dict[str, Any]) -> str:
    label = lead_label(lead)
    if kind == "won":
        amount = lead.get("amount")
        return f"{label} marked won{f' ({money(amount)})' if amount is not None else ''}."
    if kind == "released":
        return f"{label} released: it {_whereabouts(lead)}."
    if kind == "qualified" and lead.get("owner") and lead.get("owner") != lead.get("qualified_by"):
        return f"{label} marked qualified and handed off to {lead['owner']}."
    return f"{label} marked {kind}."


def _whereabouts(lead: dict[str, Any]) -> str:
    if lead.get("status") == "offered":
        return f"is offered to {lead['owner']} now"
    if lead.get("owner"):
        return f"is with {lead['owner']} now"
    if lead.get("pool"):
        return f"waits in pool {lead['pool']}"
    return f"is {lead.get('status')}"


def _after(runtime: Runtime, lead_id: str, caller: Principal) -> str:
    """Back to the lead, or to the start page when the caller may no longer see it (a rep
    who released or declined it, or whose qualified lead was handed off)."""
    try:
        get_lead(runtime=runtime, lead_id=lead_id, caller=caller)
    except NotFound:
        return "/"
    return f"/leads/{lead_id}"


def _amount(text: str) -> float | None:
    cleaned = text.strip().replace(",", "").replace(" ", "")
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InvalidInput([Problem(path="amount", message=f"{text!r} is not a number")])
    return value


def _custom_fields(lead: dict[str, Any]) -> list[tuple[str, object]]:
    fields: dict[str, object] = lead.get("fields") or {}
    return [(name, fields[name]) for name in lead.get("custom") or () if name in fields]


def _more_fields(lead: dict[str, Any]) -> list[tuple[str, object]]:
    """The known fields beyond the main ones (domain, industry, budget, ...)."""
    fields: dict[str, object] = lead.get("fields") or {}
    custom = set(lead.get("custom") or ())
    return [
        (name, value)
        for name, value in fields.items()
        if name not in _NOT_SHOWN and name not in custom and value not in (None, "")
    ]


def _assigned_by_hand_since(lead: dict[str, Any]) -> dict[str, Any] | None:
    """The latest assignment by hand after the routing decision: the trace no longer says
    who has the lead, so the page says it was changed, by whom and why."""
    decision = lead.get("decision") or {}
    since = str(decision.get("at") or "")
    for event in reversed(lead.get("timeline") or []):
        data = event.get("data") or {}
        if data.get("manual") and str(event.get("at") or "") >= since:
            return dict(event)
    return None


def _pretty(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
