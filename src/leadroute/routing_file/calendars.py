"""Public-holiday calendars from the `holidays` package, behind the domain's HolidayCalendar."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays


class CountryHolidays:
    """Public holidays of a country (`US`) or subdivision (`US-CA`), years loaded on demand."""

    def __init__(self, code: str) -> None:
        country, _, subdivision = code.upper().partition("-")
        self.code = code.upper()
        self._days = holidays.country_holidays(country, subdiv=subdivision or None)

    def holiday_name(self, day: date) -> str | None:
        name = self._days.get(day)
        return str(name) if name else None


@lru_cache(maxsize=1)
def supported_codes() -> frozenset[str]:
    """Every `CC` and `CC-SUBDIV` the holidays package knows."""
    codes: set[str] = set()
    for country, subdivisions in holidays.list_supported_countries().items():
        codes.add(country)
        codes.update(f"{country}-{s}".upper() for s in subdivisions)
    return frozenset(codes)


@lru_cache(maxsize=256)
def country_calendar(code: str) -> CountryHolidays:
    return CountryHolidays(code)
