"""Personal data: export everything held about a lead's person, and erase it
(docs/PRIVACY.md)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from leadroute.api.auth import MANAGERS, Now, Runtime_, require
from leadroute.services.principals import Principal, Role
from leadroute.services.privacy import Scope, erase_person, export_person

router = APIRouter(prefix="/api/v1", tags=["privacy"])

ScopeQuery = Annotated[
    Scope,
    Query(
        description="person: the lead and the leads sharing its email or phone or linked to it "
        "as duplicates; lead: this lead alone"
    ),
]
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


@router.get(
    "/leads/{lead_id}/export",
    summary="Everything held about the person of a lead, as a JSON attachment",
    responses={404: {"description": "No such lead"}, 409: {"description": "Too many leads"}},
)
def export_lead(
    lead_id: str,
    runtime: Runtime_,
    now: Now,
    who: Annotated[Principal, Depends(require(*MANAGERS))],
    scope: ScopeQuery = Scope.PERSON,
) -> JSONResponse:
    body = export_person(runtime=runtime, lead_id=lead_id, now=now, scope=scope)
    name = f"leadroute-export-{_UNSAFE.sub('_', lead_id)[:64]}.json"
    return JSONResponse(body, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.delete(
    "/leads/{lead_id}",
    summary="Erase the personal data of a lead's person; a tombstone stays for reports. "
    "Erasing again changes nothing (200 with `erased` empty)",
    responses={404: {"description": "No such lead"}, 409: {"description": "Too many leads"}},
)
def erase_lead(
    lead_id: str,
    runtime: Runtime_,
    now: Now,
    who: Annotated[Principal, Depends(require(Role.ADMIN))],
    scope: ScopeQuery = Scope.PERSON,
) -> dict[str, Any]:
    return erase_person(runtime=runtime, lead_id=lead_id, caller=who, now=now, scope=scope)
