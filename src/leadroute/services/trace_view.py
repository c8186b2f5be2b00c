"""A stored decision trace and timeline as rows a person reads ("why it went here").

The trace is stored as JSON (services/views.py, domain/decisions.py): one entry per step,
`{"rule", "matched", "why", "candidates"?}`, each candidate `{"rep", "chosen", "why"}`,
`{"rep", "eligible", "why"}` or `{"rep", "skipped"}`. Steps the engine adds around the rules
(intake checks, qualification, the experiment, the duplicate check, an SLA re-assignment) carry
their kind as the rule name. Anything else, from an older or newer version, is shown as text
rather than dropped, so a trace is never hidden from the person asking why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

Verdict = Literal["chosen", "eligible", "skipped", "note"]
StepKind = Literal["rule", "check", "text"]

CHECKS = {
    "intake": "Intake checks",
    "qualify": "Qualification",
    "experiment": "Experiment",
    "duplicate": "Duplicate check",
    "sla": "SLA",
}
"""The steps the engine adds around the rules, by the name they carry in the trace."""


@dataclass(frozen=True, kw_only=True, slots=True)
class CandidateLine:
    """One rep a rule considered: chosen (and the selector's explanation), eligible but not
    chosen, or skipped and why."""

    rep: str
    verdict: Verdict
    why: str


@dataclass(frozen=True, kw_only=True, slots=True)
class TraceLine:
    """One step of a decision. `rule` is the name stored in the trace ("" for a step shown as
    text), `title` what to call it; `outcome` is a short word for the badge (matched, no match,
    passed, stopped here, ...); `decided` marks the step that chose the rep or pool."""

    kind: StepKind
    rule: str
    title: str
    outcome: str
    matched: bool | None
    why: str
    candidates: tuple[CandidateLine, ...] = ()
    decided: bool = False

    @property
    def chosen(self) -> tuple[CandidateLine, ...]:
        return tuple(c for c in self.candidates if c.verdict == "chosen")

    @property
    def skipped(self) -> tuple[CandidateLine, ...]:
        return tuple(c for c in self.candidates if c.verdict == "skipped")

    @property
    def passed_over(self) -> tuple[CandidateLine, ...]:
        """Eligible reps the selector did not choose."""
        return tuple(c for c in self.candidates if c.verdict == "eligible")

    @property
    def notes(self) -> tuple[CandidateLine, ...]:
        return tuple(c for c in self.candidates if c.verdict == "note")


@dataclass(frozen=True, kw_only=True, slots=True)
class EventLine:
    """One timeline event: `what` in words ("reassigned", "sla missed"), and the facts of its
    data worth showing (`from → to`, an amount, a pool)."""

    type: str
    what: str
    at: str
    actor: str
    rep: str | None
    reason: str | None
    facts: tuple[tuple[str, str], ...]


def trace_lines(trace: object, *, rule: str | None = None) -> tuple[TraceLine, ...]:
    """The steps of a stored trace, in order; `rule` (the decision's rule) marks the last
    matching step of that name as the one that decided."""
    if not isinstance(trace, list):
        return () if trace is None else (_text(trace),)
    lines = [_line(entry) for entry in trace]
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if line.kind != "text" and line.matched is not False and line.rule == rule:
            lines[index] = replace(line, decided=True)
            break
    return tuple(lines)


def timeline_lines(events: object) -> tuple[EventLine, ...]:
    """The stored timeline (services/views.py `event_view`) in order, each event in words."""
    if not isinstance(events, list):
        return ()
    return tuple(_event(event) for event in events if isinstance(event, dict))


def _line(entry: object) -> TraceLine:
    if not isinstance(entry, dict) or not isinstance(entry.get("rule"), str):
        return _text(entry)
    name: str = entry["rule"]
    matched = entry.get("matched")
    matched = matched if isinstance(matched, bool) else None
    why = str(entry.get("why") or "")
    candidates = tuple(_candidate(note) for note in entry.get("candidates") or ())
    if name in CHECKS and not candidates:
        return TraceLine(
            kind="check",
            rule=name,
            title=CHECKS[name],
            outcome=_check_outcome(name, matched),
            matched=matched,
            why=why,
        )
    outcome = {True: "matched", False: "no match", None: "tried"}[matched]
    if matched and candidates and not any(c.verdict == "chosen" for c in candidates):
        outcome = "matched, nobody chosen"
    return TraceLine(
        kind="rule",
        rule=name,
        title=name,
        outcome=outcome,
        matched=matched,
        why=why,
        candidates=candidates,
    )


def _check_outcome(name: str, matched: bool | None) -> str:
    if name == "qualify":
        return "passed" if matched else "stopped here"
    return "checked" if matched is not False else "not applied"


def _candidate(note: object) -> CandidateLine:
    if not isinstance(note, dict) or not isinstance(note.get("rep"), str):
        return CandidateLine(rep="", verdict="note", why=_as_text(note))
    rep: str = note["rep"]
    if note.get("chosen"):
        return CandidateLine(rep=rep, verdict="chosen", why=str(note.get("why") or ""))
    if "skipped" in note:
        return CandidateLine(rep=rep, verdict="skipped", why=str(note["skipped"] or ""))
    if note.get("eligible"):
        return CandidateLine(rep=rep, verdict="eligible", why=str(note.get("why") or "eligible"))
    rest = {key: value for key, value in note.items() if key != "rep"}
    return CandidateLine(rep=rep, verdict="note", why=_as_text(rest))


def _text(entry: object) -> TraceLine:
    return TraceLine(
        kind="text", rule="", title="Step", outcome="note", matched=None, why=_as_text(entry)
    )


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(value)


_FACTS = ("from", "to", "owner", "pool", "to_pool", "amount", "rule", "expires")


def _event(event: dict[str, Any]) -> EventLine:
    kind = str(event.get("type") or "")
    found = event.get("data")
    data: dict[str, Any] = found if isinstance(found, dict) else {}
    facts = [
        (key.replace("_", " "), _fact(data[key]))
        for key in _FACTS
        if data.get(key) not in (None, "", [])
    ]
    if isinstance(data.get("number"), int) and isinstance(data.get("of"), int):
        facts.insert(0, ("offer", f"{data['number']} of {data['of']}"))
    return EventLine(
        type=kind,
        what=kind.removeprefix("lead.").removeprefix("rep.").replace("_", " "),
        at=str(event.get("at") or ""),
        actor=str(event.get("actor") or ""),
        rep=event.get("rep") if isinstance(event.get("rep"), str) else None,
        reason=event.get("reason") if isinstance(event.get("reason"), str) else None,
        facts=tuple(facts),
    )


def _fact(value: object) -> str:
    """A value of an event's data in words; a time as `2026-03-03 17:05 UTC`."""
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and "T" in value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return _as_text(value)
