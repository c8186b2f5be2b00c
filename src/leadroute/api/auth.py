"""Who is calling: the Bearer API key, checked against the stored hashes; role checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from leadroute.api.throttle import Throttles
from leadroute.services.errors import Forbidden, Unauthorized
from leadroute.services.keys import verify_key
from leadroute.services.principals import Principal, Role
from leadroute.services.runtime import Runtime

_bearer = HTTPBearer(auto_error=False, description="An API key: `leadroute keys create`")

READERS = (Role.ADMIN, Role.MANAGER, Role.REP, Role.AUDITOR)
MANAGERS = (Role.ADMIN, Role.MANAGER)


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def now_of(request: Request) -> datetime:
    clock: Callable[[], datetime] = getattr(request.app.state, "clock", lambda: datetime.now(UTC))
    return clock()


def throttles_of(request: Request) -> Throttles:
    throttles: Throttles = request.app.state.throttles
    return throttles


def address_of(request: Request) -> str:
    """The client's address (behind a proxy, run uvicorn with --forwarded-allow-ips)."""
    return request.client.host if request.client is not None else "unknown"


def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The key's principal, within its rate limit. A call without a valid key counts against
    its client address instead, so guessing keys is rate limited too."""
    throttles = throttles_of(request)
    try:
        if credentials is None:
            raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
        runtime = runtime_of(request)
        with runtime.database.reading() as session:
            who = verify_key(session, credentials.credentials, now=now_of(request))
    except Unauthorized:
        throttles.callers.spend(f"address:{address_of(request)}")
        raise
    throttles.callers.spend(f"key:{who.key_id}")
    return who


def require(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets only these roles through (403 for the others)."""
    allowed = frozenset(roles)

    def check(who: Annotated[Principal, Depends(caller)]) -> Principal:
        if who.role not in allowed:
            names = ", ".join(sorted(role.value for role in allowed))
            raise Forbidden(f"the {who.role.value} role may not do this (needs {names})")
        return who

    return check


Runtime_ = Annotated[Runtime, Depends(runtime_of)]
Now = Annotated[datetime, Depends(now_of)]
