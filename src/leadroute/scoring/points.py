"""Points scoring: fit (field conditions) plus behaviour (activities, fading with age).

Each `when` rule whose condition matches adds its points. Each activity a lead did (an email
opened, a link clicked, ...) adds the points of its activity rule less `decay_per_day` for every
day since it happened, never below zero. Grades name score bands (hot ≥ 70, warm ≥ 40).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from leadroute.rules import Condition

ACTIVITY_TYPES = (
    "email_opened",
    "email_replied",
    "link_clicked",
    "page_visited",
    "form_submitted",
    "content_downloaded",
    "webinar_attended",
    "meeting_booked",
)
_DAY = 86400.0


@dataclass(frozen=True, kw_only=True, slots=True)
class PointsRule:
    when: Condition
    points: float


@dataclass(frozen=True, kw_only=True, slots=True)
class ActivityRule:
    """Points for each activity of this type, less `decay_per_day` per day of its age."""

    activity: str
    points: float
    decay_per_day: float = 0.0

    def points_at(self, happened: datetime, now: datetime) -> float:
        age_days = max(0.0, (now - happened).total_seconds() / _DAY)
        return max(0.0, self.points - self.decay_per_day * age_days)


@dataclass(frozen=True, kw_only=True, slots=True)
class Activity:
    """Something a lead did, as scoring sees it."""

    type: str
    at: datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class Scoring:
    """The `scoring:` section. With no rules the lead keeps the score it arrived with.

    `grades` are (name, threshold) pairs, highest threshold first.
    """

    rules: tuple[PointsRule, ...] = ()
    activities: tuple[ActivityRule, ...] = ()
    grades: tuple[tuple[str, float], ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.rules or self.activities)

    def score(
        self,
        fields: Mapping[str, object],
        activities: Sequence[Activity] = (),
        now: datetime | None = None,
    ) -> float | None:
        """The total points, or None when there are no scoring rules."""
        if not self.active:
            return None
        total = float(sum(rule.points for rule in self.rules if rule.when.matches(fields)))
        if activities and self.activities and now is not None:
            by_type: dict[str, list[ActivityRule]] = {}
            for rule in self.activities:
                by_type.setdefault(rule.activity, []).append(rule)
            for activity in activities:
                for rule in by_type.get(activity.type, ()):
                    total += rule.points_at(activity.at, now)
        return round(total, 2)

    def grade(self, score: float | None) -> str | None:
        """The name of the highest grade the score reaches (None below every grade)."""
        if score is None:
            return None
        return next((name for name, threshold in self.grades if score >= threshold), None)


NO_SCORING = Scoring()
