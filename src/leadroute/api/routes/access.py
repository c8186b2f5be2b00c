"""Who may call: API keys (made, listed, revoked) and intake sources that sign their requests.
Admins only; a secret is returned once, when it is made, and never again."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from leadroute.api.auth import Now, Runtime_, require
from leadroute.services.keys import issue_key, key_view, list_keys, revoke_key
from leadroute.services.principals import Principal, Role
from leadroute.services.sources import add_source, list_sources, remove_source

router = APIRouter(prefix="/api/v1", tags=["access"])

Admin = Annotated[Principal, Depends(require(Role.ADMIN))]


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    rep: str | None = Field(default=None, max_length=100, description="For a rep key: the rep")
    label: str = Field(default="", max_length=200)
    expires_in: str | None = Field(
        default=None, max_length=40, description="A lifetime such as 90d or 12h; none: no expiry"
    )


class SourceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=200, description="The `source` field value of its leads")
    secret: str | None = Field(
        default=None,
        max_length=200,
        description="HMAC-SHA256 key (16-200 characters); left out, one is made and returned once",
    )
    require_signature: bool = Field(
        default=True, description="Refuse unsigned posts naming this source"
    )


@router.get("/keys", summary="API keys: role, rep, label, state (never their secrets)")
def read_keys(runtime: Runtime_, now: Now, who: Admin) -> dict[str, Any]:
    with runtime.database.reading() as session:
        return {"keys": [key_view(key, now) for key in list_keys(session)]}


@router.post("/keys", status_code=201, summary="Make an API key; its secret is shown this once")
def post_key(body: KeyCreate, runtime: Runtime_, now: Now, who: Admin) -> dict[str, Any]:
    made = issue_key(
        runtime=runtime,
        role=body.role,
        rep_id=body.rep or None,
        label=body.label,
        expires_in=body.expires_in,
        caller=who,
        now=now,
    )
    return {"id": made.key_id, "role": made.role.value, "rep": made.rep_id, "key": made.secret}


@router.delete("/keys/{key_id}", status_code=204, summary="Revoke a key: it stops working at once")
def delete_key(key_id: str, runtime: Runtime_, now: Now, who: Admin) -> Response:
    with runtime.database.writing() as session:
        revoke_key(session, key_id, now=now, actor=who.actor)
    return Response(status_code=204)


@router.get("/sources", summary="Intake sources that sign their requests (never their secrets)")
def read_sources(runtime: Runtime_, who: Admin) -> dict[str, Any]:
    return list_sources(runtime=runtime)


@router.post("/sources", status_code=201, summary="Register a source whose intake posts are signed")
def post_source(body: SourceCreate, runtime: Runtime_, now: Now, who: Admin) -> dict[str, Any]:
    return add_source(
        runtime=runtime,
        name=body.name,
        secret=body.secret,
        require_signature=body.require_signature,
        caller=who,
        now=now,
    )


@router.delete("/sources/{name}", status_code=204, summary="Stop checking a source's signatures")
def delete_source(name: str, runtime: Runtime_, now: Now, who: Admin) -> Response:
    remove_source(runtime=runtime, name=name, caller=who, now=now)
    return Response(status_code=204)
