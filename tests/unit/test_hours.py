"""Working hours: parsing, overnight shifts, errors, and reading them in the rep's zone (DST)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from leadroute.domain.hours import ALWAYS, Shift, minutes_unchanged, parse_hours
from leadroute.routing.config import Assign
from leadroute.routing.filters import hours
from leadroute.routing.moment import Moment
from leadroute.storage.memory import MemoryStore
from tests.factories import make_rep

NEW_YORK = ZoneInfo("America/New_York")


def local(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


def test_range_of_days_with_one_span() -> None:
    week = parse_hours("mon-fri 09:00-17:00")
    assert [s.weekday for s in week.shifts] == [0, 1, 2, 3, 4]
    assert week.shifts[0] == Shift(weekday=0, start=540, end=1020)
    assert week.contains(local(2, 9))  # Monday 09:00, start inclusive
    assert week.contains(local(6, 16, 59))
    assert not week.contains(local(2, 17))  # end exclusive
    assert not week.contains(local(2, 8, 59))
    assert not week.contains(local(7, 10))  # Saturday


def test_lists_of_days_several_spans_and_blocks() -> None:
    week = parse_hours("mon,wed 08:00-12:00 13:00-17:00; sat 10:00-14:00")
    assert week.contains(local(2, 8))
    assert not week.contains(local(2, 12, 30))  # lunch
    assert week.contains(local(4, 16))  # Wednesday afternoon
    assert not week.contains(local(3, 9))  # Tuesday
    assert week.contains(local(7, 13, 59))
    assert not week.contains(local(8, 11))  # Sunday


def test_wrapping_day_range() -> None:
    weekend = parse_hours("fri-mon 10:00-11:00")
    assert sorted(s.weekday for s in weekend.shifts) == [0, 4, 5, 6]


def test_overnight_shift_runs_into_the_next_day() -> None:
    night = parse_hours("fri 22:00-06:00")
    assert night.contains(local(6, 23))  # Friday 23:00
    assert night.contains(local(7, 5, 59))  # Saturday morning
    assert not night.contains(local(7, 6))
    assert not night.contains(local(7, 23))  # Saturday night is not a shift
    assert not night.contains(local(6, 21))


def test_sunday_overnight_wraps_into_monday() -> None:
    night = parse_hours("sun 22:00-02:00")
    assert night.contains(local(9, 1))  # Monday 01:00


def test_end_of_day_24_00() -> None:
    late = parse_hours("mon 18:00-24:00")
    assert late.contains(local(2, 23, 59))
    assert not late.contains(local(3, 0, 0))


@pytest.mark.parametrize("text", ["always", "24/7", "Any", "  ALWAYS "])
def test_always(text: str) -> None:
    assert parse_hours(text) is ALWAYS
    assert ALWAYS.contains(local(8, 3))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected working hours such as 'mon-fri 09:00-17:00', got ''"),
        ("mon-fri", "expected days then times such as 'mon-fri 09:00-17:00', got 'mon-fri'"),
        ("09:00-17:00", "expected days then times"),
        ("mon-fry 09:00-17:00", "'mon-fry' in 'mon-fry 09:00-17:00' is not a day"),
        ("mon 25:00-26:00", "'25:00-26:00' is not a time range (use HH:MM-HH:MM, 24-hour clock)"),
        ("mon 09:60-10:00", "'09:60-10:00' is not a time range"),
        ("mon 24:30-10:00", "'24:30-10:00' is not a time range"),
        ("mon 09:00-09:00", "'09:00-09:00' is an empty time range"),
        ("mon 9-17", "'9-17' in 'mon 9-17' is not a day"),
        ("mon 09:00-17:00; ", "expected days then times"),
    ],
)
def test_parse_errors_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_hours(text)


def hours_reason(rep_zone: str, hours_text: str, now: datetime) -> str | None:
    rep = make_rep(timezone=rep_zone, hours=hours_text)
    return hours(rep, {}, Assign(), Moment(now=now, ledger=MemoryStore()))


# DST began in New York on Sunday 8 March 2026 at 02:00 (EST UTC-5 -> EDT UTC-4).
def test_new_york_rep_at_0930_on_the_dst_sunday() -> None:
    now = datetime(2026, 3, 8, 13, 30, tzinfo=UTC)  # 09:30 EDT
    assert hours_reason("America/New_York", "sun 09:00-17:00", now) is None
    before = datetime(2026, 3, 8, 12, 30, tzinfo=UTC)  # 08:30 EDT (09:30 would be EST)
    assert hours_reason("America/New_York", "sun 09:00-17:00", before) == (
        "outside hours (Sun 08:30 America/New_York)"
    )


def test_new_york_rep_at_0930_on_the_monday_after_the_change() -> None:
    now = datetime(2026, 3, 9, 13, 30, tzinfo=UTC)  # Monday 09:30 EDT
    assert hours_reason("America/New_York", "mon-fri 09:00-17:00", now) is None
    # The same UTC instant the Friday before is 08:30 EST: outside.
    friday = datetime(2026, 3, 6, 13, 30, tzinfo=UTC)
    assert hours_reason("America/New_York", "mon-fri 09:00-17:00", friday) == (
        "outside hours (Fri 08:30 America/New_York)"
    )


def test_hours_are_read_in_the_reps_own_zone() -> None:
    now = datetime(2026, 3, 9, 13, 30, tzinfo=UTC)  # 10:30 in Sao Paulo, 14:30 in Lisbon
    assert hours_reason("America/Sao_Paulo", "mon-fri 10:00-11:00", now) is None
    assert hours_reason("Europe/Lisbon", "mon-fri 10:00-11:00", now) == (
        "outside hours (Mon 13:30 Europe/Lisbon)"
    )


def test_minutes_unchanged_counts_to_the_next_shift_edge_or_midnight() -> None:
    hours = parse_hours("mon-fri 09:00-17:00; sat 22:00-02:00")
    monday = datetime(2026, 3, 2, 8, 50, 30)  # a Monday; seconds do not count
    assert minutes_unchanged(hours, monday) == 10
    assert minutes_unchanged(hours, monday.replace(hour=9, minute=0)) == 8 * 60
    assert minutes_unchanged(hours, monday.replace(hour=17, minute=0)) == 7 * 60  # to midnight
    saturday_night = datetime(2026, 3, 7, 23, 0)
    assert minutes_unchanged(hours, saturday_night) == 60  # midnight, then the shift's end
    assert minutes_unchanged(hours, datetime(2026, 3, 8, 0, 0)) == 120
    assert minutes_unchanged(ALWAYS, monday) == 15 * 60 + 10  # holidays change at midnight
