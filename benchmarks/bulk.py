"""Bulk commands at scale: `leadroute import` of an N-row CSV (issue 10, 1d: 1,000,000 rows in
at most 2 minutes) and `leadroute replay` / `leadroute simulate` over N leads (1e: at most 60 s
each), each timed as a subprocess: the real CLI, start-up, progress bar and all.

The inputs are generated (benchmarks/bulk_data.py, seeded) into a scratch directory and reused
by later runs of the same size; the routing file is the 20 rules x 200 reps one of
benchmarks/workload.py. Every import run starts from a fresh SQLite file (and, with
`--postgres`, a fresh database on the server of $LEADROUTE_TEST_POSTGRES_URL, migrated before
the clock starts). Replay is timed twice: as printed by default (one JSON line per decision,
with its trace: about 5 KB a lead) and with `--no-trace` (the same lines without the trace,
about 0.4 KB), both to /dev/null; simulate prints its comparison as JSON, also to /dev/null.

Usage: python benchmarks/bulk.py [--rows N] [--runs R] [--parts import,replay,simulate]
                                 [--postgres] [--dir DIR] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bulk_data import FIELDS, write_history, write_import_csv, write_routing, write_scenario
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

LEADROUTE = Path(sys.executable).with_name("leadroute")
TARGETS = {
    "import": 120.0,
    "import_postgres": 120.0,
    "replay": 60.0,
    "replay_no_trace": 60.0,
    "simulate": 60.0,
}
"""Seconds allowed for 1,000,000 rows or leads (issue 10)."""
FULL = 1_000_000


def timed(command: Sequence[str], log: Path) -> float:
    """Seconds the command took (its output appended to `log`); raise when it fails."""
    started = time.perf_counter()
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(command)}\n")
        out.flush()
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}; see {log}")
    return seconds


def quiet(command: Sequence[str], log: Path) -> float:
    """`timed`, with the command's standard output thrown away (replay, simulate)."""
    started = time.perf_counter()
    with log.open("a", encoding="utf-8") as err, open(os.devnull, "w") as null:
        err.write(f"$ {' '.join(command)} > /dev/null\n")
        err.flush()
        done = subprocess.run(command, stdout=null, stderr=err, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}; see {log}")
    return seconds


