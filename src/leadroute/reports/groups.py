"""How reports group leads: the grouping keys, reading `by=rep,source` and the group(s) a lead
falls in for each key.

A lead falls in one group per key, except `team` (one per team of its owner) and a field whose
value is a list (one per item): with several keys, it falls in every combination.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import tzinfo
from itertools import product

from leadroute.domain.errors import InvalidInput, Problem
from leadroute.domain.leads import STANDARD_FIELDS
from leadroute.domain.reps import Rep
from leadroute.reports.facts import LeadFact
from leadroute.rules.parsing import suggest

NONE = "(none)"
NO_TEAM = "(no team)"
FIELD_PREFIX = "field:"
SEPARATOR = " · "
GROUPINGS = ("rep", "team", "source", "rule", "version", "arm", "day", "week", "month")
"""The named groupings; any other name (or `field:NAME`) groups by that lead field."""

Key = tuple[str, ...]


def parse_by(text: str, *, fields: Collection[str] = ()) -> tuple[str, ...]:
    """The grouping keys of `by` ("rep", "rep,source", "field:segment"), each once, in order.

    A bare name is a named grouping, a standard lead field or one of `fields` (the fields the
    leads measured have); `field:NAME` is always a field. InvalidInput (path `by`) otherwise,
    with the closest name.
    """
    keys: list[str] = []
    problems: list[Problem] = []
    for raw in text.split(","):
        name = raw.strip()
        if not name:
            problems.append(Problem(path="by", message=f"empty grouping in {text!r}"))
            continue
        if name.startswith(FIELD_PREFIX):
            if not name[len(FIELD_PREFIX) :].strip():
                problems.append(Problem(path="by", message=f"{name!r}: name the field"))
                continue
            key = FIELD_PREFIX + name[len(FIELD_PREFIX) :].strip()
        elif name in GROUPINGS:
            key = name
        elif name in STANDARD_FIELDS or name in fields:
            key = FIELD_PREFIX + name
        else:
            hint = suggest(name, GROUPINGS) or suggest(name, (*STANDARD_FIELDS, *sorted(fields)))
            message = f"unknown grouping {name!r}{hint}; groupings: {', '.join(GROUPINGS)}"
            problems.append(Problem(path="by", message=f"{message}, or field:NAME"))
            continue
        if key not in keys:
            keys.append(key)
    if problems:
        raise InvalidInput(problems)
    return tuple(keys)


def label_of(key: str) -> str:
    """The name a key goes by in a row's `keys` ("rep", "segment" for field:segment)."""
    return key[len(FIELD_PREFIX) :] if key.startswith(FIELD_PREFIX) else key


def value_text(value: object) -> str:
    """A field value as a group name: "(none)" when missing or empty, true/false, 3 not 3.0."""
    if value is None or value == "":
        return NONE
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def _field_values(name: str) -> Callable[[LeadFact], tuple[str, ...]]:
    def read(fact: LeadFact) -> tuple[str, ...]:
        value = fact.fields.get(name)
        if isinstance(value, list | tuple):
            texts = tuple(dict.fromkeys(value_text(item) for item in value))
            return texts or (NONE,)
        return (value_text(value),)

    return read


def reader(
    key: str, *, timezone: tzinfo, reps: Mapping[str, Rep]
) -> Callable[[LeadFact], tuple[str, ...]]:
    """The function that gives a lead's group(s) for one key."""

    def rep(fact: LeadFact) -> tuple[str, ...]:
        return (fact.owner or NONE,)

    def team(fact: LeadFact) -> tuple[str, ...]:
        if fact.owner is None:
            return (NONE,)
        owner = reps.get(fact.owner)
        return tuple(sorted(owner.teams)) if owner is not None and owner.teams else (NO_TEAM,)

    def arm(fact: LeadFact) -> tuple[str, ...]:
        if fact.experiment is None:
            return (NONE,)
        return (f"{fact.experiment}:{fact.arm or NONE}",)

    def when(pattern: str) -> Callable[[LeadFact], tuple[str, ...]]:
        return lambda fact: (fact.received_at.astimezone(timezone).strftime(pattern),)

    named: dict[str, Callable[[LeadFact], tuple[str, ...]]] = {
        "rep": rep,
        "team": team,
        "source": lambda fact: (fact.source or NONE,),
        "rule": lambda fact: (fact.rule or NONE,),
        "version": lambda fact: (
            NONE if fact.routing_version is None else str(fact.routing_version),
        ),
        "arm": arm,
        "day": when("%Y-%m-%d"),
        "week": when("%G-W%V"),
        "month": when("%Y-%m"),
    }
    if key in named:
        return named[key]
    return _field_values(label_of(key))


def keys_of(
    facts: Iterable[LeadFact], by: tuple[str, ...], *, timezone: tzinfo, reps: Mapping[str, Rep]
) -> list[tuple[LeadFact, list[Key]]]:
    """Each lead with the group keys (one value per grouping key) it falls in."""
    readers = [reader(key, timezone=timezone, reps=reps) for key in by]
    return [(fact, list(product(*(read(fact) for read in readers)))) for fact in facts]


def sort_key(key: Key) -> tuple[tuple[int, float, str], ...]:
    """Groups in a natural order: numbers by value, names alphabetically, "(none)" last."""
    parts: list[tuple[int, float, str]] = []
    for part in key:
        if part in (NONE, NO_TEAM):
            parts.append((2, 0.0, part))
            continue
        try:
            number = float(part)
        except ValueError:
            parts.append((1, 0.0, part.casefold()))
        else:
            parts.append((0, number, part) if math.isfinite(number) else (1, 0.0, part))
    return tuple(parts)
