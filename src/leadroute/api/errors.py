"""One table from error types to HTTP statuses; every error body is JSON naming the problem."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from leadroute.domain.errors import InvalidInput, LeadrouteError
from leadroute.services.errors import Conflict, Forbidden, NotFound, Unauthorized

STATUS: dict[type[LeadrouteError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    Forbidden: 403,
    Unauthorized: 401,
}


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


def json_error(error: LeadrouteError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthorized) else None
    return JSONResponse(error_body(error), status_code=status_of(error), headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(LeadrouteError)
    async def on_error(request: Request, error: LeadrouteError) -> JSONResponse:
        return json_error(error)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = validation_problems(error)
        return JSONResponse({"error": "invalid input", "problems": problems}, status_code=422)


def validation_problems(error: RequestValidationError) -> list[dict[str, str]]:
    return [
        {
            "path": ".".join(str(part) for part in item["loc"] if part != "body"),
            "message": item["msg"],
        }
        for item in error.errors()
    ]
