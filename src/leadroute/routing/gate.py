"""What a rep's own state allows (availability, working hours, caps), remembered across leads.

These answers read the rep, the clock and the rep's state in the ledger, never the lead, so one
answer serves every lead until either the clock reaches the moment it may change (`expires`) or
the ledger reports that the rep's state changed (`Ledger.changed_since`). Remembering them is
what lets a rule over hundreds of reps cost a lookup per rep instead of a calendar sum.

When answers may change with the clock alone: at an away spell's `until`; at a shift's start or
end and at local midnight (holidays); at the start of the rep's next cap window (the next hour,
or midnight). These are wall-clock instants; when a DST switch comes before one, the answer
lives only to the next UTC quarter hour, as every UTC offset in use is a whole number of quarter
hours and no switch can fall inside one.

The property test `test_remembered_answers_change_nothing` routes random worlds (DST included)
with a remembering router and with a fresh router per lead, and compares every trace.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from datetime import datetime

from leadroute.domain.hours import minutes_unchanged
from leadroute.domain.reps import Rep
from leadroute.routing.filters import (
    Filter,
    availability,
    availability_now,
    caps,
    caps_now,
    hours,
    hours_now,
)
from leadroute.routing.ledger import Ledger
from leadroute.routing.moment import Moment

_QUARTER = 900.0


@dataclass(frozen=True, kw_only=True, slots=True)
class RepAnswer:
    """The rep-only filters' answers at one moment, and until when they hold.

    Availability and caps keep their reason (None = passes); their wording cannot change before
    `expires`. Working hours keep only whether the rep is in them: the reason quotes the local
    time, so it is written for the moment of each decision (`reason`).
    """

    availability: str | None
    in_hours: bool
    caps: str | None
    expires: float
    # Precomputed for the engine's inner loop: passes availability and caps (and hours).
    open_any_hours: bool = field(init=False)
    open_now: bool = field(init=False)

    def __post_init__(self) -> None:
        open_any_hours = self.availability is None and self.caps is None
        object.__setattr__(self, "open_any_hours", open_any_hours)
        object.__setattr__(self, "open_now", open_any_hours and self.in_hours)

    def reason(self, check: Filter, rep: Rep, moment: Moment) -> str | None:
        """The answer of one REP_ONLY filter, worded for `moment` (inside the answer's life)."""
        if check is availability:
            return self.availability
        if check is hours:
            return None if self.in_hours else hours_now(rep, moment)
        if check is caps:
            return self.caps
        raise ValueError(f"{check.__name__} is not a rep-only filter")


def answer_now(rep: Rep, moment: Moment, in_hours: tuple[bool, float]) -> RepAnswer:
    """Ask availability and caps now; `in_hours` is `hours_now_until` of the same moment."""
    now_ts = moment.now.timestamp()
    expires = in_hours[1]
    window = _cap_window_minutes(rep, moment.local(rep.timezone))
    if window is not None:
        expires = min(expires, _wall_clock_until(rep, moment, window))
    status = moment.ledger.status(rep.id) or rep.status
    if status.until is not None:
        until = status.until.timestamp()
        if until > now_ts:
            expires = min(expires, until)
    return RepAnswer(
        availability=availability_now(rep, moment),
        in_hours=in_hours[0],
        caps=caps_now(rep, moment),
        expires=expires,
    )


def hours_now_until(rep: Rep, moment: Moment) -> tuple[bool, float]:
    """Whether the rep is in working hours (and not on holiday), and until when that holds:
    the next shift boundary or local midnight."""
    local = moment.local(rep.timezone)
    inside = hours_now(rep, moment) is None
    return inside, _wall_clock_until(rep, moment, minutes_unchanged(rep.hours, local))


def _cap_window_minutes(rep: Rep, local: datetime) -> int | None:
    """Wall-clock minutes, from the start of the current one, until a cap window of the rep
    starts again (hour windows start every hour, the others at midnight); None without one."""
    caps = rep.caps
    if caps.hour is not None:
        return 60 - local.minute
    if caps.day is None and caps.week is None and caps.month is None:
        return None
    return 1440 - local.hour * 60 - local.minute


def _wall_clock_until(rep: Rep, moment: Moment, minutes: int) -> float:
    """The instant `minutes` wall-clock minutes after the start of the current local minute;
    the next UTC quarter hour instead when a DST switch comes first (none falls inside one)."""
    now_ts = moment.now.timestamp()
    local = moment.local(rep.timezone)
    until = now_ts - local.second - local.microsecond / 1e6 + 60 * minutes
    if datetime.fromtimestamp(until, rep.timezone).utcoffset() != local.utcoffset():
        return _next_quarter(now_ts)
    return until


def _next_quarter(now_ts: float) -> float:
    return (math.floor(now_ts / _QUARTER) + 1) * _QUARTER


@dataclass(slots=True)
class _Memory:
    ledger: Ledger
    revision: int
    now_ts: float
    answers: dict[str, RepAnswer] = field(default_factory=dict)
    # Working hours do not depend on the ledger: kept apart, they outlive a rep's state changes.
    in_hours: dict[str, tuple[bool, float]] = field(default_factory=dict)
    expiries: list[tuple[float, str]] = field(default_factory=list)


class Gate:
    """Remembers RepAnswers for the ledger it last saw.

    One ledger object must not be routed against from two threads at once (the ledgers are not
    thread-safe either); different ledgers (one snapshot per transaction) may.
    """

    def __init__(self) -> None:
        self._memory: _Memory | None = None

    def open(self, moment: Moment) -> Answers:
        """The answers valid at this moment: forget those the clock or the ledger overtook."""
        now_ts = moment.now.timestamp()
        ledger = moment.ledger
        memory = self._memory
        changed = None
        if memory is not None and memory.ledger is ledger and now_ts >= memory.now_ts:
            changed = ledger.changed_since(memory.revision)
        if memory is None or changed is None:
            memory = _Memory(ledger=ledger, revision=ledger.revision(), now_ts=now_ts)
        else:
            answers = memory.answers
            for rep_id in changed:
                answers.pop(rep_id, None)
            expiries = memory.expiries
            while expiries and expiries[0][0] <= now_ts:
                _, rep_id = heapq.heappop(expiries)
                answer = answers.get(rep_id)
                if answer is not None and answer.expires <= now_ts:
                    del answers[rep_id]
            memory.revision = ledger.revision()
            memory.now_ts = now_ts
        self._memory = memory
        return Answers(memory, moment)


class Answers:
    """The Gate's answers for one routing call."""

    __slots__ = ("_memory", "_moment")

    def __init__(self, memory: _Memory, moment: Moment) -> None:
        self._memory = memory
        self._moment = moment

    def of(self, reps: tuple[Rep, ...]) -> list[RepAnswer]:
        known = self._memory.answers
        return [known.get(rep.id) or self._ask(rep) for rep in reps]

    def _ask(self, rep: Rep) -> RepAnswer:
        moment = self._moment
        in_hours = self._memory.in_hours.get(rep.id)
        if in_hours is None or in_hours[1] <= self._memory.now_ts:
            in_hours = self._memory.in_hours[rep.id] = hours_now_until(rep, moment)
        answer = answer_now(rep, moment, in_hours)
        self._memory.answers[rep.id] = answer
        heapq.heappush(self._memory.expiries, (answer.expires, rep.id))
        return answer
