"""A lead's lifecycle: touched, qualified, won/lost/disqualified, released; manual assignment."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from leadroute.api.auth import MANAGERS, Now, Runtime_, require
from leadroute.services.activities import record_activity
from leadroute.services.lifecycle import assign_lead, record_event
from leadroute.services.principals import Principal, Role

router = APIRouter(prefix="/api/v1", tags=["leads"])

_REFUSALS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such lead (or not one of yours)"},
    409: {"description": "Not possible in the lead's current status (named in the body)"},
    422: {"description": "Invalid body (names the field)"},
}


class LeadEvent(BaseModel):
    """Something that happened to a lead; `amount` only with `won`."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["touched", "qualified", "won", "lost", "disqualified", "released"]
    amount: Annotated[float | None, Field(ge=0, allow_inf_nan=False)] = None
    reason: Annotated[str | None, Field(max_length=1000)] = None


class LeadAssign(BaseModel):
    """A manual assignment: to whom, and why (kept in the lead's timeline)."""

    model_config = ConfigDict(extra="forbid")

    rep: Annotated[str, Field(min_length=1, max_length=100)]
    reason: Annotated[str, Field(min_length=1, max_length=1000)]


@router.post(
    "/leads/{lead_id}/events",
    summary="Record touched, qualified, won (amount), lost, disqualified or released",
    responses=_REFUSALS,
)
def post_event(
    lead_id: str,
    event: LeadEvent,
    runtime: Runtime_,
    now: Now,
    who: Annotated[Principal, Depends(require(Role.ADMIN, Role.MANAGER, Role.REP))],
) -> dict[str, Any]:
    return record_event(
        runtime=runtime,
        lead_id=lead_id,
        kind=event.type,
        caller=who,
        now=now,
        amount=event.amount,
        reason=event.reason,
    )


@router.post(
    "/leads/{lead_id}/assign",
    summary="Assign or re-assign a lead by hand, with a reason",
    responses=_REFUSALS,
)
def post_assign(
    lead_id: str,
    assignment: LeadAssign,
    runtime: Runtime_,
    now: Now,
    who: Annotated[Principal, Depends(require(*MANAGERS))],
) -> dict[str, Any]:
    return assign_lead(
        runtime=runtime,
        lead_id=lead_id,
        rep_id=assignment.rep,
        reason=assignment.reason,
        caller=who,
        now=now,
    )


class LeadActivity(BaseModel):
    """A behaviour event from a marketing tool; `at` defaults to now."""

    model_config = ConfigDict(extra="forbid")

    type: Annotated[str, Field(min_length=1, max_length=40)]
    at: datetime | None = None
    source: Annotated[str | None, Field(max_length=200)] = None
    data: dict[str, Any] | None = None


@router.post(
    "/leads/{lead_id}/activities",
    status_code=201,
    summary="Record an activity (email_opened, link_clicked, ...): re-scores the lead and "
    "routes it when it leaves nurture",
    responses={404: {"description": "No such lead"}, 422: {"description": "Unknown activity"}},
)
def post_activity(
    lead_id: str,
    activity: LeadActivity,
    runtime: Runtime_,
    now: Now,
    who: Annotated[Principal, Depends(require(Role.ADMIN, Role.MANAGER, Role.INTAKE))],
) -> dict[str, Any]:
    return record_activity(
        runtime=runtime,
        lead_id=lead_id,
        kind=activity.type,
        caller=who,
        now=now,
        at=activity.at,
        source=activity.source,
        data=activity.data,
    )
