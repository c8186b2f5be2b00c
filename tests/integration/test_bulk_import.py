"""A CSV imported in batches (services/batch_intake.py) ends exactly as the same CSV imported
row by row through `take_lead`: the same rows in every routing table, compared column by column
on SQLite and PostgreSQL, for routing files that rotate, weigh, cap, pool, offer, start SLA
clocks and merge or link duplicates."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from itertools import count
from pathlib import Path
from random import Random
from typing import Any

import pytest
from sqlalchemy import select

from leadroute.services import batch_intake, imports, intake
from leadroute.services.batch_intake import one_by_one
from leadroute.services.imports import ImportSummary, import_csv
from leadroute.services.principals import SYSTEM
from leadroute.services.runtime import Runtime
from leadroute.settings import Settings
from leadroute.storage.tables import Base, DecisionRow, EventRow, LeadRow
from tests.api.conftest import Clock, start_migrated
from tests.databases import fresh_postgres_database, postgres_server_url, sqlite_url

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ROWS = 100
# Columns that differ between two runs whatever the path: surrogate keys of tables whose rows
# are compared by content, and the random ids of outbox deliveries.
UNORDERED = {"deliveries": ("id",)}


class Ticking(Clock):
    """A clock that moves 7 minutes each time it is read: a run crosses hours, a night and a
    day, so cap windows roll over and working hours open and close."""

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=7)
        return self.now


def sequential_ids() -> Callable[[datetime], str]:
    """Lead ids that are the same in both runs (the random part of a real id would give the
    random selector another seed)."""
    numbers = count()
    return lambda now: f"{int(now.timestamp()):012d}{next(numbers):014d}"


def leads_csv(path: Path, rows: int, *, seed: int = 3) -> Path:
    """Seeded rows: repeated e-mails and companies (duplicates), an exact repeat, a repeated
    external id, rows intake refuses, several countries and sizes."""
    rng = Random(seed)
    countries = ("US", "US", "GB", "DE", "BR", "JP", "IN", "FR", "MX")
    header = ("external_id", "email", "phone", "company", "country", "company_size", "source")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        previous: list[str] = []
        for number in range(rows):
            person = rng.randrange(rows * 2 // 3)  # about a third of the people come back
            cells = [
                f"X{number}",
                f"p{person}@firm{person % 37}.com",
                "",
                f"Firm {person % 37}",
                rng.choice(countries),
                str(rng.choice((5, 50, 150, 500, 5000))),
                rng.choice(("web", "ads", "partner", "referral", "spam")),
            ]
            if number % 41 == 40:
                cells[1] = ""  # neither e-mail nor phone: refused
            if number % 53 == 52 and previous:
                cells = previous
            if number % 59 == 58:
                cells[0] = "X1"  # an external id stored already: skipped
            writer.writerow(cells)
            previous = cells
    return path


def routing_files(tmp_path: Path) -> dict[str, Path]:
    linked = tmp_path / "link.yaml"
    text = (EXAMPLES / "duplicates/routing.yaml").read_text(encoding="utf-8")
    linked.write_text(text.replace("policy: merge", "policy: link"), encoding="utf-8")
    return {
        "hours": EXAMPLES / "working_hours/routing.yaml",
        "territory": EXAMPLES / "territory/routing.yaml",
        "merge": EXAMPLES / "duplicates/routing.yaml",
        "link": linked,
        "offers": EXAMPLES / "offers/routing.yaml",
        "sla": EXAMPLES / "sla/routing.yaml",
        "caps": EXAMPLES / "load_balancing_caps/routing.yaml",
        "weighted": EXAMPLES / "weighted/routing.yaml",
    }


@pytest.fixture
def twin_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second fresh, empty database of the same kind as `database_url`."""
    if database_url.startswith("sqlite"):
        folder = tmp_path / "twin"
        folder.mkdir()
        yield sqlite_url(folder)
        return
    server = postgres_server_url()
    assert server is not None, "database_url is PostgreSQL, so the server is known"
    with fresh_postgres_database(server) as url:
        yield url


