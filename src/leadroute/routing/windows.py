"""Calendar windows (hour, day, week, month) that start in a rep's own timezone."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo


def window_start(window: str, now: datetime, tz: tzinfo) -> datetime:
    """The aware start of the calendar `window` holding `now`, as the rep's wall clock reads it.

    DST-correct: a day starts at local midnight whether it is 23, 24 or 25 hours long.
    """
    local = now.astimezone(tz)
    if window == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    midnight = datetime(local.year, local.month, local.day, tzinfo=tz)
    if window == "day":
        return midnight
    if window == "week":
        monday = local.date() - timedelta(days=local.weekday())
        return datetime(monday.year, monday.month, monday.day, tzinfo=tz)
    if window == "month":
        return datetime(local.year, local.month, 1, tzinfo=tz)
    raise ValueError(f"unknown cap window {window!r}")
