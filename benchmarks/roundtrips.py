"""Database round trips per routed lead, as reps and stored leads grow (issue 10, item 1f).

    .venv/bin/python benchmarks/roundtrips.py [--databases sqlite,postgresql]
        [--reps 10,100,1000] [--stored 1000,100000,1000000] [--max-leads N]
        [--leads L] [--runs R] [--shapes round_robin,...] [--json PATH]

Each lead is posted through the HTTP API (tests/api/conftest.make_service's TestClient), so the
count includes the API-key lookup and whatever the API layer reads. Per database and number of
stored leads, a database is filled once (tests/stored_leads.py: leads with decisions,
assignments, events, timers, account keys and accounts, in bulk); per number of reps and routing
shape (tests/routing_shapes.py) the shape's routing file is put in force with fresh rep state,
and L leads are posted, each counted with SQLAlchemy events (tests/statements.py).

Round trips = statements + BEGINs + COMMITs + ROLLBACKs + pool pings (PostgreSQL pre-ping on
each checkout). The count is exact and the same on every run; ms per lead (the median over the
L leads, then over R runs) is informative only: a count that stays constant while its time
grows with stored leads is a scan a missing index would avoid. PostgreSQL needs
LEADROUTE_TEST_POSTGRES_URL (or --postgres URL): each size gets a database of its own, dropped
afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: tests.*

from tests.api.conftest import Service
from tests.databases import fresh_postgres_database, sqlite_url
from tests.routing_shapes import SHAPES, measure, open_service
from tests.stored_leads import fill


@dataclass(frozen=True, kw_only=True, slots=True)
class Cell:
    database: str
    shape: str
    reps: int
    stored: int
    round_trips: int  # per lead (the most any lead took)
    fewest: int  # the fewest any lead took (equal to round_trips when the path is fixed)
    statements: int
    executemany: int
    ms: float  # median per lead


def database_urls(name: str, postgres: str | None, folder: Path) -> AbstractContextManager[str]:
    if name == "sqlite":
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("leadroute.db*"):
            old.unlink()
        return nullcontext(sqlite_url(folder))
    if postgres is None:
        raise SystemExit("PostgreSQL: set LEADROUTE_TEST_POSTGRES_URL or pass --postgres URL")
    return fresh_postgres_database(postgres)


@contextmanager
def filled(name: str, stored: int, postgres: str | None, folder: Path) -> Iterator[Service]:
    """A running service on a database holding `stored` leads."""
    with database_urls(name, postgres, folder / f"{name}-{stored}") as url:
        services = open_service(url)
        service = next(services)
        started = time.perf_counter()
        fill(service.runtime.database.engine, stored, now=service.clock.now)
        print(
            f"# {name}: {stored:,} stored leads filled in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        try:
            yield service
        finally:
            for _ in services:  # make_service's clean-up: close the client, dispose
                pass


def run(args: argparse.Namespace) -> list[Cell]:
    cells: list[Cell] = []
    stored_sizes = [n for n in args.stored if n <= args.max_leads] or [min(args.stored)]
    with tempfile.TemporaryDirectory() as scratch:
        for name in args.databases:
            for stored in stored_sizes:
                with filled(name, stored, args.postgres, Path(scratch)) as service:
                    for reps in args.reps:
                        for shape in args.shapes:
                            cells.append(
                                _cell(service, name=name, shape=shape, reps=reps, stored=stored,
                                      leads=args.leads, runs=args.runs)
                            )  # fmt: skip
                            print(_row(cells[-1]), flush=True)
    return cells


def _cell(
    service: Service, *, name: str, shape: str, reps: int, stored: int, leads: int, runs: int
) -> Cell:
    results = [
        measure(service, shape=shape, reps=reps, stored=stored, count=leads) for _ in range(runs)
    ]
    fewest = min(r.round_trips[0] for r in results)
    most = max(r.round_trips[1] for r in results)
    last = results[-1].counts[-1]
    return Cell(
        database=name,
        shape=shape,
        reps=reps,
        stored=stored,
        round_trips=most,
        fewest=fewest,
        statements=last.statements,
        executemany=last.executemany,
        ms=round(statistics.median(r.ms for r in results), 2),
    )


_HEADER = f"{'database':<11}{'shape':<14}{'reps':>6}{'stored':>11}{'trips/lead':>12}{'ms/lead':>9}"


def _row(cell: Cell) -> str:
    trips = str(cell.round_trips)
    if cell.fewest != cell.round_trips:
        trips = f"{cell.fewest}-{cell.round_trips}"
    return (
        f"{cell.database:<11}{cell.shape:<14}{cell.reps:>6}{cell.stored:>11,}{trips:>12}"
        f"{cell.ms:>9.2f}"
    )


def table(cells: list[Cell]) -> str:
    lines = [_HEADER, *(_row(cell) for cell in cells)]
    grows = []
    for database in sorted({c.database for c in cells}):
        for shape in SHAPES:
            seen = sorted({(c.fewest, c.round_trips) for c in _group(cells, database, shape)})
            if len(seen) > 1 or any(fewest != most for fewest, most in seen):
                grows.append(f"{database}/{shape}: {seen}")
    verdict = "constant in reps and stored leads" if not grows else "GROWS: " + ", ".join(grows)
    lines.append(f"round trips per lead: {verdict}")
    return "\n".join(lines)


def _group(cells: list[Cell], database: str, shape: str) -> list[Cell]:
    return [c for c in cells if c.database == database and c.shape == shape]


def _numbers(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres", default=os.environ.get("LEADROUTE_TEST_POSTGRES_URL"))
    parser.add_argument("--reps", type=_numbers, default=[10, 100, 1000])
    parser.add_argument("--stored", type=_numbers, default=[1000, 100_000, 1_000_000])
    parser.add_argument("--max-leads", type=int, default=1_000_000, help="largest store")
    parser.add_argument("--leads", type=int, default=20, help="leads posted per cell")
    parser.add_argument("--runs", type=int, default=3, help="runs per cell (median ms)")
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    args.databases = [name for name in args.databases.split(",") if name]
    args.shapes = [name for name in args.shapes.split(",") if name]
    unknown = set(args.shapes) - set(SHAPES)
    if unknown:
        parser.error(f"unknown shapes {sorted(unknown)}; known: {', '.join(SHAPES)}")
    print(_HEADER, flush=True)
    cells = run(args)
    print()
    print(table(cells))
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "command": " ".join(["benchmarks/roundtrips.py", *(argv or sys.argv[1:])]),
                    "cells": [asdict(cell) for cell in cells],
                    "constant": "GROWS" not in table(cells),
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
