"""What a simulated routing asks of each rep: leads per day and per month (in the rep's own
timezone, the calendar their caps count in), and whether a rep with a given daily handling
capacity could touch each lead the day it arrives."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo

from leadroute.domain.reps import Rep
from leadroute.reports.stats import percentile


@dataclass(frozen=True, kw_only=True, slots=True)
class RepLoad:
    """One rep's load (`name`: the routing file's name, else the id). Means are over the
    history's span (days and calendar months from the first arrival to the last), idle days
    included. The capacity fields are None without a capacity: `same_day` is the share of the
    rep's leads a first-in-first-out queue at `capacity` leads a day touches on their arrival
    day."""

    rep: str
    name: str
    leads: int
    share: float
    max_day: int
    mean_day: float
    max_month: int
    mean_month: float
    cap_skips: int
    capacity: int | None = None
    days_over_capacity: int | None = None
    same_day: float | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Feasibility:
    """SLA feasibility over every lead routed to a rep with a capacity: the share touched the
    day it arrived, the 90th percentile and the longest wait in days, the rep-days whose load
    exceeded capacity."""

    leads: int
    same_day: float | None
    p90_wait_days: float | None
    max_wait_days: int | None
    rep_days_over: int


@dataclass(frozen=True, kw_only=True, slots=True)
class Span:
    """The history's length in days and calendar months (at least 1 each)."""

    days: int
    months: int

    @classmethod
    def of(cls, first: datetime, last: datetime, tz: tzinfo) -> Span:
        start, end = first.astimezone(tz).date(), last.astimezone(tz).date()
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        return cls(days=(end - start).days + 1, months=months)


def rep_loads(
    reps: Sequence[Rep],
    received: Mapping[str, Sequence[datetime]],
    *,
    span: Span,
    cap_skips: Mapping[str, int],
    capacity: int | None = None,
) -> tuple[list[RepLoad], Feasibility | None]:
    """Every rep's load (listed order) from the arrival times of the leads routed to them, and
    the SLA feasibility when there is a capacity: `capacity` for everyone, else each rep's day
    cap (reps with neither are left out of it)."""
    total = sum(len(times) for times in received.values())
    loads: list[RepLoad] = []
    waits: list[int] = []
    over_days = 0
    assessed = False
    for rep in reps:
        days = sorted(moment.astimezone(rep.timezone).date() for moment in received.get(rep.id, ()))
        per_day = Counter(days)
        per_month = Counter((day.year, day.month) for day in days)
        limit = capacity if capacity is not None else rep.caps.day
        load = RepLoad(
            rep=rep.id,
            name=rep.name or rep.id,
            leads=len(days),
            share=len(days) / total if total else 0.0,
            max_day=max(per_day.values(), default=0),
            mean_day=len(days) / span.days,
            max_month=max(per_month.values(), default=0),
            mean_month=len(days) / span.months,
            cap_skips=cap_skips.get(rep.id, 0),
        )
        if limit is not None and limit > 0:
            assessed = True
            rep_waits = queue_waits(days, limit)
            over = sum(1 for count in per_day.values() if count > limit)
            waits.extend(rep_waits)
            over_days += over
            load = replace(
                load,
                capacity=limit,
                days_over_capacity=over,
                same_day=_same_day(rep_waits),
            )
        loads.append(load)
    if not assessed:
        return loads, None
    return loads, Feasibility(
        leads=len(waits),
        same_day=_same_day(waits),
        p90_wait_days=percentile([float(w) for w in waits], 90),
        max_wait_days=max(waits, default=None),
        rep_days_over=over_days,
    )


def queue_waits(days: Sequence[date], capacity: int) -> list[int]:
    """Days each lead waits (arrival-day order) when the rep touches at most `capacity` leads a
    day, oldest first, every calendar day."""
    waits: list[int] = []
    today: date | None = None
    used = 0
    for day in days:
        if today is None or today < day:
            today, used = day, 0
        if used >= capacity:
            today, used = today + timedelta(days=1), 0
        used += 1
        waits.append((today - day).days)
    return waits


def received_by_rep(
    reps: Sequence[str | None], times: Sequence[datetime]
) -> dict[str, list[datetime]]:
    """The arrival times of the leads each rep received (None: not routed to a rep)."""
    found: defaultdict[str, list[datetime]] = defaultdict(list)
    for rep, moment in zip(reps, times, strict=True):
        if rep is not None:
            found[rep].append(moment)
    return dict(found)


def _same_day(waits: Sequence[int]) -> float | None:
    return sum(1 for wait in waits if wait == 0) / len(waits) if waits else None
