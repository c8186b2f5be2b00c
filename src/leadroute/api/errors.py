"""One table from error types to HTTP statuses; every error body is JSON naming the problem."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException

from leadroute.domain.errors import InvalidInput, LeadrouteError
from leadroute.services.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
)

STATUS: dict[type[LeadrouteError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    Forbidden: 403,
    Unauthorized: 401,
    TooManyRequests: 429,
}


class ProblemBody(BaseModel):
    path: str
    message: str


class ErrorBody(BaseModel):
    """Every refusal: what went wrong, each problem of an invalid input with its path, and for
    a conflict what it conflicts with (the lead's id, its owner, ...)."""

    model_config = ConfigDict(extra="allow")

    error: str
    problems: list[ProblemBody] | None = None


def _documented(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


ERRORS: dict[int | str, dict[str, Any]] = {
    401: _documented("No API key, or one that is unknown, revoked or expired"),
    403: _documented("The key's role (or rep) may not do this"),
    404: _documented("No such lead, rep, pool, account, version, ... (or not yours to see)"),
    409: _documented("Conflicts with what is stored (names what)"),
    413: _documented("The body is larger than LEADROUTE_MAX_BODY_BYTES"),
    415: _documented("The content type is not one this call takes"),
    422: _documented("Invalid input: every problem with its path"),
    429: _documented("Over the rate limit; Retry-After says when to try again"),
}
"""The refusals any API call may answer with, in the OpenAPI schema of every operation."""


def status_of(error: LeadrouteError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def error_body(error: LeadrouteError) -> dict[str, object]:
    body: dict[str, object] = {
        "error": str(error).splitlines()[0] if str(error) else type(error).__name__
    }
    if isinstance(error, InvalidInput):
        body["error"] = "invalid input"
        body["problems"] = [{"path": p.path, "message": p.message} for p in error.problems]
    if isinstance(error, Conflict):
        body.update(error.details)
    return body


def error_headers(error: LeadrouteError) -> dict[str, str] | None:
    if isinstance(error, Unauthorized):
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(error, TooManyRequests):
        return {"Retry-After": str(error.retry_after)}
    return None


def json_error(error: LeadrouteError) -> JSONResponse:
    return JSONResponse(
        error_body(error), status_code=status_of(error), headers=error_headers(error)
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(LeadrouteError)
    async def on_error(request: Request, error: LeadrouteError) -> JSONResponse:
        return json_error(error)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = validation_problems(error)
        return JSONResponse({"error": "invalid input", "problems": problems}, status_code=422)

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, error: HTTPException) -> JSONResponse:
        # FastAPI answers a body it cannot decode (not UTF-8) with a bare 400; it is invalid
        # input like any other. Other statuses (404 and 405 for unknown routes) keep theirs.
        if error.status_code == 400:
            problem = {"path": "(body)", "message": f"cannot read the body: {error.detail}"}
            return JSONResponse({"error": "invalid input", "problems": [problem]}, 422)
        return JSONResponse(
            {"error": str(error.detail)}, status_code=error.status_code, headers=error.headers
        )


def validation_problems(error: RequestValidationError) -> list[dict[str, str]]:
    return [
        {
            "path": ".".join(str(part) for part in item["loc"] if part != "body"),
            "message": item["msg"],
        }
        for item in error.errors()
    ]
