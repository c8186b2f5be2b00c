"""The outbox: deliveries of notices and webhook events, the failed ones re-sendable."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from leadroute.api.auth import MANAGERS, Now, Runtime_, require
from leadroute.domain.deliveries import DeliveryStatus
from leadroute.services.deliveries import deliveries, get_delivery, resend_delivery
from leadroute.services.principals import Principal, Role

# The largest offset a page may start at: past it the database's integer overflows (a 500).
MAX_OFFSET = 2**31 - 1

router = APIRouter(prefix="/api/v1", tags=["deliveries"])

Reader = Annotated[Principal, Depends(require(Role.ADMIN, Role.MANAGER, Role.AUDITOR))]
Writer = Annotated[Principal, Depends(require(*MANAGERS))]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such delivery"}}


@router.get("/deliveries", summary="Deliveries, newest first; status=failed lists dead letters")
def read_deliveries(
    runtime: Runtime_,
    who: Reader,
    status: DeliveryStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    return deliveries(runtime=runtime, status=status, limit=limit, offset=offset)


@router.get(
    "/deliveries/{delivery_id}", summary="One delivery and what it sends", responses=_NOT_FOUND
)
def read_delivery(delivery_id: str, runtime: Runtime_, who: Reader) -> dict[str, Any]:
    return get_delivery(runtime=runtime, delivery_id=delivery_id)


@router.post(
    "/deliveries/{delivery_id}/resend",
    summary="Send a failed delivery again (same id)",
    responses={**_NOT_FOUND, 409: {"description": "The delivery has not failed"}},
)
def post_resend(delivery_id: str, runtime: Runtime_, now: Now, who: Writer) -> dict[str, Any]:
    return resend_delivery(runtime=runtime, delivery_id=delivery_id, caller=who, now=now)
