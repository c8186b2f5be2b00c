"""Holiday calendars: days a rep does not work even inside their working hours."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol


class HolidayCalendar(Protocol):
    """Tells whether a local date is a day off, and which."""

    def holiday_name(self, day: date) -> str | None: ...


@dataclass(frozen=True, kw_only=True, slots=True)
class FixedDates:
    """Holidays listed by date in the routing file."""

    days: Mapping[date, str] = field(default_factory=dict)

    def holiday_name(self, day: date) -> str | None:
        return self.days.get(day)


@dataclass(frozen=True, kw_only=True, slots=True)
class CombinedCalendar:
    """The first calendar that calls a day a holiday wins."""

    calendars: Sequence[HolidayCalendar]

    def holiday_name(self, day: date) -> str | None:
        for calendar in self.calendars:
            name = calendar.holiday_name(day)
            if name:
                return name
        return None


NO_HOLIDAYS = FixedDates()