@contextmanager
def fresh_postgres(server_url: str, name: str) -> Iterator[str]:
    """An empty database `name` on the server, dropped afterwards."""
    server = make_url(server_url)
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def inputs(folder: Path, rows: int) -> dict[str, Path]:
    """The generated files for `rows` (made once per size and kept in `folder`)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "routing": folder / "routing.yaml",
        "csv": folder / f"leads-{rows}.csv",
        "scenario": folder / f"scenario-{rows}.jsonl",
        "history": folder / f"history-{rows}.csv",
    }
    makers = {
        "csv": write_import_csv,
        "scenario": write_scenario,
        "history": write_history,
    }
    write_routing(paths["routing"])
    for kind, make in makers.items():
        if not paths[kind].exists():
            started = time.perf_counter()
            partial = paths[kind].with_suffix(".partial")
            make(partial, rows)
            partial.rename(paths[kind])
            print(f"generated {paths[kind]} in {time.perf_counter() - started:.1f} s")
    return paths


def run_import(paths: dict[str, Path], folder: Path, url: str, log: Path) -> float:
    rejects = folder / "import.rejects.csv"
    command = [str(LEADROUTE), "import", str(paths["csv"]), "--routing", str(paths["routing"])]
    command += ["--database", url, "--rejects", str(rejects)]
    return timed(command, log)


def sqlite_import(paths: dict[str, Path], folder: Path, log: Path) -> float:
    database = folder / "import.db"
    for leftover in folder.glob("import.db*"):
        leftover.unlink()
    try:
        return run_import(paths, folder, f"sqlite:///{database}", log)
    finally:
        for leftover in folder.glob("import.db*"):
            leftover.unlink()


def postgres_import(paths: dict[str, Path], folder: Path, log: Path) -> float:
    server = os.environ.get("LEADROUTE_TEST_POSTGRES_URL")
    if not server:
        raise SystemExit("--postgres needs $LEADROUTE_TEST_POSTGRES_URL (a server URL)")
    with fresh_postgres(server, f"leadroute_bulk_{os.getpid()}") as url:
        timed([str(LEADROUTE), "migrate", "--database", url], log)
        return run_import(paths, folder, url, log)


def replay(paths: dict[str, Path], log: Path, *, trace: bool = True) -> float:
    command = [str(LEADROUTE), "replay", str(paths["routing"]), str(paths["scenario"])]
    return quiet(command if trace else [*command, "--no-trace"], log)


def simulate(paths: dict[str, Path], log: Path) -> float:
    command = [str(LEADROUTE), "simulate", "--history", str(paths["history"])]
    command += ["--config", str(paths["routing"]), "--id-column", "id", "--rep-column", "rep"]
    command += ["--result-column", "result", "--format", "json"]
    for field in FIELDS[1:]:  # every column of the history but its id
        command += ["--map", f"{field}={field}"]
    return quiet(command, log)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=FULL, help="CSV rows / leads per command")
    parser.add_argument("--runs", type=int, default=1, help="runs; the median is reported")
    parser.add_argument("--parts", default="import,replay,simulate", help="what to time")
    parser.add_argument("--postgres", action="store_true", help="also import into PostgreSQL")
    parser.add_argument("--dir", type=Path, help="scratch directory (default: a temporary one)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    parts = [part.strip() for part in args.parts.split(",") if part.strip()]
    unknown = set(parts) - {"import", "replay", "simulate"}
    if unknown:
        parser.error(f"--parts: unknown {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory(prefix="leadroute-bulk-") as scratch:
        folder = args.dir or Path(scratch)
        paths = inputs(folder, args.rows)
        log = folder / "bulk.log"
        jobs = {
            "import": lambda: sqlite_import(paths, folder, log),
            "import_postgres": lambda: postgres_import(paths, folder, log),
            "replay": lambda: replay(paths, log),
            "replay_no_trace": lambda: replay(paths, log, trace=False),
            "simulate": lambda: simulate(paths, log),
        }
        # "replay" times both replays (with and without the trace), "import" both databases.
        wanted = [name for name in jobs if name.split("_")[0] in parts]
        if not args.postgres:
            wanted = [name for name in wanted if name != "import_postgres"]
        seconds: dict[str, list[float]] = {name: [] for name in wanted}
        seconds["start-up"] = []
        for _ in range(args.runs):
            seconds["start-up"].append(quiet([str(LEADROUTE), "check", str(paths["routing"])], log))
            for name in wanted:
                seconds[name].append(jobs[name]())
                print(f"  {name}: {seconds[name][-1]:.1f} s", flush=True)
    figures = report(args.rows, args.runs, seconds)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


def report(rows: int, runs: int, seconds: dict[str, list[float]]) -> dict[str, object]:
    """Print each median with its rate (start-up excluded: `leadroute check` of the routing
    file, which loads the CLI and parses the routing as every command does), the time that
    rate makes for 1,000,000 (start-up included) and the target; return the same figures."""
    startup = statistics.median(seconds.pop("start-up"))
    print(f"rows/leads: {rows:,}; runs: {runs} (median); machine cores: {os.cpu_count()}")
    print(f"start-up (leadroute check of the routing file): {startup:.1f} s")
    figures: dict[str, object] = {"rows": rows, "runs": runs, "startup_s": startup}
    for name, values in seconds.items():
        median = statistics.median(values)
        rate = rows / max(median - startup, 1e-9)
        at_full = startup + FULL / rate
        target = TARGETS[name]
        verdict = "meets" if at_full <= target else "misses"
        print(
            f"{name:<16} {median:>9.1f} s  {rate:>9,.0f} /s  "
            f"1M at this rate: {at_full:>8.0f} s  (target <= {target:.0f} s: {verdict})"
        )
        figures[name] = {
            "seconds": median,
            "all_seconds": values,
            "per_s": rate,
            "seconds_for_1m": at_full,
            "target_s": target,
            "meets": at_full <= target,
        }
    return figures


if __name__ == "__main__":
    raise SystemExit(main())
