"""The routing file in the browser: read the version in force and older ones, check and save a
new one with every problem shown at its line, and test a lead against the routing without
side effects ("Test a lead")."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import Response

from leadroute.api.auth import Now, Runtime_
from leadroute.domain.errors import InvalidInput, Problem
from leadroute.normalize import normalize_lead
from leadroute.routing_file import read_routing_data
from leadroute.routing_file.locate import problem_line
from leadroute.services.errors import NotFound
from leadroute.services.leads import lead_choices
from leadroute.services.routing_admin import (
    check_routing,
    current_routing,
    preview_lead,
    replace_routing,
    routing_version,
    routing_versions,
)
from leadroute.services.runtime import Runtime
from leadroute.services.trace_view import trace_lines
from leadroute.services.web_sessions import WebSession
from leadroute.web.render import page, redirect
from leadroute.web.session import ManagingPoster, Poster, Reader, reader

MAX_VERSION = 2**31 - 1  # a version number is a 32-bit key on PostgreSQL
VersionQuery = Annotated[int | None, Query(ge=1, le=MAX_VERSION)]
VersionPath = Annotated[int, Path(ge=1, le=MAX_VERSION)]

router = APIRouter(include_in_schema=False)

LEAD_FIELDS = ("name", "email", "company", "country", "region", "source", "phone")
"""The lead fields the preview form asks for one by one; others go in `extra`."""
HISTORY = 50
Text = Annotated[str, Form()]


async def _reading_poster(seen: Poster) -> WebSession:
    return reader(seen)


ReadingPoster = Annotated[WebSession, Depends(_reading_poster)]


@dataclass(frozen=True, kw_only=True, slots=True)
class Located:
    """A problem of the text with the line it is about (None: the whole file)."""

    line: int | None
    path: str
    message: str


def located(text: str, problems: list[Problem]) -> list[Located]:
    return [
        Located(line=problem_line(text, problem), path=problem.path, message=problem.message)
        for problem in problems
    ]


@router.get("/routing")
def editor(
    request: Request, runtime: Runtime_, seen: Reader, load: VersionQuery = None
) -> Response:
    """The version in force in the editor (or, with `?load=N`, version N's text to edit)."""
    loaded = routing_version(runtime=runtime, version=load) if load is not None else None
    return _editor(
        request, runtime, seen, text=None if loaded is None else loaded["text"], loaded=loaded
    )


@router.post("/routing/check")
def check(
    request: Request, runtime: Runtime_, seen: ManagingPoster, text: Text = "", comment: Text = ""
) -> Response:
    """Check the text without saving: the problems fragment (htmx) or the editor again."""
    text = _plain(text)
    problems = located(text, check_routing(text=text, is_json=_looks_like_json(text)))
    if request.headers.get("hx-request"):
        return page(
            request,
            seen,
            "fragments/routing_problems.html",
            problems=problems,
            checked=True,
            error_lines=_lines(problems),
        )
    return _editor(
        request,
        runtime,
        seen,
        text=text,
        comment=comment,
        problems=problems,
        checked=True,
        status_code=422 if problems else 200,
    )


@router.post("/routing")
def save(
    request: Request,
    runtime: Runtime_,
    now: Now,
    seen: ManagingPoster,
    text: Text = "",
    comment: Text = "",
) -> Response:
    """Store the text as a new version in force; refused, the editor keeps the text and shows
    every problem at its line (422)."""
    text = _plain(text)
    before = _in_force(runtime)
    try:
        stored = replace_routing(
            runtime=runtime,
            text=text,
            is_json=_looks_like_json(text),
            caller=seen.principal,
            now=now,
            comment=comment.strip(),
        )
    except InvalidInput as error:
        return _editor(
            request,
            runtime,
            seen,
            text=text,
            comment=comment,
            problems=located(text, error.problems),
            status_code=422,
        )
    if before is not None and stored["version"] == before["version"]:
        return redirect("/routing", f"no change: version {stored['version']} is still in force")
    return redirect("/routing", f"version {stored['version']} stored and in force")


@router.get("/routing/versions/{version}")
def version_page(
    request: Request, runtime: Runtime_, seen: Reader, version: VersionPath
) -> Response:
    shown = routing_version(runtime=runtime, version=version)
    in_force = _in_force(runtime)
    return page(
        request,
        seen,
        "routing_version.html",
        shown=shown,
        lines=shown["text"].splitlines(),
        in_force=in_force is not None and in_force["version"] == version,
    )


@router.get("/routing/preview")
def preview_form(request: Request, seen: Reader) -> Response:
    return page(request, seen, "preview.html", form={}, result=None, problems={}, notes={})


@router.post("/routing/preview")
def preview(
    request: Request,
    runtime: Runtime_,
    now: Now,
    seen: ReadingPoster,
    name: Text = "",
    email: Text = "",
    company: Text = "",
    country: Text = "",
    region: Text = "",
    source: Text = "",
    phone: Text = "",
    extra: Text = "",
    version: Text = "",
) -> Response:
    """Route the lead of the form as intake would now, storing nothing."""
    given = dict(
        zip(LEAD_FIELDS, (name, email, company, country, region, source, phone), strict=True)
    )
    form = {**given, "extra": extra, "version": version}
    payload, refused = lead_payload(given, extra)
    number = _version_number(version, refused)
    result = None
    if not refused:
        try:
            result = preview_lead(runtime=runtime, payload=payload, now=now, version=number)
        except InvalidInput as error:
            refused += error.problems
        except NotFound as error:
            refused.append(Problem(path="version", message=str(error)))
    problems = _by_field(refused)
    notes = _by_field([_issue(text) for text in result["issues"]] if result else [])
    htmx = bool(request.headers.get("hx-request"))
    template = "fragments/preview_area.html" if htmx else "preview.html"
    status = 422 if problems and not htmx else 200
    return page(
        request,
        seen,
        template,
        status_code=status,
        form=form,
        result=result,
        problems=problems,
        notes=notes,
        steps=trace_lines(result["trace"], rule=result["rule"]) if result else (),
        rep_names=_rep_names(runtime) if result else {},
    )


def _rep_names(runtime: Runtime) -> dict[str, str]:
    return {rep["id"]: rep["name"] for rep in lead_choices(runtime=runtime)["reps"]}


def lead_payload(given: dict[str, str], extra: str) -> tuple[dict[str, object], list[Problem]]:
    """The lead of the form: its fields, then the extra ones (`key: value` lines, or a JSON
    object); problems (those intake would refuse the lead for too) name their form field."""
    payload: dict[str, object] = {key: value for key, value in given.items() if value.strip()}
    extras, problems = _extra_fields(extra)
    for key, value in extras.items():
        if key in payload:
            problems.append(Problem(path="extra", message=f"{key!r} is already given above"))
        else:
            payload[key] = value
    try:  # what intake would refuse, said with the form's own problems
        normalize_lead(payload)
    except InvalidInput as error:
        problems += error.problems
    return payload, problems


def _extra_fields(text: str) -> tuple[dict[str, object], list[Problem]]:
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            return {}, [Problem(path="extra", message=f"not a valid JSON object: {error}")]
        if not isinstance(data, dict):
            return {}, [Problem(path="extra", message="expected a JSON object")]
        return data, []
    fields: dict[str, object] = {}
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, colon, value = line.partition(":")
        if not colon or not key.strip():
            message = f"line {number}: expected `key: value`, got {line.strip()!r}"
            problems.append(Problem(path="extra", message=message))
            continue
        fields[key.strip()] = _value(value.strip())
    return fields, problems


def _value(text: str) -> object:
    """A value as the routing file would read it (numbers, lists, true/false; `NO` stays
    text); anything else, dates included, as written."""
    try:
        value = read_routing_data(text, is_json=False)
    except InvalidInput:
        return text
    if isinstance(value, float) and not math.isfinite(value):
        return text
    if value is None or isinstance(value, date | datetime | dict):
        return text or None
    return value


def _version_number(text: str, problems: list[Problem]) -> int | None:
    if not text.strip():
        return None
    if text.strip().isdigit() and len(text.strip()) <= 10 and 1 <= int(text) <= MAX_VERSION:
        return int(text)
    problems.append(Problem(path="version", message=f"{text!r} is not a version number"))
    return None


def _issue(text: str) -> Problem:
    field, _, message = text.partition(": ")
    return Problem(path=field, message=message)


def _by_field(problems: list[Problem]) -> dict[str, list[str]]:
    """Messages by form field; a problem about another field (or the whole lead) under `""`."""
    known = {*LEAD_FIELDS, "extra", "version"}
    found: dict[str, list[str]] = {}
    for problem in problems:
        field = problem.path if problem.path in known else ""
        shown = problem.message if field or not problem.path else str(problem)
        found.setdefault(field, []).append(shown)
    return found


def _editor(
    request: Request,
    runtime: Runtime,
    seen: WebSession,
    *,
    text: str | None,
    comment: str = "",
    problems: list[Located] | None = None,
    checked: bool = False,
    loaded: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    in_force = _in_force(runtime)
    shown = text if text is not None else (in_force["text"] if in_force else "")
    problems = problems or []
    return page(
        request,
        seen,
        "routing.html",
        status_code=status_code,
        in_force=in_force,
        text=shown,
        comment=comment,
        problems=problems,
        checked=checked,
        error_lines=_lines(problems),
        loaded=loaded,
        history=routing_versions(runtime=runtime, limit=HISTORY),
    )


def _in_force(runtime: Runtime) -> dict[str, Any] | None:
    try:
        return current_routing(runtime=runtime)
    except NotFound:
        return None


def _lines(problems: list[Located]) -> str:
    return ",".join(str(line) for line in sorted({p.line for p in problems if p.line}))


def _plain(text: str) -> str:
    """The text as a file holds it: browsers send a textarea's lines ended by CR LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _looks_like_json(text: str) -> bool:
    """Text that starts with `{` is read (and stored) as JSON; anything else as YAML."""
    return text.lstrip().startswith("{")
