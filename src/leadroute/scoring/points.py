"""Points scoring: each rule whose condition matches adds its points to the lead's score."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from leadroute.rules import Condition


@dataclass(frozen=True, kw_only=True, slots=True)
class PointsRule:
    when: Condition
    points: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Scoring:
    """The `scoring:` section. With no rules the lead keeps the score it arrived with."""

    rules: tuple[PointsRule, ...] = ()

    def score(self, fields: Mapping[str, object]) -> float | None:
        """The total points, or None when there are no scoring rules."""
        if not self.rules:
            return None
        return float(sum(rule.points for rule in self.rules if rule.when.matches(fields)))


NO_SCORING = Scoring()
