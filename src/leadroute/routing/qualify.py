"""Qualification before routing: disqualification rules, then the nurture threshold.

A disqualified lead is kept (and reportable) but never routed to a rep; a lead scoring below
`nurture_below` waits in the nurture pool until its activity lifts it over the threshold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from leadroute.rules import Condition
from leadroute.rules.values import as_float

NURTURE = "nurture"
DISQUALIFIED = "disqualified"


@dataclass(frozen=True, kw_only=True, slots=True)
class Disqualifier:
    name: str
    when: Condition


@dataclass(frozen=True, kw_only=True, slots=True)
class Qualification:
    """The `qualify:` section."""

    disqualify: tuple[Disqualifier, ...] = ()
    nurture_below: float | None = None
    nurture_pool: str = NURTURE


@dataclass(frozen=True, kw_only=True, slots=True)
class Verdict:
    """`status` is None for a qualified lead, else NURTURE or DISQUALIFIED; `why` says so."""

    status: str | None
    why: str
    rule: str | None = None


def judge(qualification: Qualification, fields: Mapping[str, object]) -> Verdict:
    """Disqualification rules first (the first that matches decides), then the threshold."""
    for rule in qualification.disqualify:
        if rule.when.matches(fields):
            return Verdict(
                status=DISQUALIFIED,
                why=f"disqualified by {rule.name}: {rule.when.describe()}",
                rule=rule.name,
            )
    threshold = qualification.nurture_below
    if threshold is None:
        return Verdict(status=None, why="qualified: no disqualification rule matched")
    score = fields.get("score")
    value = as_float(score) if isinstance(score, int | float) else 0.0
    if value < threshold:
        return Verdict(
            status=NURTURE,
            why=f"score {value:g} is below nurture_below {threshold:g}: "
            f"to pool {qualification.nurture_pool}",
        )
    return Verdict(
        status=None, why=f"qualified: score {value:g} reaches nurture_below {threshold:g}"
    )


def ready_for_sales(
    qualification: Qualification | None, *, status: str, pool: str | None, score: float | None
) -> bool:
    """Whether a nurtured lead, still waiting in the nurture pool, now scores enough to be
    passed to sales (routed)."""
    if qualification is None or qualification.nurture_below is None:
        return False
    if status != NURTURE or pool != qualification.nurture_pool:
        return False
    return (score or 0.0) >= qualification.nurture_below


def status_in_pool(qualification: Qualification | None, pool: str) -> str:
    """The status of a lead that goes (back) into a pool: `nurture` in the nurture pool (so
    activity can still pass it to sales), else `routed`."""
    if qualification is not None and pool == qualification.nurture_pool:
        return NURTURE
    return "routed"