def contents(runtime: Runtime) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (but the drop lists), in a stable order."""
    found: dict[str, list[tuple[object, ...]]] = {}
    with runtime.database.reading() as session:
        for table in Base.metadata.sorted_tables:
            skip = UNORDERED.get(table.name, ())
            columns = [column for column in table.columns if column.name not in skip]
            rows = session.execute(select(*columns)).all()
            found[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return found


def imported(
    url: str, routing: Path, path: Path, monkeypatch: pytest.MonkeyPatch, *, batched: bool
) -> tuple[ImportSummary, dict[str, list[tuple[object, ...]]], str]:
    clock = Ticking()
    runtime = start_migrated(Settings(database_url=url, routing=routing), clock)
    try:
        with monkeypatch.context() as patch:
            patch.setattr(intake, "new_lead_id", sequential_ids())
            if not batched:
                patch.setattr(imports, "take_batch", one_by_one)
            else:
                # Chunks of a few dozen rows: a run has several transactions, as big imports do.
                patch.setattr(imports, "CHUNK_ROWS", 37)
            summary = import_csv(runtime=runtime, path=path, caller=SYSTEM, now=clock)
        rejects = summary.rejects_file.read_text(encoding="utf-8") if summary.rejects_file else ""
        return summary, contents(runtime), rejects
    finally:
        runtime.database.dispose()


@pytest.mark.parametrize(
    "name", ["hours", "territory", "merge", "link", "offers", "sla", "caps", "weighted"]
)
def test_batches_write_what_row_by_row_writes(
    name: str,
    database_url: str,
    twin_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    routing = routing_files(tmp_path)[name]
    path = leads_csv(tmp_path / "leads.csv", ROWS)
    one, before, refused = imported(twin_url, routing, path, monkeypatch, batched=False)
    many, after, rejects = imported(database_url, routing, path, monkeypatch, batched=True)
    assert one.imported > ROWS // 2
    assert one.rejected > 0
    assert one.skipped > 0
    assert (many.rows, many.imported, many.skipped, many.rejected) == (
        one.rows,
        one.imported,
        one.skipped,
        one.rejected,
    )
    assert (many.owners, many.pools) == (one.owners, one.pools)
    assert rejects == refused
    assert before["leads"], "the import stored leads"
    for table, rows in before.items():
        assert after[table] == rows, f"table {table} differs"


def test_an_error_in_a_batch_keeps_the_rows_before_it_and_no_half_row(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure that is no refusal (a bug, a lost connection) rolls its transaction back; the
    rows before the faulty one are taken in again one by one and kept, and the error surfaces
    at that row, which leaves nothing behind."""
    path = leads_csv(tmp_path / "leads.csv", 30)
    runtime = start_migrated(Settings(database_url=database_url), Clock())
    real = intake.take_in
    taken: list[str] = []

    def failing(*args: Any, **kwargs: Any) -> intake.Answer:
        payload = kwargs["payload"]
        assert isinstance(payload, dict)
        if payload["external_id"] == "X12":
            raise RuntimeError("the disk is full")
        taken.append(str(payload["external_id"]))
        return real(*args, **kwargs)

    try:
        monkeypatch.setattr(intake, "take_in", failing)
        monkeypatch.setattr(batch_intake, "take_in", failing)
        with pytest.raises(RuntimeError, match="the disk is full"):
            import_csv(runtime=runtime, path=path, caller=SYSTEM, now=Clock())
        with runtime.database.reading() as session:
            external = set(session.scalars(select(LeadRow.external_id)))
            decided = list(session.scalars(select(DecisionRow.lead_id)))
            received = list(
                session.scalars(select(EventRow.lead_id).where(EventRow.type == "lead.received"))
            )
    finally:
        runtime.database.dispose()
    assert len(taken) > len(set(taken)), "the batch was rolled back and taken again row by row"
    assert external == {f"X{number}" for number in range(12)}
    assert len(decided) == len(set(decided)) == len(received) == len(external)
