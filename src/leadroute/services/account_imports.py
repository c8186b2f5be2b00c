"""Importing accounts from CSV: a header row, then one account per row.

Columns (any order, case ignored): `name` (required), `domains` (one or more, separated by `;`,
`,` or spaces), `owner` (a rep id of the routing in force), `external_id` (your CRM's id). A row
with an `external_id` updates the account holding that external id, so running a file again
updates and never duplicates; a row without one updates the account of the same name key that
has no external id, else it makes a new account. An empty `owner` or `domains` cell clears it.
A refused row (no name, a bad, free-mail or taken domain, an unknown owner) is listed with its
line and why, and the other rows are stored. Rows are written 200 to a transaction.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadroute.domain.errors import InvalidInput, LeadrouteError, Problem
from leadroute.routing.accounts import company_name_key
from leadroute.services.accounts import FIELDS, same_values, save_account
from leadroute.services.principals import Principal
from leadroute.services.runtime import Runtime
from leadroute.storage.tables import AccountRow

BATCH = 200
_SEPARATORS = re.compile(r"[;,\s]+")


@dataclass(frozen=True, kw_only=True, slots=True)
class Refused:
    line: int
    reason: str


@dataclass(frozen=True, kw_only=True, slots=True)
class AccountImport:
    rows: int
    created: int
    updated: int
    unchanged: int
    refused: tuple[Refused, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "refused": [{"line": r.line, "reason": r.reason} for r in self.refused],
        }


def decode_csv(data: bytes, *, source: str) -> list[str]:
    """The lines of an uploaded file; InvalidInput when it is not UTF-8 text."""
    try:
        return data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as error:
        problem = Problem(path=source, message=f"not UTF-8 text (byte {error.start})")
        raise InvalidInput([problem]) from None


def import_accounts(
    *,
    runtime: Runtime,
    lines: Iterable[str],
    source: str,
    caller: Principal,
    now: Callable[[], datetime],
    progress: Callable[[int], None] | None = None,
) -> AccountImport:
    """Create or update an account per data row (see the module docstring). InvalidInput for
    a file without a header, without a `name` column or with an unknown column. `progress` is
    called with the number of rows done after each batch."""
    rows = iter(lines)
    first = next(rows, None)
    if first is None or not first.strip():
        raise InvalidInput([Problem(path=source, message="empty file: expected a header row")])
    delimiter = "\t" if "\t" in first else "," if "," in first else ";" if ";" in first else ","
    reader = csv.reader(_chained(first, rows), delimiter=delimiter)
    header = [cell.strip().lower() for cell in next(reader)]
    _check_header(header, source)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    refused: list[Refused] = []
    done = 0
    numbered = ((reader.line_num, cells) for cells in reader)
    while batch := list(islice(numbered, BATCH)):
        with runtime.database.writing() as session:
            at = now()
            for line, cells in batch:
                if not any(cell.strip() for cell in cells):
                    continue
                try:
                    counts[_import_row(session, runtime, header, cells, caller, at)] += 1
                except LeadrouteError as error:
                    refused.append(Refused(line=line, reason=_reason(error)))
        done += len(batch)
        if progress is not None:
            progress(done)
    total = sum(counts.values()) + len(refused)
    return AccountImport(rows=total, refused=tuple(refused), **counts)


def _import_row(
    session: Session,
    runtime: Runtime,
    header: list[str],
    cells: list[str],
    caller: Principal,
    now: datetime,
) -> str:
    if len(cells) > len(header):
        message = f"{len(cells)} cells, the header has {len(header)} columns"
        raise InvalidInput([Problem(path="", message=message)])
    values = {name: cell.strip() for name, cell in zip(header, cells, strict=False)}
    entry: dict[str, Any] = {
        "name": values.get("name") or None,
        "domains": [d for d in _SEPARATORS.split(values.get("domains", "")) if d],
        "owner": values.get("owner") or None,
        "external_id": values.get("external_id") or None,
    }
    row = _existing(session, entry)
    if row is not None and same_values(row, entry):
        return "unchanged"
    save_account(session, runtime, row, entry, caller.actor, now)
    return "created" if row is None else "updated"


def _existing(session: Session, entry: dict[str, Any]) -> AccountRow | None:
    if entry["external_id"] is not None:
        return session.scalar(
            select(AccountRow).where(AccountRow.external_id == entry["external_id"])
        )
    key = company_name_key(entry["name"])
    if key is None:
        return None
    return session.scalar(
        select(AccountRow)
        .where(AccountRow.name_key == key, AccountRow.external_id.is_(None))
        .order_by(AccountRow.id)
        .limit(1)
    )


def _check_header(header: list[str], source: str) -> None:
    expected = f"unknown (expected {', '.join(FIELDS)})"
    problems = [
        Problem(path=f"{source}: column {name!r}", message=expected)
        for name in header
        if name not in FIELDS
    ]
    if "name" not in header:
        problems.append(Problem(path=source, message="no `name` column in the header"))
    if problems:
        raise InvalidInput(problems)


def _reason(error: LeadrouteError) -> str:
    if isinstance(error, InvalidInput):
        return "; ".join(str(problem) for problem in error.problems)
    return str(error)


def _chained(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest
