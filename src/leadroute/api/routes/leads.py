"""Lead intake (JSON or a web form) and reading leads."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response

from leadroute.api.auth import READERS, Now, Runtime_, address_of, require, throttles_of
from leadroute.domain.errors import InvalidInput, Problem
from leadroute.intake_limits import oversized
from leadroute.services.intake import take_lead
from leadroute.services.leads import (
    MAX_QUERY,
    SORTS,
    LeadFilter,
    default_descending,
    get_lead,
    list_leads,
)
from leadroute.services.principals import Principal, Role
from leadroute.services.sources import SIGNED_SCOPE, Signed, check_signature
from leadroute.settings import Settings

router = APIRouter(prefix="/api/v1", tags=["leads"])

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@router.post(
    "/leads",
    status_code=201,
    summary="Take a lead in (JSON or form-encoded) and route it",
    description="Sources registered with `POST /api/v1/sources` may sign the request: "
    "`X-Leadroute-Timestamp` (Unix seconds) and `X-Leadroute-Signature: sha256=<hex>` "
    "(HMAC-SHA256 of `<timestamp>.<raw body>` with the source's secret); a replayed signed "
    "request gets the first answer (its Idempotency-Key is not used: make retries safe with "
    "`external_id`). Form posts are "
    "limited per client address, and a filled honeypot field is answered 202 and not stored. "
    "A lead whose `select: optimal` rule has a `batch_window` is stored and held until the "
    "window ends (`decision` null, `held: {rule, until}`), then placed with the leads that "
    "arrived meanwhile (docs/SMART_ROUTING.md).",
    responses={
        200: {"description": "A repeated submission merged into the lead it duplicates"},
        202: {"description": "A form post that filled the honeypot field: not stored"},
        303: {"description": "A form post with a `redirect` field: the browser goes there"},
        401: {"description": "No valid key, or a missing or bad signature for the source"},
        409: {
            "description": "Idempotency-Key reused with another body, or a duplicate external_id"
        },
        422: {"description": "Not a lead (names the field)"},
    },
)
async def create_lead(
    request: Request,
    runtime: Runtime_,
    now: Now,
    who: Annotated[Principal, Depends(require(Role.ADMIN, Role.MANAGER, Role.INTAKE))],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    settings: Settings = request.app.state.settings
    body = await request.body()  # read first: the signature covers these very bytes
    payload, form, redirect = await _read_payload(request, body)
    if form:
        throttles_of(request).forms.spend(f"address:{address_of(request)}")
        if _caught_by_honeypot(payload, settings.honeypot_field):
            if redirect is not None:
                return RedirectResponse(redirect, status_code=303)
            return JSONResponse({"status": "discarded"}, status_code=202)
    problems = oversized(
        payload, max_length=settings.max_field_length, max_custom=settings.max_custom_fields
    )
    if problems:
        raise InvalidInput(problems)
    signed_key = await run_in_threadpool(
        check_signature,
        runtime=runtime,
        source=_source_of(payload),
        signed=Signed.of(dict(request.headers)),
        body=body,
        now=now,
        tolerance=settings.signature_tolerance_seconds,
    )
    answer = await run_in_threadpool(
        take_lead,
        runtime=runtime,
        payload=payload,
        caller=who,
        now=now,
        idempotency_key=signed_key or idempotency_key,
        idempotency_scope=SIGNED_SCOPE if signed_key else None,
    )
    if redirect is not None:
        return RedirectResponse(redirect, status_code=303)
    return JSONResponse(answer.body, status_code=answer.status_code)


@router.get("/leads", summary="List leads with search, filters, sorting and pagination")
def read_leads(
    runtime: Runtime_,
    who: Annotated[Principal, Depends(require(*READERS))],
    q: Annotated[
        str | None,
        Query(max_length=MAX_QUERY, description="part of the name, email, company or id"),
    ] = None,
    status: str | None = None,
    owner: str | None = None,
    pool: str | None = None,
    source: str | None = None,
    score_min: Annotated[float | None, Query(allow_inf_nan=False)] = None,
    score_max: Annotated[float | None, Query(allow_inf_nan=False)] = None,
    received_from: Annotated[datetime | None, Query(alias="from")] = None,
    received_to: Annotated[datetime | None, Query(alias="to")] = None,
    sort: Annotated[str, Query(description=f"one of {', '.join(SORTS)}")] = "received",
    descending: Annotated[
        bool | None, Query(description="default: true for received and score, else false")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> dict[str, Any]:
    for name, moment in (("from", received_from), ("to", received_to)):
        if moment is not None:
            try:
                moment.astimezone(UTC)
            except OverflowError:
                problem = Problem(path=name, message="a time past the calendar")
                raise InvalidInput([problem]) from None
    where = LeadFilter(
        q=q,
        status=status,
        owner=owner,
        pool=pool,
        source=source,
        score_min=score_min,
        score_max=score_max,
        received_from=received_from,
        received_to=received_to,
        sort=sort,
        descending=default_descending(sort) if descending is None else descending,
        limit=limit,
        offset=offset,
    )
    return list_leads(runtime=runtime, caller=who, where=where)


@router.get("/leads/{lead_id}", summary="One lead: fields, owner, status, trace, timeline")
def read_lead(
    lead_id: str, runtime: Runtime_, who: Annotated[Principal, Depends(require(*READERS))]
) -> dict[str, Any]:
    return get_lead(runtime=runtime, lead_id=lead_id, caller=who)


async def _read_payload(request: Request, body: bytes) -> tuple[object, bool, str | None]:
    """The posted lead, whether it came as a form, and for a form the `redirect` to send the
    browser to afterwards (the body guard has already refused other content types)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in FORM_TYPES:
        form = await request.form()
        fields: dict[str, object] = {
            key: value for key, value in form.multi_items() if isinstance(value, str)
        }
        redirect = fields.pop("redirect", None)
        return fields, True, _allowed_redirect(request, redirect)
    try:
        return json.loads(body, parse_constant=_no_constant, parse_float=_finite), False, None
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, too many digits, NaN
        raise InvalidInput([Problem(path="(body)", message=f"not valid JSON: {error}")]) from None


def _finite(text: str) -> float:
    """A JSON number as a float; one too large for any float (1e999) is refused, not infinity."""
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text[:40]} is too large a number")
    return number


def _no_constant(name: str) -> object:
    """NaN and Infinity are not JSON: refused rather than stored as numbers nobody can read."""
    raise ValueError(f"{name} is not a JSON number")


def _caught_by_honeypot(fields: object, honeypot: str) -> bool:
    """True when the hidden field people never fill was filled; the empty field is dropped
    either way, so it never becomes a custom field of the lead."""
    if not honeypot or not isinstance(fields, dict):
        return False
    value = fields.pop(honeypot, None)
    return isinstance(value, str) and bool(value.strip())


def _source_of(payload: object) -> str | None:
    if isinstance(payload, dict):
        source = payload.get("source")
        if isinstance(source, str) and source.strip():
            return source.strip()
    return None


def _allowed_redirect(request: Request, redirect: object) -> str | None:
    if not isinstance(redirect, str) or not redirect:
        return None
    target = urlparse(redirect)
    if target.scheme not in ("http", "https"):
        raise InvalidInput([Problem(path="redirect", message="must be an http(s) URL")])
    allowed = request.app.state.settings.redirect_hosts
    if "*" not in allowed and target.hostname not in allowed:
        raise InvalidInput(
            [
                Problem(
                    path="redirect",
                    message=f"host {target.hostname!r} is not in LEADROUTE_REDIRECT_HOSTS",
                )
            ]
        )
    return redirect
