"""Put the dashboard on the app: static assets, the pages, and errors as pages (the API under
/api keeps its JSON errors)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from leadroute.api.errors import error_headers, json_error, status_of, validation_problems
from leadroute.domain.errors import InvalidInput, LeadrouteError
from leadroute.services.errors import Forbidden, TooManyRequests
from leadroute.services.web_sessions import WebSession
from leadroute.web.pages import ROUTERS
from leadroute.web.render import page, redirect
from leadroute.web.session import SignInNeeded, StaleForm, login_url, visitor

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(LeadrouteError)
    async def on_error(request: Request, error: LeadrouteError) -> Response:
        if _is_api(request):
            return json_error(error)
        return _error_page(request, error)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, error: RequestValidationError) -> Response:
        problems = validation_problems(error)
        if _is_api(request):
            return JSONResponse({"error": "invalid input", "problems": problems}, status_code=422)
        text = "; ".join(f"{p['path']}: {p['message']}" for p in problems)
        return _error_page(request, InvalidInput([]), text=f"invalid input: {text}")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_page(request: Request, error: LeadrouteError, *, text: str | None = None) -> Response:
    message = text or (str(error).splitlines() or ["something went wrong"])[0]
    if isinstance(error, SignInNeeded):
        target = login_url(error.back_to)
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return redirect(target, None if error.back_to == "/" else str(error), kind="error")
    refused = isinstance(error, (Forbidden, TooManyRequests)) and not isinstance(error, StaleForm)
    if request.method == "POST" and not request.headers.get("hx-request") and not refused:
        # A mistake in a form: back to its page, the service's message on top. Posts the
        # caller may not make at all get their error page and status instead.
        return redirect(_back(request), message, kind="error")
    status = 422 if text else status_of(error)
    template = "fragments/problem.html" if request.headers.get("hx-request") else "error.html"
    answer = page(
        request, _signed_in(request), template, status_code=status, message=message, status=status
    )
    answer.headers.update(error_headers(error) or {})
    return answer


def _signed_in(request: Request) -> WebSession | None:
    """Who is looking at an error page, so it keeps their menu; None when nobody is."""
    try:
        return visitor(request)
    except LeadrouteError:
        return None


def _back(request: Request) -> str:
    """The page a refused form was posted from (this site only), to show the error on."""
    referer = urlparse(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path.startswith("/"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return "/"
