"""Accounts (name, domains, owner) for `owner_of: account`: list, read, write, import, match."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from leadroute.api.auth import MANAGERS, READERS, Now, Runtime_, require
from leadroute.services.account_imports import decode_csv, import_accounts
from leadroute.services.accounts import (
    create_account,
    delete_account,
    get_account,
    list_accounts,
    match_for,
    match_view,
    update_account,
)
from leadroute.services.principals import Principal

# The largest offset a page may start at: past it the database's integer overflows (a 500).
MAX_OFFSET = 2**31 - 1

router = APIRouter(prefix="/api/v1", tags=["accounts"])

Reader = Annotated[Principal, Depends(require(*READERS))]
Writer = Annotated[Principal, Depends(require(*MANAGERS))]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such account"}}
_TAKEN: dict[int | str, dict[str, Any]] = {
    409: {"description": "The id, external_id or a domain belongs to another account"},
    422: {"description": "A bad field, a free-mail domain or an unknown owner rep"},
}


class AccountFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    domains: list[str] | None = Field(
        default=None, description="Web domains, e.g. acme.com (www. and addresses are cleaned)"
    )
    owner: str | None = Field(default=None, description="A rep id of the routing in force")
    external_id: Annotated[str, Field(max_length=200)] | None = None


class AccountCreate(AccountFields):
    id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^\S+$")] | None = None
    name: Annotated[str, Field(min_length=1, max_length=300)]


class AccountUpdate(AccountFields):
    """Fields to change; `owner` or `external_id` null clears them, `domains` replaces the list.
    `id` may be sent but not changed."""

    id: str | None = None


@router.get("/accounts", summary="Accounts by name; `q` searches names, domains, external ids")
def read_accounts(
    runtime: Runtime_,
    who: Reader,
    q: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    return list_accounts(runtime=runtime, search=q, limit=limit, offset=offset)


@router.get("/accounts/{account_id}", summary="One account", responses=_NOT_FOUND)
def read_account(account_id: str, runtime: Runtime_, who: Reader) -> dict[str, Any]:
    return get_account(runtime=runtime, account_id=account_id)


@router.post("/accounts", status_code=201, summary="Add an account", responses=_TAKEN)
def post_account(body: AccountCreate, runtime: Runtime_, now: Now, who: Writer) -> dict[str, Any]:
    entry = body.model_dump(exclude_none=True)
    return create_account(runtime=runtime, entry=entry, caller=who, now=now)


@router.patch(
    "/accounts/{account_id}", summary="Change an account", responses={**_NOT_FOUND, **_TAKEN}
)
def patch_account(
    account_id: str, body: AccountUpdate, runtime: Runtime_, now: Now, who: Writer
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    return update_account(
        runtime=runtime, account_id=account_id, changes=changes, caller=who, now=now
    )


@router.delete(
    "/accounts/{account_id}", status_code=204, summary="Delete an account", responses=_NOT_FOUND
)
def remove_account(account_id: str, runtime: Runtime_, now: Now, who: Writer) -> Response:
    delete_account(runtime=runtime, account_id=account_id, caller=who, now=now)
    return Response(status_code=204)


@router.post(
    "/accounts/import",
    summary="Import accounts from a CSV upload (columns name, domains, owner, external_id)",
)
def post_import(file: UploadFile, runtime: Runtime_, now: Now, who: Writer) -> dict[str, Any]:
    """Every row is stored or listed under `refused` with its line and why."""
    lines = decode_csv(file.file.read(), source=file.filename or "upload")
    summary = import_accounts(
        runtime=runtime,
        lines=lines,
        source=file.filename or "upload",
        caller=who,
        now=lambda: now,
    )
    return summary.as_dict()


@router.post("/accounts/match", summary="Which account a lead (its fields) would match")
def post_match(fields: dict[str, Any], runtime: Runtime_, who: Reader) -> dict[str, Any]:
    with runtime.database.reading() as session:
        return {"match": match_view(match_for(session, fields))}
