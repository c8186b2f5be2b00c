"""Working hours such as `mon-fri 09:00-17:00; sat 10:00-14:00`, read in a rep's own timezone."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from functools import cache

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ALWAYS = {"always", "24/7", "any"}
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


@dataclass(frozen=True, kw_only=True, slots=True)
class Shift:
    """Minutes after local midnight on one weekday (0 = Monday); end may pass midnight."""

    weekday: int
    start: int
    end: int


@dataclass(frozen=True, kw_only=True, slots=True)
class WorkingHours:
    """When a rep works, in local time. `always` means no limit."""

    text: str
    shifts: tuple[Shift, ...]
    always: bool = False

    def contains(self, local: datetime) -> bool:
        """True when the local (rep's timezone) wall-clock time falls in a shift."""
        if self.always:
            return True
        minute = local.hour * 60 + local.minute
        weekday = local.weekday()
        yesterday = (weekday - 1) % 7
        for shift in self.shifts:
            if shift.weekday == weekday and shift.start <= minute < min(shift.end, 1440):
                return True
            if shift.weekday == yesterday and shift.end > 1440 and minute < shift.end - 1440:
                return True
        return False


def minutes_unchanged(hours: WorkingHours, local: datetime) -> int:
    """Whole wall-clock minutes, from the start of `local`'s minute, before the answer of
    `contains` (or the local date) can change: the next shift start, shift end or midnight.
    """
    boundaries = _boundaries(hours)
    now = local.weekday() * 1440 + local.hour * 60 + local.minute
    index = bisect_right(boundaries, now)
    following = boundaries[index] if index < len(boundaries) else boundaries[0] + _WEEK
    return following - now


@cache
def _boundaries(hours: WorkingHours) -> tuple[int, ...]:
    """Minutes of the week (Monday 00:00 = 0) where a shift starts or ends, and every midnight."""
    marks = {day * 1440 for day in range(7)}
    for shift in hours.shifts:
        marks.add((shift.weekday * 1440 + shift.start) % _WEEK)
        marks.add((shift.weekday * 1440 + shift.end) % _WEEK)
    return tuple(sorted(marks))


_WEEK = 7 * 1440

ALWAYS = WorkingHours(text="always", shifts=(), always=True)


def parse_hours(text: str) -> WorkingHours:
    """Parse `mon-fri 09:00-17:00`, `mon,wed 08:00-12:00 13:00-17:00; sat 10:00-14:00`, `always`.

    Raise ValueError with a message that says what part is wrong.
    """
    cleaned = text.strip().lower()
    if cleaned in _ALWAYS:
        return ALWAYS
    if not cleaned:
        raise ValueError("expected working hours such as 'mon-fri 09:00-17:00', got ''")
    shifts: list[Shift] = []
    for block in cleaned.split(";"):
        words = block.replace(",", " ").split()
        days: list[int] = []
        spans: list[tuple[int, int]] = []
        for word in words:
            span = _SPAN.match(word)
            if span:
                spans.append(_parse_span(span, word))
            else:
                days.extend(_parse_days(word, text))
        if not days or not spans:
            raise ValueError(
                f"expected days then times such as 'mon-fri 09:00-17:00', got {block.strip()!r}"
            )
        shifts.extend(Shift(weekday=d, start=s, end=e) for d in days for s, e in spans)
    return WorkingHours(text=text.strip(), shifts=tuple(shifts))


def _parse_span(match: re.Match[str], word: str) -> tuple[int, int]:
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59 or (h1 == 24 and m1) or (h2 == 24 and m2):
        raise ValueError(f"{word!r} is not a time range (use HH:MM-HH:MM, 24-hour clock)")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise ValueError(f"{word!r} is an empty time range")
    if end < start:
        end += 1440
    return start, end


def _parse_days(word: str, text: str) -> list[int]:
    if "-" in word:
        first, _, last = word.partition("-")
        if first in DAYS and last in DAYS:
            a, b = DAYS.index(first), DAYS.index(last)
            return [(a + i) % 7 for i in range((b - a) % 7 + 1)]
    elif word in DAYS:
        return [DAYS.index(word)]
    raise ValueError(f"{word!r} in {text!r} is not a day (mon..sun), day range or HH:MM-HH:MM")
