"""The roster (reps of the routing file in force, with their state now) and availability."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from leadroute.api.auth import MANAGERS, READERS, Now, Runtime_, require
from leadroute.domain.reps import Availability
from leadroute.services.principals import Principal, Role
from leadroute.services.reps import add_rep, get_rep, list_reps, set_availability, update_rep

router = APIRouter(prefix="/api/v1", tags=["reps"])

Reader = Annotated[Principal, Depends(require(*READERS))]
Writer = Annotated[Principal, Depends(require(*MANAGERS))]
Setter = Annotated[Principal, Depends(require(*MANAGERS, Role.REP))]
Count = Annotated[int, Field(ge=0)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CapsIn(Strict):
    hour: Count | None = None
    day: Count | None = None
    week: Count | None = None
    month: Count | None = None
    open: Count | None = None


class RepFields(Strict):
    """A rep's settings as the routing file writes them (DESIGN §3); the file check decides
    what is valid (zones, hours, territories), with paths such as `reps[9].timezone`."""

    name: str | None = None
    email: str | None = None
    teams: list[str] | None = None
    skills: list[str] | None = None
    territories: list[str] | None = None
    weight: Annotated[int | float | None, Field(ge=0)] = None
    caps: CapsIn | None = None
    hours: str | None = None
    timezone: str | None = None
    holidays: Any = None
    status: Literal["available", "away", "offline"] | None = None
    away_until: datetime | None = None


class RepCreate(RepFields):
    id: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^\S+$")]


class RepUpdate(RepFields):
    """Keys to change; null removes a key (back to its default), mappings such as `caps`
    merge key by key. `id` may be sent but not changed."""

    id: str | None = None


class AvailabilityIn(Strict):
    status: Availability
    until: AwareDatetime | None = None


@router.get("/reps", summary="The roster with availability, open load and today's count")
def read_reps(runtime: Runtime_, now: Now, who: Reader) -> dict[str, Any]:
    return list_reps(runtime=runtime, caller=who, now=now)


@router.get("/reps/{rep_id}", summary="One rep with availability, open load and today's count")
def read_rep(rep_id: str, runtime: Runtime_, now: Now, who: Reader) -> dict[str, Any]:
    return get_rep(runtime=runtime, rep_id=rep_id, caller=who, now=now)


@router.post(
    "/reps",
    status_code=201,
    summary="Add a rep to the routing file (stored as a new version)",
    responses={409: {"description": "A rep with this id exists"}},
)
def post_rep(body: RepCreate, runtime: Runtime_, now: Now, who: Writer) -> dict[str, Any]:
    entry = body.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    entry = {"id": entry.pop("id"), **entry}
    return add_rep(runtime=runtime, entry=entry, caller=who, now=now)


@router.patch(
    "/reps/{rep_id}",
    summary="Change a rep in the routing file (stored as a new version)",
    responses={404: {"description": "No such rep"}},
)
def patch_rep(
    rep_id: str, body: RepUpdate, runtime: Runtime_, now: Now, who: Writer
) -> dict[str, Any]:
    changes = body.model_dump(mode="json", exclude_unset=True)
    return update_rep(runtime=runtime, rep_id=rep_id, changes=changes, caller=who, now=now)


@router.put(
    "/reps/{rep_id}/availability",
    summary="Set a rep available, away or offline (optionally until a time)",
    responses={403: {"description": "A rep key for another rep"}, 404: {"description": "No rep"}},
)
def put_availability(
    rep_id: str, body: AvailabilityIn, runtime: Runtime_, now: Now, who: Setter
) -> dict[str, Any]:
    return set_availability(
        runtime=runtime,
        rep_id=rep_id,
        status=body.status,
        until=body.until,
        caller=who,
        now=now,
    )
