"""Read a routing file (YAML or JSON) and return a RoutingConfig or every problem with its path."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from pydantic import ValidationError

from leadroute.domain.errors import Problem, RoutingFileError, join_path
from leadroute.routing.config import RoutingConfig
from leadroute.routing_file.building import Builder
from leadroute.routing_file.messages import problems_from
from leadroute.routing_file.schema import RoutingFileSchema
from leadroute.rules import condition_problems


class _Loader(yaml.SafeLoader):
    """YAML that reads only true/false as booleans: `NO` (Norway) and `on` stay text."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load_routing_file(path: str | Path) -> RoutingConfig:
    """Read and check the file; raise RoutingFileError naming the file and every problem."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise RoutingFileError(
            [Problem(path="", message=f"cannot read: {error.strerror}")], source=source
        ) from None
    return parse_routing_text(text, source=source, is_json=source.endswith(".json"))


def parse_routing_text(
    text: str, *, source: str = "<routing>", is_json: bool = False
) -> RoutingConfig:
    raw = _read(text, source, is_json)
    if not isinstance(raw, dict):
        raise RoutingFileError(
            [
                Problem(
                    path="", message="expected a mapping at the top (timezone, reps, routing, ...)"
                )
            ],
            source=source,
        )
    try:
        doc = RoutingFileSchema.model_validate(raw)
    except ValidationError as error:
        problems = problems_from(error, RoutingFileSchema) + _condition_problems(raw)
        raise RoutingFileError(_in_file_order(_unique(problems), raw), source=source) from None
    builder = Builder(doc)
    config = builder.build()
    if config is None:
        problems = _unique(builder.problems + _condition_problems(raw))
        raise RoutingFileError(_in_file_order(problems, raw), source=source)
    return config


def read_routing_data(text: str, *, is_json: bool, source: str = "<routing>") -> object:
    """The routing text as plain data, YAML read in the routing file's dialect (only
    true/false are booleans, so `NO` stays Norway); RoutingFileError when it does not parse."""
    return _read(text, source, is_json)


# A routing file is a few levels deep, conditions a few more. Its readers and checkers recurse:
# past Python's recursion limit (about 1,000 levels) they would raise RecursionError.
MAX_DEPTH = 100
_TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep"


def _read(text: str, source: str, is_json: bool) -> object:
    try:
        raw = json.loads(text) if is_json else yaml.load(text, Loader=_Loader)
    except RecursionError:
        raise RoutingFileError([Problem(path="", message=_TOO_DEEP)], source=source) from None
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise RoutingFileError(
            [Problem(path="", message=f"{where}: invalid JSON: {error.msg}")], source=source
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise RoutingFileError(
            [Problem(path="", message=f"{where}invalid YAML: {problem}")], source=source
        ) from None
    deep = _deepest(raw)
    if deep is not None:
        raise RoutingFileError([Problem(path=deep, message=_TOO_DEEP)], source=source)
    return raw


def _deepest(raw: object) -> str | None:
    """The path of a value nested past MAX_DEPTH, or None (walked without recursion)."""
    stack: list[tuple[object, str, int]] = [(raw, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return path
        if isinstance(value, dict):
            stack.extend(
                (item, join_path(path, str(key)), depth + 1) for key, item in value.items()
            )
        elif isinstance(value, list):
            stack.extend((item, join_path(path, i), depth + 1) for i, item in enumerate(value))
    return None


def _condition_problems(raw: dict[object, object]) -> list[Problem]:
    """Problems inside `when:` conditions, found even when other parts of the file are broken."""
    found: list[Problem] = []
    rules = raw.get("routing")
    if isinstance(rules, list):
        for index, rule in enumerate(rules):
            if isinstance(rule, dict) and rule.get("when") is not None:
                found += condition_problems(rule["when"], join_path(f"routing[{index}]", "when"))
    scoring = raw.get("scoring")
    points = scoring.get("rules") if isinstance(scoring, dict) else None
    if isinstance(points, list):
        for index, rule in enumerate(points):
            if isinstance(rule, dict) and rule.get("when") is not None:
                found += condition_problems(rule["when"], f"scoring.rules[{index}].when")
    return found


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _in_file_order(problems: list[Problem], raw: dict[object, object]) -> list[Problem]:
    """Problems sorted by the position of their top-level section, then by item index."""
    sections = {str(key): index for index, key in enumerate(raw)}

    def position(problem: Problem) -> tuple[int, int]:
        head = re.split(r"[.\[]", problem.path, maxsplit=1)[0]
        item = re.match(r"^[^.\[]+\[(\d+)\]", problem.path)
        return (sections.get(head, -1), int(item.group(1)) if item else -1)

    return sorted(problems, key=position)
