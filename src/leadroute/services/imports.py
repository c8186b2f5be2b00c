"""Importing leads from a CSV file: every row through intake, as if posted, in batches of
rows per transaction (services/batch_intake.py).

A row is posted as the payload `{field: value}` (its trimmed, non-empty cells by field name)
with the idempotency key `import:<sha256 of that payload>`, so running the same file again, or
a file holding rows imported before, writes nothing for those rows; two identical rows in one
file make one lead. A row whose `external_id` (per source) is already stored is skipped too.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from leadroute.domain.errors import InvalidInput, Problem
from leadroute.services.batch_intake import Submission, take_batch
from leadroute.services.principals import Principal
from leadroute.services.runtime import Runtime

KEY_PREFIX = "import:"
CHUNK_ROWS = 500  # rows read, normalised and taken in per batch_intake.take_batch call
_DELIMITERS = ",;\t|"
_SAMPLE = 64 * 1024


@dataclass(frozen=True, kw_only=True, slots=True)
class ImportSummary:
    rows: int
    """Data rows read."""
    imported: int
    """New leads created."""
    skipped: int
    """Rows imported by an earlier run or earlier in this file, or whose external_id exists."""
    rejected: int
    """Rows refused, written to `rejects_file` with the reason."""
    owners: dict[str, int]
    """Leads per rep among the imported."""
    pools: dict[str, int]
    """Leads per pool among the imported."""
    rejects_file: Path | None = None
    """Where the refused rows were written; None when no row was refused."""


@dataclass(frozen=True, kw_only=True, slots=True)
class _Columns:
    """The header of a file: the original column names and the lead field each one gives."""

    names: tuple[str, ...]
    fields: tuple[str, ...]


def import_csv(
    *,
    runtime: Runtime,
    path: Path,
    caller: Principal,
    now: Callable[[], datetime],
    mapping: Mapping[str, str] | None = None,
    source: str | None = None,
    delimiter: str | None = None,
    rejects: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import every data row of the CSV file at `path` as `take_lead` would take it, several
    rows per transaction (services/batch_intake.py): a refused row never undoes another, and an
    interrupted import resumes where it stopped when run again.

    `mapping` names the lead field of a CSV column; other columns give the field named by their
    header (trimmed, lower-cased, spaces as `_`). `source` fills the `source` field of rows that
    have none. A row refused by normalisation, or with more cells than the header has columns,
    is appended to `rejects` (default `<stem>.rejects.csv` next to the file, rewritten at the
    first refused row of a run) as `line, reason, <the row's cells>`. `progress` is called with
    the number of rows done after each chunk of `CHUNK_ROWS` rows.

    Raises InvalidInput, with the file (and column) in the problem's path, for a file that is
    missing, not UTF-8 text, empty, or whose header a `mapping` column is not in.
    """
    text = _open(path)
    with text:
        sample = _sample(text, path)
        reader = csv.reader(text, delimiter=delimiter or _sniff(sample))
        header = _header(reader, path)
        columns = _columns(header, mapping or {}, path)
        return _import_rows(
            rows=_rows(reader, path),
            columns=columns,
            runtime=runtime,
            caller=caller,
            now=now,
            source=source,
            rejects=rejects or path.with_name(f"{path.stem}.rejects.csv"),
            progress=progress,
        )


def _import_rows(
    *,
    rows: Iterator[tuple[int, list[str]]],
    columns: _Columns,
    runtime: Runtime,
    caller: Principal,
    now: Callable[[], datetime],
    source: str | None,
    rejects: Path,
    progress: Callable[[int], None] | None,
) -> ImportSummary:
    tally = _Tally()
    with _Rejects(rejects, columns) as refused:
        for chunk in _chunks(rows, CHUNK_ROWS):
            _import_chunk(chunk, columns, runtime, caller, now, source, refused, tally)
            if progress is not None:
                progress(tally.rows)
    return ImportSummary(
        rows=tally.rows,
        imported=tally.imported,
        skipped=tally.skipped,
        rejected=tally.rejected,
        owners=dict(tally.owners),
        pools=dict(tally.pools),
        rejects_file=rejects if tally.rejected else None,
    )


