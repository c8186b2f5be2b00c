"""Who is looking at a page: the session cookie, checked on every request; CSRF tokens on
every form (a hidden `csrf` field, or the X-CSRF-Token header htmx sends)."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import quote, urlparse

from fastapi import Depends, Request
from fastapi.responses import Response

from leadroute.api.auth import now_of, runtime_of, throttles_of
from leadroute.services.errors import Forbidden, Unauthorized
from leadroute.services.principals import Role
from leadroute.services.web_sessions import LIFETIME, WebSession, current_session

SESSION_COOKIE = "lr_session"
LOGIN_CSRF_COOKIE = "lr_login_csrf"
CSRF_HEADER = "x-csrf-token"
MANAGER_ROLES = frozenset({Role.ADMIN, Role.MANAGER})
READER_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.AUDITOR})


class SignInNeeded(Unauthorized):
    """A page asked for without a live session: the browser goes to /login, then back."""

    def __init__(self, message: str, *, back_to: str) -> None:
        super().__init__(message)
        self.back_to = back_to


class StaleForm(Forbidden):
    """A form post without its session's token (a page open too long, or a forgery): the
    browser goes back to the page with the message, like any other refused form."""


def visitor(request: Request) -> WebSession:
    token = request.cookies.get(SESSION_COOKIE)
    back_to = _local_path(request)
    if not token:
        raise SignInNeeded("sign in to continue", back_to=back_to)
    runtime = runtime_of(request)
    try:
        with runtime.database.reading() as session:
            seen = current_session(session, token, now=now_of(request))
    except Unauthorized as error:
        raise SignInNeeded(str(error), back_to=back_to) from None
    throttles_of(request).callers.spend(f"session:{seen.principal.key_id}")
    return seen


Visitor = Annotated[WebSession, Depends(visitor)]


async def checked_visitor(request: Request, seen: Visitor) -> WebSession:
    """The visitor of a form post whose CSRF token matches the session's, from the same site."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlparse(origin).netloc != request.url.netloc:
        raise StaleForm(f"a form posted from another site ({origin}) is refused")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get("csrf")
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, seen.csrf):
        raise StaleForm("the form's security token is missing or stale: reload the page")
    return seen


Poster = Annotated[WebSession, Depends(checked_visitor)]


def manager(seen: Visitor) -> WebSession:
    if seen.principal.role not in MANAGER_ROLES:
        raise Forbidden("only managers and admins may open this page")
    return seen


def reader(seen: Visitor) -> WebSession:
    if seen.principal.role not in READER_ROLES:
        raise Forbidden("only managers, admins and auditors may open this page")
    return seen


async def managing_poster(seen: Poster) -> WebSession:
    return manager(seen)


Manager = Annotated[WebSession, Depends(manager)]
Reader = Annotated[WebSession, Depends(reader)]
ManagingPoster = Annotated[WebSession, Depends(managing_poster)]


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(LIFETIME.total_seconds()),
        httponly=True,
        secure=_secure(request),
        samesite="lax",
        path="/",
    )


def set_login_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        secure=_secure(request),
        samesite="strict",
        path="/login",
    )


def local_path(target: str | None) -> str | None:
    """`target` when it is a path on this site (no open redirect), else None."""
    path = (target or "").strip()
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return None


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only, else the start page."""
    return local_path(target) or "/"


def login_url(back_to: str) -> str:
    return "/login" if back_to == "/" else f"/login?next={quote(back_to, safe='/')}"


def _secure(request: Request) -> bool:
    secure: bool = request.app.state.settings.cookie_secure
    return secure


def _local_path(request: Request) -> str:
    path = request.url.path
    if request.method != "GET" or request.headers.get("hx-request"):
        return "/"
    return f"{path}?{request.url.query}" if request.url.query else path
