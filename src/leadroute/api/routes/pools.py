"""Pull: pools with their queues, claiming (cherry-pick or blind pull), offers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from leadroute.api.auth import READERS, Now, Runtime_, require
from leadroute.services.offers import accept_offer, decline_offer
from leadroute.services.pools import claim_lead, claim_next, get_pool, list_pools
from leadroute.services.principals import Principal, Role

router = APIRouter(prefix="/api/v1", tags=["pools"])

ACTORS = (Role.ADMIN, Role.MANAGER, Role.REP)

_CLAIM_REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "A rep key claiming for another rep, or a role that may not claim"},
    404: {"description": "No such lead or pool (or not one you may see)"},
    409: {"description": "Someone holds the lead already, or the rep may not claim now (why)"},
}


class Claim(BaseModel):
    """Who claims: a rep key claims for its own rep; a manager names the rep."""

    model_config = ConfigDict(extra="forbid")

    rep: Annotated[str | None, Field(min_length=1, max_length=100)] = None


class Decline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str | None, Field(max_length=1000)] = None


@router.get("/pools", summary="Pools you may see: settings, how many wait, oldest, overdue")
def read_pools(
    runtime: Runtime_, now: Now, who: Annotated[Principal, Depends(require(*READERS))]
) -> dict[str, Any]:
    return list_pools(runtime=runtime, caller=who, now=now)


@router.get(
    "/pools/{pool}",
    summary="One pool and its waiting leads in claim order (only the count when blind)",
    responses={404: {"description": "No such pool (or not one of yours)"}},
)
def read_pool(
    pool: str,
    runtime: Runtime_,
    now: Now,
    who: Annotated[Principal, Depends(require(*READERS))],
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    return get_pool(runtime=runtime, pool_name=pool, caller=who, now=now, limit=limit)


@router.post(
    "/pools/{pool}/claim",
    summary="Blind pull: claim the next lead in the pool's order (204 when empty)",
    responses={204: {"description": "The pool is empty"}, **_CLAIM_REFUSALS},
)
async def post_pool_claim(
    pool: str,
    runtime: Runtime_,
    now: Now,
    who: Annotated[Principal, Depends(require(*ACTORS))],
    claim: Claim | None = None,
) -> Response:
    lead = await run_in_threadpool(
        claim_next,
        runtime=runtime,
        pool_name=pool,
        caller=who,
        now=now,
        rep_id=claim.rep if claim else None,
    )
    if lead is None:
        return Response(status_code=204)
    return JSONResponse(lead)


@router.post(
    "/leads/{lead_id}/claim",
    summary="Cherry-pick: claim this pooled lead (409 naming the owner if taken)",
    responses=_CLAIM_REFUSALS,
)
def post_lead_claim(
    lead_id: str,
    runtime: Runtime_,
    now: Now,
    who: Annotated[Principal, Depends(require(*ACTORS))],
    claim: Claim | None = None,
) -> dict[str, Any]:
    return claim_lead(
        runtime=runtime, lead_id=lead_id, caller=who, now=now, rep_id=claim.rep if claim else None
    )


@router.post(
    "/leads/{lead_id}/accept",
    summary="Accept a lead offered to you",
    responses={409: {"description": "The lead is not offered (any more)"}},
)
def post_accept(
    lead_id: str, runtime: Runtime_, now: Now, who: Annotated[Principal, Depends(require(*ACTORS))]
) -> dict[str, Any]:
    return accept_offer(runtime=runtime, lead_id=lead_id, caller=who, now=now)


@router.post(
    "/leads/{lead_id}/decline",
    summary="Decline a lead offered to you: it is offered to the next rep",
    responses={409: {"description": "The lead is not offered (any more)"}},
)
def post_decline(
    lead_id: str,
    runtime: Runtime_,
    now: Now,
    who: Annotated[Principal, Depends(require(*ACTORS))],
    decline: Decline | None = None,
) -> dict[str, Any]:
    return decline_offer(
        runtime=runtime,
        lead_id=lead_id,
        caller=who,
        now=now,
        reason=decline.reason if decline else None,
    )
