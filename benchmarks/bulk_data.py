"""Generated inputs for the bulk benchmarks: an import CSV, a replay scenario and a simulation
history of N leads each, all seeded and streamed to disk (1,000,000 rows never sit in memory).

The leads follow the mix of `benchmarks/workload.py` (the 20 rules x 200 reps routing file
routes them), each with its own external id and e-mail. The import CSV also holds a few rows
intake refuses (no e-mail nor phone) and a few exact repeats of an earlier row, so the
rejects file and the "already there" path do real work too.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from random import Random

from workload import (
    COMPANY_SUFFIXES,
    COMPANY_WORDS,
    COUNTRIES,
    INDUSTRIES,
    LANGUAGE_OF,
    PRODUCTS,
    SIZES,
    SOURCES,
    START,
    US_REGIONS,
    make_reps,
    routing_yaml,
)

COLUMNS = (
    "Lead ID",
    "Email",
    "Company",
    "Country",
    "Region",
    "Language",
    "Industry",
    "Company Size",
    "Source",
    "Product",
)
REJECT_EVERY = 997  # about 0.1% of the rows have no e-mail (nor phone): intake refuses them
REPEAT_EVERY = 1009  # about 0.1% repeat an earlier row exactly (skipped, not imported twice)
OUTCOMES = ("won", "lost", "lost", "")


@dataclass(frozen=True, kw_only=True, slots=True)
class Row:
    """One generated lead: when it arrives and its cells (by COLUMNS)."""

    at: datetime
    cells: tuple[str, ...]


def _pick(rng: Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def leads(count: int, *, seed: int = 42) -> Iterator[Row]:
    """`count` seeded leads, 1-10 s apart from START, with unique ids and e-mails."""
    rng = Random(seed)
    now = START
    for number in range(count):
        now += timedelta(seconds=rng.randint(1, 10))
        country = region = language = ""
        if rng.random() < 0.98:
            country = _pick(rng, COUNTRIES)
            if country == "US":
                region = rng.choice(US_REGIONS)
            if rng.random() < 0.95:
                language = "es" if rng.random() < 0.08 else LANGUAGE_OF[country]
        word, suffix = rng.choice(COMPANY_WORDS), rng.choice(COMPANY_SUFFIXES)
        domain = f"{word.lower()}{rng.randint(1, 5000)}.com"
        size = str(rng.choice(SIZES)) if rng.random() < 0.97 else ""
        cells = (
            f"B{seed}-{number}",
            f"lead{number}@{domain}",
            f"{word} {rng.randint(1, 5000)} {suffix}",
            country,
            region,
            language,
            rng.choice(INDUSTRIES),
            size,
            _pick(rng, SOURCES),
            rng.choice(PRODUCTS),
        )
        yield Row(at=now, cells=cells)


def write_routing(path: Path) -> Path:
    """The benchmark routing file: 20 rules x 200 reps (benchmarks/workload.py)."""
    path.write_text(routing_yaml(make_reps()), encoding="utf-8")
    return path


def write_import_csv(path: Path, count: int, *, seed: int = 42) -> Path:
    """`count` data rows for `leadroute import` (with a few refused and repeated ones)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        previous: tuple[str, ...] | None = None
        for number, row in enumerate(leads(count, seed=seed), start=1):
            cells = row.cells
            if number % REJECT_EVERY == 0:
                cells = (cells[0], "", *cells[2:])
            elif number % REPEAT_EVERY == 0 and previous is not None:
                cells = previous
            writer.writerow(cells)
            previous = cells
    return path


def write_scenario(path: Path, count: int, *, seed: int = 42) -> Path:
    """A replay scenario: `count` lead events, and every fourth lead's outcome 40 leads later."""
    with path.open("w", encoding="utf-8") as handle:
        for number, row in enumerate(leads(count, seed=seed)):
            lead = {
                field: value
                for field, value in zip(FIELDS, row.cells, strict=True)
                if value and field != "email"
            }
            lead["id"] = row.cells[0]
            lead["email"] = row.cells[1]
            at = row.at.isoformat()
            handle.write(json.dumps({"at": at, "lead": lead}, separators=(",", ":")) + "\n")
            if number >= 40 and number % 4 == 0:
                result = ("won", "lost", "touched")[number % 3]
                earlier = f"B{seed}-{number - 40}"
                outcome = {"lead": earlier, "result": result}
                handle.write(json.dumps({"at": at, "outcome": outcome}) + "\n")
    return path


def write_history(path: Path, count: int, *, seed: int = 42) -> Path:
    """A simulation history: the leads with arrival time, who worked them and the result."""
    reps = [rep.id for rep in make_reps()]
    rng = Random(seed + 1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("id", "received_at", "rep", "result", *FIELDS[1:]))
        for row in leads(count, seed=seed):
            result = rng.choice(OUTCOMES)
            rep = rng.choice(reps)
            writer.writerow((row.cells[0], row.at.isoformat(), rep, result, *row.cells[1:]))
    return path


FIELDS = (
    "external_id",
    "email",
    "company",
    "country",
    "region",
    "language",
    "industry",
    "company_size",
    "source",
    "product",
)
