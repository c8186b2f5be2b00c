"""History for simulation: any CSV of past leads (with joined files and an outcomes file) read
into arrivals in time order, each with the lead fields routing reads, the segment the outcome
model conditions on, and what happened in history (who worked it, won or lost, when, how much).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from leadroute.domain.errors import InvalidInput, Problem
from leadroute.simulate.history_tables import (
    Join,
    Row,
    Table,
    index_by,
    joined,
    limited,
    read_table,
    require_columns,
)

WON, LOST = "won", "lost"
NO_SEGMENT = "(none)"


@dataclass(frozen=True, kw_only=True, slots=True)
class HistorySpec:
    """Which file, and which columns mean what. Columns may come from the history file, a
    joined file or the outcomes file. `fields` maps columns to lead fields (column, field)."""

    path: Path
    at_column: str = "received_at"
    id_column: str | None = None
    rep_column: str | None = None
    result_column: str | None = None
    won_values: tuple[str, ...] = ("won",)
    lost_values: tuple[str, ...] = ("lost",)
    amount_column: str | None = None
    closed_column: str | None = None
    segments: tuple[str, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()
    joins: tuple[Join, ...] = ()
    outcomes: Path | None = None
    outcomes_id_column: str | None = None
    source: str = "history"
    timezone: tzinfo = UTC
    date_format: str | None = None
    delimiter: str = ","
    limit: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Arrival:
    """One historical lead. `result` is won, lost or None (open or unknown); `rep` is who
    worked it in history (None when the history does not say)."""

    line: int
    id: str
    at: datetime
    payload: Mapping[str, object]
    segment: str
    rep: str | None = None
    result: str | None = None
    amount: float | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class History:
    """The arrivals in time order (ties in file order), and what reading them left out."""

    source: str
    arrivals: tuple[Arrival, ...]
    rows: int
    without_time: int = 0
    unmatched: Mapping[str, int] = field(default_factory=dict)
    has_results: bool = False


def read_history(spec: HistorySpec) -> History:
    """Read, join and map the history. Raises InvalidInput naming the file, the line and the
    column of every problem (at most ten are listed): a missing file or column, a date or an
    amount that cannot be read, a repeated lead id. Rows without an arrival time are left out
    and counted; `limit` keeps the first N arrivals in time order."""
    table = read_table(spec.path, delimiter=spec.delimiter)
    extra: list[str] = []
    origins: dict[str, str] = {}
    indexes: list[tuple[Join, dict[str, Row]]] = []
    for join in spec.joins:
        other = read_table(join.path, delimiter=spec.delimiter)
        require_columns(table, [(f"--join {join.path}", join.key)], also=extra)
        indexes.append((join, index_by(other, join.key)))
        extra.extend(other.columns)
        origins.update(dict.fromkeys(other.columns, other.name))
    outcomes: dict[str, Row] | None = None
    if spec.outcomes is not None:
        if spec.id_column is None:
            raise InvalidInput(
                [Problem(path="--outcomes", message="needs --id-column to match leads to it")]
            )
        other = read_table(spec.outcomes, delimiter=spec.delimiter)
        outcomes = index_by(other, spec.outcomes_id_column or spec.id_column)
        extra.extend(other.columns)
        origins.update(dict.fromkeys(other.columns, other.name))
    require_columns(table, _wanted(spec), also=extra)
    for column in table.columns:
        origins.pop(column, None)
    return _arrivals(spec, table, indexes, outcomes, origins)


def _wanted(spec: HistorySpec) -> list[tuple[str, str]]:
    named = [
        ("--at-column", spec.at_column),
        ("--id-column", spec.id_column),
        ("--rep-column", spec.rep_column),
        ("--result-column", spec.result_column),
        ("--amount-column", spec.amount_column),
        ("--closed-column", spec.closed_column),
        *(("--segment", column) for column in spec.segments),
        *(("--map", column) for column, _ in spec.fields),
    ]
    return [(option, column) for option, column in named if column is not None]


def _arrivals(
    spec: HistorySpec,
    table: Table,
    indexes: list[tuple[Join, dict[str, Row]]],
    outcomes: dict[str, Row] | None,
    origins: Mapping[str, str],
) -> History:
    problems: list[Problem] = []
    arrivals: list[Arrival] = []
    unmatched: Counter[str] = Counter()
    seen: dict[str, int] = {}
    without_time = 0
    for line, raw in table.rows:
        row = raw
        for join, index in indexes:
            row, matched = joined(row, join.key, index)
            unmatched[str(join.path)] += not matched
        won_in_outcomes: bool | None = None
        if outcomes is not None and spec.id_column is not None:
            row, won_in_outcomes = joined(row, spec.id_column, outcomes)
        reader = _Cells(spec, line, row, problems, origins)
        at = reader.time(spec.at_column)
        if at is None:
            without_time += not row.get(spec.at_column, "").strip()
            continue
        lead_id = reader.text(spec.id_column) or f"line{line}"
        if lead_id in seen:
            where = f"line {line}, column {spec.id_column!r}"
            message = f"lead id {lead_id!r} repeats line {seen[lead_id]}"
            problems.append(Problem(path=where, message=message))
            continue
        seen[lead_id] = line
        arrivals.append(
            Arrival(
                line=line,
                id=lead_id,
                at=at,
                payload=_payload(spec, lead_id, row),
                segment=" / ".join(row.get(c, "").strip() or NO_SEGMENT for c in spec.segments)
                or NO_SEGMENT,
                rep=reader.text(spec.rep_column),
                result=_result(spec, reader.text(spec.result_column), won_in_outcomes),
                amount=reader.amount(spec.amount_column),
                closed_at=reader.time(spec.closed_column),
            )
        )
    if problems:
        raise InvalidInput(limited(problems), source=table.name)
    arrivals.sort(key=lambda arrival: arrival.at)
    if spec.limit is not None:
        arrivals = arrivals[: spec.limit]
    return History(
        source=table.name,
        arrivals=tuple(arrivals),
        rows=len(table.rows),
        without_time=without_time,
        unmatched={name: count for name, count in sorted(unmatched.items()) if count},
        has_results=spec.result_column is not None or outcomes is not None,
    )


def _payload(spec: HistorySpec, lead_id: str, row: Row) -> dict[str, object]:
    payload: dict[str, object] = {"id": lead_id, "source": spec.source}
    for column, name in spec.fields:
        value = row.get(column, "").strip()
        if value:
            payload[name] = value
    return payload


def _result(spec: HistorySpec, text: str | None, won_in_outcomes: bool | None) -> str | None:
    """The result column decides when it has a value; otherwise a row found in the outcomes
    file is won and one missing from it lost (Olist: the closed-deals file lists the wins)."""
    if text is not None:
        folded = text.casefold()
        if folded in (value.casefold() for value in spec.won_values):
            return WON
        if folded in (value.casefold() for value in spec.lost_values):
            return LOST
        return None
    if won_in_outcomes is None:
        return None
    return WON if won_in_outcomes else LOST


@dataclass(slots=True)
class _Cells:
    """Reads one row's cells, adding a problem (line, column, value) for each bad one."""

    spec: HistorySpec
    line: int
    row: Row
    problems: list[Problem]
    origins: Mapping[str, str]

    def text(self, column: str | None) -> str | None:
        if column is None:
            return None
        return self.row.get(column, "").strip() or None

    def time(self, column: str | None) -> datetime | None:
        text = self.text(column)
        if text is None:
            return None
        try:
            if self.spec.date_format is not None:
                moment = datetime.strptime(text, self.spec.date_format)
            else:
                moment = datetime.fromisoformat(text)
        except ValueError:
            wanted = self.spec.date_format or "ISO 8601, e.g. 2017-03-01 or 2017-03-01T09:30"
            self._bad(column, text, f"is not a date or time ({wanted})")
            return None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=self.spec.timezone)

    def amount(self, column: str | None) -> float | None:
        text = self.text(column)
        if text is None:
            return None
        try:
            return float(text)
        except ValueError:
            self._bad(column, text, "is not a number")
            return None

    def _bad(self, column: str | None, text: str, why: str) -> None:
        where = f"line {self.line}, column {column!r}"
        joined_from = self.origins.get(column or "")
        if joined_from is not None:
            where += f" (joined from {joined_from})"
        self.problems.append(Problem(path=where, message=f"{text!r} {why}"))
