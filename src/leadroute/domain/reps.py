"""Reps: who can receive leads, when, how many, and with what skills."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum

from leadroute.domain.calendars import NO_HOLIDAYS, HolidayCalendar
from leadroute.domain.hours import ALWAYS, WorkingHours
from leadroute.domain.territories import Territory

CAP_WINDOWS: tuple[str, ...] = ("hour", "day", "week", "month")


class Availability(StrEnum):
    AVAILABLE = "available"
    AWAY = "away"
    OFFLINE = "offline"


@dataclass(frozen=True, kw_only=True, slots=True)
class Status:
    """A rep's availability; `until` ends an away/offline spell on its own."""

    availability: Availability = Availability.AVAILABLE
    until: datetime | None = None

    def effective(self, now: datetime) -> Availability:
        if self.availability is not Availability.AVAILABLE and self.until and now >= self.until:
            return Availability.AVAILABLE
        return self.availability


AVAILABLE = Status()


@dataclass(frozen=True, kw_only=True, slots=True)
class Caps:
    """Most leads a rep may receive per calendar window (rep's timezone), and most open at once."""

    hour: int | None = None
    day: int | None = None
    week: int | None = None
    month: int | None = None
    open: int | None = None

    def windows(self) -> tuple[tuple[str, int], ...]:
        """The (window, limit) pairs that are set, narrowest window first."""
        limits = (self.hour, self.day, self.week, self.month)
        return tuple((w, n) for w, n in zip(CAP_WINDOWS, limits, strict=True) if n is not None)


NO_CAPS = Caps()


@dataclass(frozen=True, kw_only=True, slots=True)
class Rep:
    """A sales rep as the routing file describes them. Skills are stored case-folded."""

    id: str
    timezone: tzinfo
    name: str = ""
    email: str = ""
    teams: frozenset[str] = frozenset()
    skills: frozenset[str] = frozenset()
    territories: tuple[Territory, ...] = ()
    weight: float = 1.0
    caps: Caps = NO_CAPS
    hours: WorkingHours = ALWAYS
    holidays: HolidayCalendar = field(default=NO_HOLIDAYS)
    status: Status = AVAILABLE
    notify: tuple[str, ...] = ()  # apprise URLs: where this rep is told of leads
