"""Reps' won/lost records per segment (`Ledger.outcomes_by`), read from the database or kept
in memory, labelled alike: a segment is `routing/segments.segment_of(lead fields, by)`.

`read_outcomes` has the database count the leads closed won or lost, grouped by owner, result
and the JSON text of the `by` values, and labels each group in Python: the JSON text is the
value as stored (both databases hand it back as written), so the label is exactly what
`segment_value` gives the value in memory, for text, integers of any size, floats, true/false,
null and missing keys alike. SQLAlchemy's own index on SQLite (`JSON_QUOTE(JSON_EXTRACT(..))`)
would not do: it answers `1` for true, `0.3` for 0.30000000000000004 and rounds integers past
2**63.

`TrackRecord` is the in-memory store's: one credit per result, with the fields of its lead,
counted per (rep, segment) in a table per `by`, built when first asked and kept up to date.
"""

from __future__ import annotations

import json
from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, func, literal, select
from sqlalchemy.orm import Session

from leadroute.routing.segments import Segment, segment_of, segment_value
from leadroute.storage.lead_records import remove_stamp
from leadroute.storage.tables import LeadRow

By = tuple[str, ...]
Outcomes = dict[tuple[str, Segment], tuple[int, int]]
RESULTS = ("won", "lost")
# Answers kept between two changes of a track record (history simulation asks with a new
# `since` for every lead; this bounds what it keeps).
_KEPT_ANSWERS = 64


def read_outcomes(session: Session, by: By, since: datetime | None) -> Outcomes:
    """(won, lost) per (owner, segment) over the leads closed won or lost at or after `since`
    (all when None): one grouped query."""
    closed: list[ColumnElement[bool]] = [LeadRow.status.in_(RESULTS), LeadRow.owner.is_not(None)]
    if since is not None:
        closed.append(LeadRow.closed_at >= since)
    values = _values_json(session.get_bind().dialect.name, by) if by else None
    counts: defaultdict[tuple[str, Segment], list[int]] = defaultdict(lambda: [0, 0])
    rows: Iterable[tuple[Any, ...]]
    if not by:
        rows = session.execute(
            select(LeadRow.owner, LeadRow.status, func.count())
            .where(*closed)
            .group_by(LeadRow.owner, LeadRow.status)
        )
        for owner, status, count in rows:
            counts[(owner, ())][RESULTS.index(status)] += count
    elif values is not None:
        # Grouped in a subquery so that the grouping repeats no bound parameter.
        inner = select(LeadRow.owner, LeadRow.status, values.label("segment")).where(*closed)
        leads = inner.subquery()
        rows = session.execute(
            select(leads.c.owner, leads.c.status, leads.c.segment, func.count()).group_by(
                leads.c.owner, leads.c.status, leads.c.segment
            )
        )
        for owner, status, text, count in rows:
            labels = tuple(segment_value(value) for value in json.loads(text)[: len(by)])
            counts[(owner, labels)][RESULTS.index(status)] += count
    else:
        rows = session.execute(select(LeadRow.owner, LeadRow.status, LeadRow.fields).where(*closed))
        for owner, status, fields in rows:
            counts[(owner, segment_of(fields, by))][RESULTS.index(status)] += 1
    return {key: (won, lost) for key, (won, lost) in counts.items()}


def _values_json(dialect: str, by: By) -> ColumnElement[str] | None:
    """The lead's `by` values as the JSON text of an array (a missing one as null), each as
    stored; None when this database cannot name every field in SQL (then the caller labels
    each lead's fields in Python)."""
    if dialect == "postgresql":
        # `->` on a json (not jsonb) column answers the value's text as written.
        return cast(func.json_build_array(*(LeadRow.fields[name] for name in by)), Text)
    if dialect != "sqlite" or any('"' in name for name in by):
        return None  # a SQLite path label ends at the first double quote, escaped or not
    # SQLite compares a path label with the stored key as written, escapes and all (newer
    # versions decode both): labels escaped as the JSON column escapes keys match either way.
    paths = [literal("$." + json.dumps(name), Text()) for name in by]
    # With two paths or more json_extract answers an array of the values as written (with
    # one, the SQL value: true as 1, numbers re-read): one field is asked for twice.
    return func.json_extract(
        LeadRow.fields, *(paths if len(paths) > 1 else paths * 2), type_=Text()
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class Credit:
    """One won or lost result counted to a rep: at `stamp` (POSIX seconds), the lead's fields
    as they were when it was recorded."""

    rep: str
    won: bool
    stamp: float
    fields: Mapping[str, object]


@dataclass(slots=True)
class _Tally:
    """A (rep, segment)'s result times, sorted."""

    won: list[float] = field(default_factory=list)
    lost: list[float] = field(default_factory=list)

    def since(self, stamp: float | None) -> tuple[int, int]:
        if stamp is None:
            return len(self.won), len(self.lost)
        return (
            len(self.won) - bisect_left(self.won, stamp),
            len(self.lost) - bisect_left(self.lost, stamp),
        )


class TrackRecord:
    """Every rep's credited results, answered per rep (`by=()`) and per segment of any `by`."""

    def __init__(self) -> None:
        self._credits: dict[int, Credit] = {}
        self._numbered = 0
        self._tables: dict[By, dict[tuple[str, Segment], _Tally]] = {(): {}}
        self._answers: dict[tuple[By, datetime | None], Outcomes] = {}

    def add(self, credit: Credit) -> int:
        """Count the credit; returns its number, for `remove`."""
        self._numbered += 1
        self._credits[self._numbered] = credit
        for by, table in self._tables.items():
            _count(table, by, credit)
        self._answers.clear()
        return self._numbered

    def remove(self, number: int) -> None:
        """Stop counting the credit (a corrected or reopened result)."""
        credit = self._credits.pop(number)
        for by, table in self._tables.items():
            key = (credit.rep, segment_of(credit.fields, by))
            tally = table[key]
            remove_stamp(tally.won if credit.won else tally.lost, credit.stamp)
            if not tally.won and not tally.lost:
                del table[key]
        self._answers.clear()

    def of_rep(self, rep: str, since: datetime | None) -> tuple[int, int]:
        tally = self._tables[()].get((rep, ()))
        if tally is None:
            return 0, 0
        return tally.since(since.timestamp() if since is not None else None)

    def by(self, by: By, since: datetime | None) -> Mapping[tuple[str, Segment], tuple[int, int]]:
        """(won, lost) per (rep, segment) of the results at or after `since` (all when None).
        The answer is shared until the next change: read it, do not change it."""
        answer = self._answers.get((by, since))
        if answer is not None:
            return answer
        table = self._tables.get(by)
        if table is None:
            table = self._tables[by] = {}
            for credit in sorted(self._credits.values(), key=lambda credit: credit.stamp):
                _count(table, by, credit)
        stamp = since.timestamp() if since is not None else None
        answer = {}
        for key, tally in table.items():
            won, lost = tally.since(stamp)
            if won or lost:
                answer[key] = (won, lost)
        if len(self._answers) >= _KEPT_ANSWERS:
            self._answers.clear()
        self._answers[(by, since)] = answer
        return answer


def _count(table: dict[tuple[str, Segment], _Tally], by: By, credit: Credit) -> None:
    key = (credit.rep, segment_of(credit.fields, by))
    tally = table.get(key)
    if tally is None:
        tally = table[key] = _Tally()
    insort(tally.won if credit.won else tally.lost, credit.stamp)