@dataclass(kw_only=True, slots=True)
class _Tally:
    rows: int = 0
    imported: int = 0
    skipped: int = 0
    rejected: int = 0
    owners: Counter[str] = dataclasses.field(default_factory=Counter)
    pools: Counter[str] = dataclasses.field(default_factory=Counter)


def _chunks(
    rows: Iterator[tuple[int, list[str]]], size: int
) -> Iterator[list[tuple[int, list[str]]]]:
    chunk: list[tuple[int, list[str]]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _import_chunk(
    chunk: list[tuple[int, list[str]]],
    columns: _Columns,
    runtime: Runtime,
    caller: Principal,
    now: Callable[[], datetime],
    source: str | None,
    refused: _Rejects,
    tally: _Tally,
) -> None:
    """Take the chunk's rows in (services/batch_intake.py), then count them and write the
    refused ones, in line order."""
    reasons: list[str | None] = []
    submissions: list[Submission] = []
    for _line, cells in chunk:
        payload, reason = _payload(cells, columns, source)
        reasons.append(reason)
        if reason is None:
            submissions.append(Submission(payload=payload, key=KEY_PREFIX + _digest(payload)))
    taken = iter(take_batch(runtime=runtime, submissions=submissions, caller=caller, now=now))
    for (line, cells), unread in zip(chunk, reasons, strict=True):
        tally.rows += 1
        outcome = None if unread is not None else next(taken)
        reason = unread
        if outcome is not None and outcome.refused is not None:
            reason = _reason(outcome.refused, columns)
        if reason is not None:
            tally.rejected += 1
            refused.add(line, cells, reason)
        elif outcome is None or outcome.body is None:
            tally.skipped += 1
        else:
            tally.imported += 1
            _tally(outcome.body, tally.owners, tally.pools)


def _open(path: Path) -> IO[str]:
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise _file_error(path, "no such file") from None
    except IsADirectoryError:
        raise _file_error(path, "is a directory, not a CSV file") from None
    except OSError as error:
        raise _file_error(path, f"cannot be read ({error.strerror})") from None


def _sample(text: IO[str], path: Path) -> str:
    """The start of the file (to sniff the delimiter), after which `text` is rewound."""
    try:
        sample = text.read(_SAMPLE)
    except UnicodeDecodeError:
        raise _file_error(path, "not a CSV file: not UTF-8 text") from None
    if "\x00" in sample:
        raise _file_error(path, "not a CSV file: it holds binary data")
    if not sample.strip():
        raise _file_error(path, "the file is empty: expected a header line and rows")
    text.seek(0)
    return sample


def _sniff(sample: str) -> str:
    # Sniff on whole lines only: a line cut in half misleads the sniffer.
    lines = sample.splitlines()
    whole = "\n".join(lines[:-1] if len(lines) > 1 and len(sample) == _SAMPLE else lines)
    try:
        return csv.Sniffer().sniff(whole, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        header = lines[0]
        counts = {candidate: header.count(candidate) for candidate in _DELIMITERS}
        best = max(counts, key=lambda candidate: counts[candidate])
        return best if counts[best] else ","


def _header(reader: Iterator[list[str]], path: Path) -> list[str]:
    try:
        for header in reader:
            if any(cell.strip() for cell in header):
                return header
    except (csv.Error, UnicodeDecodeError) as error:
        raise _file_error(path, f"not a CSV file: {error}") from None
    raise _file_error(path, "the file is empty: expected a header line and rows")


def _columns(header: list[str], mapping: Mapping[str, str], path: Path) -> _Columns:
    names = tuple(name.strip() for name in header)
    problems: list[Problem] = []
    index: dict[str, int] = {}
    seen: set[str] = set()
    for position, name in enumerate(names):
        if name and name in seen:
            problems.append(_column_problem(path, name, "appears twice in the header"))
        seen.add(name)
        index.setdefault(name, position)
        index.setdefault(_field_name(name), position)
    fields = [_field_name(name) or f"column_{position + 1}" for position, name in enumerate(names)]
    for column, field in mapping.items():
        found = index.get(column.strip(), index.get(_field_name(column)))
        if found is None:
            known = ", ".join(repr(name) for name in names)
            message = f"the mapping names a column the file does not have (columns: {known})"
            problems.append(_column_problem(path, column, message))
        elif not field.strip():
            problems.append(_column_problem(path, column, "the mapping gives no field name"))
        else:
            fields[found] = field.strip()
    givers: dict[str, str] = {}
    for name, field in zip(names, fields, strict=True):
        if field in givers and givers[field] != name:
            message = f"both {givers[field]!r} and {name!r} give the field {field!r}"
            problems.append(_column_problem(path, name, message))
        givers.setdefault(field, name)
    if problems:
        raise InvalidInput(problems)
    return _Columns(names=names, fields=tuple(fields))


def _field_name(column: str) -> str:
    return "_".join(column.strip().lower().split())


def _rows(reader: Iterator[list[str]], path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number where the row starts, cells) for each data row; blank lines are passed."""
    line = getattr(reader, "line_num", 0)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as error:
            raise _file_error(path, f"line {line + 1}: not readable as CSV: {error}") from None
        start, line = line + 1, getattr(reader, "line_num", line + 1)
        if any(cell.strip() for cell in cells):
            yield start, cells


def _payload(
    cells: list[str], columns: _Columns, source: str | None
) -> tuple[dict[str, object], str | None]:
    """The row as an intake payload, or why the row cannot be one."""
    if len(cells) > len(columns.fields):
        extra = cells[len(columns.fields) :]
        if any(cell.strip() for cell in extra):
            return {}, (
                f"(row): {len(cells)} values for {len(columns.fields)} columns "
                "(a value with the delimiter in it must be quoted)"
            )
    payload: dict[str, object] = {}
    for field, cell in zip(columns.fields, cells, strict=False):
        value = cell.strip()
        if value:
            payload[field] = value
    if source is not None and "source" not in payload:
        payload["source"] = source
    return payload, None


def _digest(payload: Mapping[str, object]) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _reason(error: InvalidInput, columns: _Columns) -> str:
    """The problems of a refused row, each naming its lead field (and the column it came from
    when the column has another name)."""
    column_of = dict(zip(columns.fields, columns.names, strict=True))
    parts = []
    for problem in error.problems:
        column = column_of.get(problem.path)
        where = problem.path
        if column is not None and column != problem.path:
            where = f"{problem.path} (column {column!r})"
        parts.append(f"{where}: {problem.message}")
    return "; ".join(parts)


def _tally(body: Mapping[str, Any], owners: Counter[str], pools: Counter[str]) -> None:
    if body.get("owner") is not None:
        owners[str(body["owner"])] += 1
    elif body.get("pool") is not None:
        pools[str(body["pool"])] += 1


class _Rejects:
    """The rejects file: created (or emptied) at the first refused row of a run, so a run
    that refuses nothing leaves no file behind."""

    def __init__(self, path: Path, columns: _Columns) -> None:
        self.path = path
        self.columns = columns
        self._handle: IO[str] | None = None
        self._writer: Any = None

    def __enter__(self) -> _Rejects:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._handle is not None:
            self._handle.close()

    def add(self, line: int, cells: list[str], reason: str) -> None:
        if self._writer is None:
            self._handle = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._handle)
            taken = set(self.columns.names)
            first, second = (_free_name(name, taken) for name in ("line", "reason"))
            self._writer.writerow([first, second, *self.columns.names])
        # Line and reason first: a row with more cells than columns still lines up.
        self._writer.writerow([line, reason, *cells])


def _free_name(name: str, taken: set[str]) -> str:
    while name in taken:
        name = f"_{name}"
    return name


def _column_problem(path: Path, column: str, message: str) -> Problem:
    return Problem(path=f"{path} column {column!r}", message=message)


def _file_error(path: Path, message: str) -> InvalidInput:
    return InvalidInput([Problem(path=str(path), message=message)])


__all__ = ["ImportSummary", "import_csv"]
