"""The selector plug point: choose one rep among eligible candidates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from random import Random
from typing import Protocol

from leadroute.domain.reps import Rep
from leadroute.routing.config import Assign
from leadroute.routing.moment import Moment


@dataclass(frozen=True, kw_only=True, slots=True)
class Choice:
    """The chosen rep, why, and any rotation credits the ledger must record."""

    rep: Rep
    why: str
    credits: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class Selection:
    """Everything a selector may read. `candidates` are eligible, in listed order; `fields`
    are the lead's (what learned selectors find its segment in)."""

    rule: str
    ask: Assign
    moment: Moment
    rng: Random
    fields: Mapping[str, object] = field(default_factory=dict)


class Selector(Protocol):
    def choose(self, candidates: Sequence[Rep], selection: Selection) -> Choice:
        """Pick one of the (non-empty) candidates."""
        ...


def rotation_key(rep: Rep, selection: Selection) -> int:
    """Sequence of the rule's last lead to the rep; -1 when never served (goes first)."""
    served = selection.moment.ledger.last_served(selection.rule, rep.id)
    return -1 if served is None else served


def turns_ago(rep: Rep, selection: Selection) -> str:
    served = selection.moment.ledger.last_served(selection.rule, rep.id)
    return "never served by this rule" if served is None else "least recently served"
