"""Calendar cap windows start at the rep's local wall-clock boundaries, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leadroute.routing.windows import window_start

NEW_YORK = ZoneInfo("America/New_York")


def as_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def test_day_starts_at_local_midnight_on_the_23_hour_spring_forward_day() -> None:
    now = datetime(2026, 3, 8, 18, 0, tzinfo=UTC)  # Sunday 14:00 EDT
    start = window_start("day", now, NEW_YORK)
    assert as_utc(start) == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)  # 00:00 EST
    next_day = window_start("day", datetime(2026, 3, 9, 12, 0, tzinfo=UTC), NEW_YORK)
    assert as_utc(next_day) - as_utc(start) == timedelta(hours=23)


def test_day_starts_at_local_midnight_on_the_25_hour_fall_back_day() -> None:
    now = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)  # Sunday 15:00 EST
    start = window_start("day", now, NEW_YORK)
    assert as_utc(start) == datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # 00:00 EDT
    next_day = window_start("day", datetime(2026, 11, 2, 12, 0, tzinfo=UTC), NEW_YORK)
    assert as_utc(next_day) - as_utc(start) == timedelta(hours=25)


def test_hour_in_the_repeated_hour_of_fall_back() -> None:
    first = window_start("hour", datetime(2026, 11, 1, 5, 30, tzinfo=UTC), NEW_YORK)  # 01:30 EDT
    second = window_start("hour", datetime(2026, 11, 1, 6, 30, tzinfo=UTC), NEW_YORK)  # 01:30 EST
    assert as_utc(first) == datetime(2026, 11, 1, 5, 0, tzinfo=UTC)
    assert as_utc(second) == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


def test_week_starts_on_local_monday_midnight_across_the_change() -> None:
    now = datetime(2026, 3, 8, 18, 0, tzinfo=UTC)  # Sunday after the change; week began EST
    assert as_utc(window_start("week", now, NEW_YORK)) == datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    tuesday = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    assert as_utc(window_start("week", tuesday, NEW_YORK)) == datetime(2026, 3, 9, 4, 0, tzinfo=UTC)


def test_month_starts_on_the_first_in_local_time() -> None:
    now = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)  # EDT now, but 1 March was EST
    assert as_utc(window_start("month", now, NEW_YORK)) == datetime(2026, 3, 1, 5, 0, tzinfo=UTC)
    # 03:00 UTC on 1 April is still 31 March in New York.
    late = datetime(2026, 4, 1, 3, 0, tzinfo=UTC)
    assert as_utc(window_start("month", late, NEW_YORK)) == datetime(2026, 3, 1, 5, 0, tzinfo=UTC)


def test_window_is_taken_in_the_reps_zone_not_utc() -> None:
    now = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # still Monday 2 March, 21:00, in New York
    assert window_start("day", now, NEW_YORK).date().isoformat() == "2026-03-02"


def test_unknown_window() -> None:
    with pytest.raises(ValueError, match="unknown cap window 'year'"):
        window_start("year", datetime(2026, 3, 3, tzinfo=UTC), NEW_YORK)
