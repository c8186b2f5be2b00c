"""Pydantic's errors rewritten as routing-file problems: a path and a plain sentence."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from leadroute.domain.errors import Problem, join_path
from leadroute.rules.parsing import suggest


def problems_from(
    error: ValidationError, root: type[BaseModel], *, prefix: str = ""
) -> list[Problem]:
    """One Problem per pydantic error, paths starting at `prefix` (e.g. `reps[2]`)."""
    found = []
    for detail in error.errors(include_url=False):
        problem = _problem(detail, root)
        path = f"{prefix}{'.' if problem.path and not problem.path.startswith('[') else ''}"
        found.append(
            Problem(path=(path + problem.path) if prefix else problem.path, message=problem.message)
        )
    return found


def path_of(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path = join_path(path, part)
    return path


def _problem(detail: ErrorDetails, root: type[BaseModel]) -> Problem:
    loc = tuple(detail["loc"])
    kind, given = detail["type"], detail.get("input")
    path = path_of(loc)
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _allowed_keys(root, loc[:-1])
        return Problem(path=path, message=f"unknown key {key!r}{suggest(key, allowed)}")
    if kind == "missing":
        return Problem(path=path, message=f"missing required key {loc[-1]!r}")
    return Problem(path=path, message=_message(kind, given, detail))


def _message(kind: str, given: object, detail: ErrorDetails) -> str:
    ctx: dict[str, Any] = dict(detail.get("ctx") or {})
    shown = repr(given) if not isinstance(given, dict | list) else type(given).__name__
    if kind in ("greater_than_equal", "greater_than", "less_than", "less_than_equal"):
        if kind == "greater_than_equal" and ctx.get("ge") == 0:
            return f"must not be negative (got {shown})"
        bound = {"greater_than": "above", "greater_than_equal": "at least"}.get(kind, "below")
        limit = next(iter(ctx.values()), "?")
        return f"must be {bound} {limit} (got {shown})"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {shown}"
    if kind in ("float_type", "float_parsing"):
        return f"expected a number, got {shown}"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, got {shown}"
    if kind == "string_type":
        return f"expected a text, got {shown}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "list_type":
        return f"expected a list, got {shown}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping, got {shown}"
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", ""))
        options = tuple(o.strip(" '") for o in expected.replace(" or ", ",").split(","))
        return f"unknown value {shown}{suggest(str(given), options)} (expected {expected})"
    if kind in ("datetime_type", "datetime_parsing", "datetime_from_date_parsing"):
        return f"expected an ISO 8601 date-time, got {shown}"
    if kind == "value_error":
        return str(ctx.get("error", detail["msg"]))
    return str(detail["msg"])


def _allowed_keys(root: type[BaseModel], loc: tuple[int | str, ...]) -> tuple[str, ...]:
    """The field names of the model found at `loc` inside `root` (empty when not a model)."""
    current: object = root
    for part in loc:
        current = _step(current, part)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return tuple(current.model_fields)
    return ()


def _step(annotation: object, part: int | str) -> object:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return _unwrap(field.annotation) if field else None
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin is list and args:
        return _unwrap(args[0])
    if origin is dict and len(args) == 2:
        return _unwrap(args[1])
    return None


def _unwrap(annotation: object) -> object:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(members[0]) if len(members) == 1 else annotation
    return annotation
