"""CSV files as history simulation reads them: a header, rows with their line numbers, joins.

Every error is an InvalidInput whose source is the file and whose path names the line (and the
column, when one is at fault), so `leadroute simulate` can say exactly where to look.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from leadroute.domain.errors import InvalidInput, Problem
from leadroute.rules.parsing import suggest

Row = dict[str, str]


@dataclass(frozen=True, kw_only=True, slots=True)
class Table:
    """A CSV file read whole: its columns (header order) and its rows, each with the line it
    ends on (the header is line 1)."""

    path: Path
    columns: tuple[str, ...]
    rows: tuple[tuple[int, Row], ...]

    @property
    def name(self) -> str:
        return str(self.path)


@dataclass(frozen=True, kw_only=True, slots=True)
class Join:
    """`--join FILE.csv:KEY`: add FILE's columns to every history row whose KEY column value
    equals the KEY column value of one of FILE's rows (the first such row)."""

    path: Path
    key: str


def parse_join(text: str) -> Join:
    """Read `FILE.csv:KEY` (split at the last colon, so a Windows drive letter is fine)."""
    path, sep, key = text.rpartition(":")
    if not sep or not path or not key.strip():
        raise InvalidInput(
            [Problem(path="--join", message=f"{text!r}: expected FILE.csv:KEY_COLUMN")]
        )
    return Join(path=Path(path), key=key.strip())


def read_table(path: Path, *, delimiter: str = ",") -> Table:
    """Read a CSV file (UTF-8, a BOM allowed). A short row's missing cells read as empty."""
    rows: list[tuple[int, Row]] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            try:
                header = next(reader, None)
                if header is None:
                    raise _problem(path, "line 1", "the file is empty (expected a header line)")
                columns = tuple(name.strip() for name in header)
                for cells in reader:
                    if not any(cell.strip() for cell in cells):
                        continue
                    rows.append((reader.line_num, _row(columns, cells)))
            except csv.Error as error:
                raise _problem(path, f"line {reader.line_num}", f"not valid CSV: {error}") from None
    except OSError as error:
        raise _problem(path, "", f"cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise _problem(path, "", f"not UTF-8 text ({error.reason})") from None
    return Table(path=path, columns=columns, rows=tuple(rows))


def require_columns(
    table: Table, wanted: Sequence[tuple[str, str]], *, also: Sequence[str]
) -> None:
    """Raise naming the file and line 1 for each (option, column) pair whose column is neither
    in the table nor among `also` (the columns joined files add)."""
    known = (*table.columns, *also)
    problems = [
        Problem(
            path="line 1",
            message=f"{option}: no column {column!r}{suggest(column, known)}; "
            f"the columns are {', '.join(known)}",
        )
        for option, column in wanted
        if column not in known
    ]
    if problems:
        raise InvalidInput(problems, source=table.name)


def index_by(table: Table, key: str) -> dict[str, Row]:
    """The table's rows by their `key` column (trimmed); the first row of a repeated key wins,
    rows with an empty key are left out."""
    require_columns(table, [("key", key)], also=())
    found: dict[str, Row] = {}
    for _, row in table.rows:
        value = row.get(key, "").strip()
        if value and value not in found:
            found[value] = row
    return found


def joined(row: Row, key: str, index: Mapping[str, Row]) -> tuple[Row, bool]:
    """The row with the matching row's columns added (the row's own values win on a clash)
    and whether there was a match."""
    match = index.get(row.get(key, "").strip())
    if match is None:
        return row, False
    return {**match, **row}, True


def limited(problems: list[Problem], *, most: int = 10) -> list[Problem]:
    """The first `most` problems, and one more saying how many were left out."""
    if len(problems) <= most:
        return problems
    rest = len(problems) - most
    return [*problems[:most], Problem(path="", message=f"... and {rest} more problems like these")]


def _row(columns: tuple[str, ...], cells: list[str]) -> Row:
    padded = cells + [""] * (len(columns) - len(cells))
    return dict(zip(columns, padded, strict=False))


def _problem(path: Path, where: str, message: str) -> InvalidInput:
    return InvalidInput([Problem(path=where, message=message)], source=str(path))
