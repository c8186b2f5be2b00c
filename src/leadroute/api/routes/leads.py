"""Lead intake (JSON or a web form) and reading leads."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response

from leadroute.api.auth import READERS, Now, Runtime_, require
from leadroute.domain.errors import InvalidInput, Problem
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

router = APIRouter(prefix="/api/v1", tags=["leads"])

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@router.post(
    "/leads",
    status_code=201,
    summary="Take a lead in (JSON or form-encoded) and route it",
    responses={
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
    payload, redirect = await _read_payload(request)
    answer = await run_in_threadpool(
        take_lead,
        runtime=runtime,
        payload=payload,
        caller=who,
        now=now,
        idempotency_key=idempotency_key,
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
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
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


async def _read_payload(request: Request) -> tuple[object, str | None]:
    """The posted lead, and for a form the `redirect` to send the browser to afterwards."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in FORM_TYPES:
        form = await request.form()
        fields: dict[str, object] = {
            key: value for key, value in form.multi_items() if isinstance(value, str)
        }
        redirect = fields.pop("redirect", None)
        return fields, _allowed_redirect(request, redirect)
    if kind in ("application/json", "") or kind.endswith("+json"):
        body = await request.body()
        try:
            return json.loads(body), None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise InvalidInput(
                [Problem(path="(body)", message=f"not valid JSON: {error}")]
            ) from None
    raise InvalidInput(
        [Problem(path="(body)", message=f"unsupported content type {kind!r}: send JSON or a form")]
    )


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
