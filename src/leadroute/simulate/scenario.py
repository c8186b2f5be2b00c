"""Scenario files: one JSON event per line, in time order, each with `at` (ISO 8601 with offset)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from leadroute.domain.errors import Problem, ScenarioError
from leadroute.domain.reps import Availability

RESULTS = ("touched", "qualified", "won", "lost", "disqualified")
KINDS = (
    "lead",
    "rep",
    "touch",
    "outcome",
    "claim",
    "accept",
    "decline",
    "release",
    "assign",
    "activity",
    "account",
)
# The keys each action kind takes: required, then optional. `assign` needs a reason (a manager
# says why); a decline or a release may give one.
ACTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "accept": (("lead", "rep"), ()),
    "decline": (("lead", "rep"), ("reason",)),
    "release": (("lead",), ("reason",)),
    "assign": (("lead", "rep", "reason"), ()),
    "activity": (("lead", "type"), ("source",)),
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    """One scenario line: its kind (one of KINDS), time and body."""

    line: int
    at: datetime
    kind: str
    body: Mapping[str, object]


def read_scenario(lines: Iterator[str] | list[str], *, source: str) -> list[Event]:
    """Parse every line; raise ScenarioError listing each bad line as `source:N: problem`."""
    events: list[Event] = []
    problems: list[Problem] = []
    previous: datetime | None = None
    for number, text in enumerate(lines, start=1):
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            event = _event(number, stripped)
        except ValueError as error:
            problems.append(Problem(path=f"line {number}", message=str(error)))
            continue
        if previous is not None and event.at < previous:
            problems.append(
                Problem(
                    path=f"line {number}.at",
                    message=f"{event.at.isoformat()} is earlier than the line before; "
                    "scenario lines must be in time order",
                )
            )
        previous = event.at
        events.append(event)
    if problems:
        raise ScenarioError(problems, source=source)
    return events


def _event(number: int, text: str) -> Event:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"invalid JSON at column {error.colno}: {error.msg}") from None
    if not isinstance(raw, dict):
        raise ValueError("expected a JSON object")
    at = _time(raw.get("at"), "at")
    kinds = [k for k in KINDS if k in raw]
    unknown = [k for k in raw if k not in (*KINDS, "at", "status", "until")]
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} (expected at and one of {', '.join(KINDS)})")
    if len(kinds) != 1:
        raise ValueError(f"expected exactly one of {', '.join(KINDS)}, found {kinds or 'none'}")
    kind = kinds[0]
    if kind == "rep":
        body = _rep_status(raw)
    else:
        value = raw[kind]
        if not isinstance(value, dict):
            raise ValueError(f"{kind}: expected a JSON object")
        body = dict(value)
        _check_body(kind, body)
    return Event(line=number, at=at, kind=kind, body=body)


def _rep_status(raw: Mapping[str, object]) -> dict[str, object]:
    rep, status = raw.get("rep"), raw.get("status")
    if not isinstance(rep, str) or not rep:
        raise ValueError("rep: expected a rep id")
    states = [a.value for a in Availability]
    if status not in states:
        raise ValueError(f"status: expected one of {', '.join(states)}, got {status!r}")
    until = raw.get("until")
    return {
        "rep": rep,
        "status": status,
        "until": _time(until, "until") if until is not None else None,
    }


def _check_body(kind: str, body: dict[str, object]) -> None:
    if kind in ("touch", "outcome") and not isinstance(body.get("lead"), str):
        raise ValueError(f"{kind}.lead: expected a lead id")
    if kind == "outcome" and body.get("result") not in RESULTS:
        raise ValueError(f"outcome.result: expected one of {', '.join(RESULTS)}")
    amount = body.get("amount")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int | float)):
        raise ValueError("outcome.amount: expected a number")
    if kind == "claim":
        for key in ("pool", "rep"):
            if not isinstance(body.get(key), str):
                raise ValueError(f"claim.{key}: expected a name")
        if body.get("lead") is not None and not isinstance(body["lead"], str):
            raise ValueError("claim.lead: expected a lead id")
    if kind in ACTIONS:
        _check_action(kind, body)
    if kind == "lead" and "id" in body and not isinstance(body["id"], str | int):
        raise ValueError("lead.id: expected a text or number")
    if kind == "account":
        _check_account(body)


def _check_account(body: dict[str, object]) -> None:
    """`{"id", "name", "domains": [...], "owner"}`: id and name texts; domains and owner
    optional (a list of texts; a rep id or null)."""
    unknown = [key for key in body if key not in ("id", "name", "domains", "owner")]
    if unknown:
        raise ValueError(f"account.{unknown[0]}: unknown key (expected id, name, domains, owner)")
    for key in ("id", "name"):
        value = body.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"account.{key}: expected a text")
    domains = body.get("domains", [])
    if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
        raise ValueError("account.domains: expected a list of domains")
    owner = body.get("owner")
    if owner is not None and (not isinstance(owner, str) or not owner.strip()):
        raise ValueError("account.owner: expected a rep id or null")


def _check_action(kind: str, body: dict[str, object]) -> None:
    required, optional = ACTIONS[kind]
    unknown = [key for key in body if key not in (*required, *optional)]
    if unknown:
        expected = ", ".join((*required, *optional))
        raise ValueError(f"{kind}.{unknown[0]}: unknown key (expected {expected})")
    for key in (*required, *optional):
        value = body.get(key)
        if value is None and key in optional:
            continue
        if not isinstance(value, str) or not value.strip():
            what = {"lead": "a lead id", "rep": "a rep id", "reason": "a reason (text)"}.get(
                key, "a text"
            )
            raise ValueError(f"{kind}.{key}: expected {what}")


def _time(value: object, key: str) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"{key}: expected an ISO 8601 time with offset, got {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{key}: {value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise ValueError(f"{key}: {value!r} has no UTC offset (write e.g. -05:00 or Z)")
    return moment
