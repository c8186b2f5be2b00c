"""Tables of rows to learn from (a CSV file or the store's leads) and their 0/1 label."""

from __future__ import annotations

import csv
import difflib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from leadroute.learning.errors import TrainingError

# Label values taken as the positive class when `--positive` is not given.
POSITIVE_WORDS = ("yes", "y", "true", "1", "won", "win", "positive")


@dataclass(frozen=True, kw_only=True, slots=True)
class Table:
    """Rows by column name, in file order; `source` names the file (or database) in errors."""

    source: str
    columns: tuple[str, ...]
    rows: Sequence[Mapping[str, object]]


@dataclass(frozen=True, kw_only=True, slots=True)
class Labelled:
    """The rows that have a label, their 0/1 outcome, and the value taken as positive."""

    rows: Sequence[Mapping[str, object]]
    outcomes: tuple[int, ...]
    positive: str
    unlabelled: int


def read_csv(path: Path, *, sep: str = ",") -> Table:
    """Every row of a CSV file with a header line (TrainingError names the file)."""
    source = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, delimiter=sep)
            columns = tuple(reader.fieldnames or ())
            rows = list(reader)
    except FileNotFoundError:
        raise TrainingError("no such file", source=source) from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise TrainingError(f"cannot read: {error}", source=source) from None
    if len(columns) < 2:
        hint = "" if sep != "," else " (another separator? try --sep ';')"
        raise TrainingError(
            f"expected a header line with at least two columns{hint}", source=source
        )
    return Table(source=source, columns=columns, rows=rows)


def require_column(table: Table, name: str, *, option: str) -> None:
    """TrainingError naming the file, the option and the closest column when `name` is not one."""
    if name in table.columns:
        return
    close = difflib.get_close_matches(name, table.columns, n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    listed = ", ".join(table.columns[:30])
    raise TrainingError(
        f"no column {name!r}{hint}; the columns are: {listed}", source=table.source, path=option
    )


def label_rows(table: Table, label: str, *, positive: str | None = None) -> Labelled:
    """The rows with a value in `label`, as outcomes: 1 where the value is `positive` (by default
    yes/true/1/won, or the rarer of two values), 0 otherwise."""
    require_column(table, label, option="--label")
    rows: list[Mapping[str, object]] = []
    values: list[str] = []
    for row in table.rows:
        value = _text(row.get(label))
        if value:
            rows.append(row)
            values.append(value)
    counts = Counter(values)
    chosen = positive if positive is not None else _default_positive(counts, table, label)
    if positive is not None and positive not in counts:
        seen = ", ".join(repr(v) for v, _ in counts.most_common(10))
        raise TrainingError(
            f"no row has the value {positive!r} in column {label!r}; it has {seen}",
            source=table.source,
            path="--positive",
        )
    outcomes = tuple(1 if value == chosen else 0 for value in values)
    if len(counts) < 2 or sum(outcomes) in (0, len(outcomes)):
        raise TrainingError(
            f"column {label!r} has one class only ({', '.join(map(repr, counts)) or 'empty'}): "
            "a model needs positive and negative rows",
            source=table.source,
            path="--label",
        )
    return Labelled(
        rows=rows, outcomes=outcomes, positive=chosen, unlabelled=len(table.rows) - len(rows)
    )


def _default_positive(counts: Counter[str], table: Table, label: str) -> str:
    for word in POSITIVE_WORDS:
        for value in counts:
            if value.casefold() == word:
                return value
    if len(counts) == 2:
        return min(counts, key=lambda value: (counts[value], value))
    if len(counts) < 2:
        return next(iter(counts), "")
    seen = ", ".join(repr(v) for v, _ in counts.most_common(10))
    raise TrainingError(
        f"column {label!r} has {len(counts)} values ({seen}): say which is positive with "
        "--positive",
        source=table.source,
        path="--label",
    )


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()
