"""The period a report covers: `from` (included) to `to` (excluded), read from dates or times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from leadroute.domain.errors import InvalidInput, Problem

DEFAULT_DAYS = 30


@dataclass(frozen=True, kw_only=True, slots=True)
class Period:
    """Leads received at `start` or later and before `end`."""

    start: datetime
    end: datetime

    def holds(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def parse_moment(text: str, *, timezone: tzinfo, path: str) -> datetime:
    """A date (YYYY-MM-DD: its midnight in `timezone`) or an ISO 8601 time (with an offset;
    without one it is read in `timezone`). InvalidInput naming `path` otherwise."""
    cleaned = text.strip()
    try:
        if len(cleaned) == len("2026-03-01"):
            return datetime.combine(date.fromisoformat(cleaned), time(), tzinfo=timezone)
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        message = f"{text!r} is neither a date (2026-03-01) nor a time (2026-03-01T09:00:00-05:00)"
        raise InvalidInput([Problem(path=path, message=message)]) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone)


def parse_period(
    start: str | None,
    end: str | None,
    *,
    timezone: tzinfo,
    now: datetime,
    days: int = DEFAULT_DAYS,
) -> Period:
    """The period from `start` to `end` (excluded). Without `end`, up to the end of `now`'s
    day (midnight after it, in `timezone`: today is included); without `start`, the `days`
    before the end (by default the last 30 days, today included). InvalidInput when a bound
    cannot be read or `from` is not before `to`."""
    problems: list[Problem] = []
    today = now.astimezone(timezone).date()
    to = datetime.combine(today + timedelta(days=1), time(), tzinfo=timezone)
    if end is not None:
        try:
            to = parse_moment(end, timezone=timezone, path="to")
        except InvalidInput as error:
            problems.extend(error.problems)
    since = to - timedelta(days=days)
    if start is not None:
        try:
            since = parse_moment(start, timezone=timezone, path="from")
        except InvalidInput as error:
            problems.extend(error.problems)
    if not problems and since >= to:
        message = (
            f"{since.isoformat()} is not before to ({to.isoformat()}); "
            "`to` is excluded: one day is from 2026-03-01 to 2026-03-02"
        )
        problems.append(Problem(path="from", message=message))
    if problems:
        raise InvalidInput(problems)
    return Period(start=since, end=to)
