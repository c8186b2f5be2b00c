"""Signing in (a username and password, or an API key) and signing out."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from leadroute.api.auth import Now, Runtime_, address_of, throttles_of
from leadroute.services.errors import TooManyRequests, Unauthorized
from leadroute.services.web_sessions import (
    current_session,
    sign_in_with_key,
    sign_in_with_password,
    sign_out,
)
from leadroute.web.render import page, redirect
from leadroute.web.session import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Poster,
    safe_next,
    set_login_cookie,
    set_session_cookie,
)

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=2000)]


@router.get("/login")
def login_page(request: Request, runtime: Runtime_, now: Now, next: str = "/") -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            with runtime.database.reading() as session:
                current_session(session, token, now=now)
            return redirect(safe_next(next))
        except Unauthorized:
            pass
    return _login_form(request, next=safe_next(next))


@router.post("/login")
def login(
    request: Request,
    runtime: Runtime_,
    now: Now,
    csrf: Text = "",
    username: Text = "",
    password: Text = "",
    key: Text = "",
    next: Text = "/",
) -> Response:
    try:
        throttles_of(request).sign_ins.spend(f"address:{address_of(request)}")
    except TooManyRequests as error:
        response = _login_form(request, next=safe_next(next), error=str(error), status=429)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(csrf, expected):
        return _login_form(
            request, next=safe_next(next), error="the sign-in form expired: try again"
        )
    if not key and not (username and password):
        return _login_form(
            request,
            next=safe_next(next),
            error="enter your username and password, or an API key",
            username=username,
        )
    try:
        with runtime.database.writing() as session:
            if key:
                opened = sign_in_with_key(session, key=key, now=now)
            else:
                opened = sign_in_with_password(
                    session, username=username, password=password, now=now
                )
    except Unauthorized as error:
        return _login_form(request, next=safe_next(next), error=str(error), username=username)
    response = redirect(safe_next(next))
    set_session_cookie(response, request, opened.token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, runtime: Runtime_, now: Now, seen: Poster) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    with runtime.database.writing() as session:
        sign_out(session, token, now=now)
    response = redirect("/login", "signed out")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _login_form(
    request: Request,
    *,
    next: str,
    error: str | None = None,
    username: str = "",
    status: int = 401,
) -> Response:
    token = secrets.token_urlsafe(32)
    response = page(
        request,
        None,
        "login.html",
        status_code=status if error else 200,
        login_csrf=token,
        next=next,
        error=error,
        username=username,
    )
    set_login_cookie(response, request, token)
    return response
