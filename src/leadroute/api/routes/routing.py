"""The routing file: read the version in force and older ones, replace it, preview a decision."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from leadroute.api.auth import MANAGERS, Now, Runtime_, require
from leadroute.domain.errors import InvalidInput, Problem
from leadroute.services.principals import Principal, Role
from leadroute.services.routing_admin import (
    current_routing,
    preview_lead,
    replace_routing,
    routing_version,
    routing_versions,
)

# The largest offset a page may start at: past it the database's integer overflows (a 500).
MAX_OFFSET = 2**31 - 1
# Version numbers are a 32-bit INTEGER key on PostgreSQL: a larger one would overflow (a 500).
MAX_VERSION = 2**31 - 1
Version = Annotated[int, Path(ge=1, le=MAX_VERSION)]

router = APIRouter(prefix="/api/v1", tags=["routing"])

# No content type at all is read as YAML too (JSON is YAML); forms and the like are refused.
YAML_TYPES = (
    "application/yaml",
    "application/x-yaml",
    "text/yaml",
    "text/x-yaml",
    "text/plain",
    "",
)
Reader = Annotated[Principal, Depends(require(Role.ADMIN, Role.MANAGER, Role.AUDITOR))]
Writer = Annotated[Principal, Depends(require(*MANAGERS))]


@router.get("/routing", summary="The routing file in force, with its version")
def read_routing(runtime: Runtime_, who: Reader) -> dict[str, Any]:
    return current_routing(runtime=runtime)


@router.get("/routing/versions", summary="Stored versions of the routing file, newest first")
def read_versions(
    runtime: Runtime_,
    who: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    return routing_versions(runtime=runtime, limit=limit, offset=offset)


@router.get("/routing/versions/{version}", summary="One stored version of the routing file")
def read_version(version: Version, runtime: Runtime_, who: Reader) -> dict[str, Any]:
    return routing_version(runtime=runtime, version=version)


@router.put(
    "/routing",
    summary="Replace the routing file (YAML or JSON body); stored as a new version",
    responses={422: {"description": "The file is not valid: every problem with its path"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
async def put_routing(
    request: Request,
    runtime: Runtime_,
    now: Now,
    who: Writer,
    comment: Annotated[str | None, Query(max_length=400)] = None,
    comment_header: Annotated[str | None, Header(alias="comment", max_length=400)] = None,
) -> dict[str, Any]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    is_json = kind == "application/json" or kind.endswith("+json")
    if not is_json and kind not in YAML_TYPES:
        raise InvalidInput(
            [
                Problem(
                    path="(body)",
                    message=f"unsupported content type {kind!r}: send application/yaml "
                    "or application/json",
                )
            ]
        )
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput([Problem(path="(body)", message="not UTF-8 text")]) from None
    return await run_in_threadpool(
        replace_routing,
        runtime=runtime,
        text=text,
        is_json=is_json,
        caller=who,
        now=now,
        comment=comment or comment_header or "",
    )


@router.post(
    "/routing/preview",
    summary="Route a lead without side effects: the decision intake would make now",
    responses={404: {"description": "No such routing version"}},
)
async def post_preview(
    request: Request,
    runtime: Runtime_,
    now: Now,
    who: Reader,
    version: Annotated[int | None, Query(ge=1, le=MAX_VERSION)] = None,
) -> dict[str, Any]:
    try:
        payload = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput([Problem(path="(body)", message=f"not valid JSON: {error}")]) from None
    return await run_in_threadpool(
        preview_lead, runtime=runtime, payload=payload, now=now, version=version
    )
