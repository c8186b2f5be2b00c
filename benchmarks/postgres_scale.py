"""PostgreSQL scale-out: several app processes, one worker, 16 clients; leads/s and claims/s.

    LEADROUTE_TEST_POSTGRES_URL=postgresql+psycopg://... .venv/bin/python \\
        benchmarks/postgres_scale.py [--processes 2] [--clients 16] [--duration 10] [--runs 3]
        [--json FILE]

Each run makes fresh databases on the server of $LEADROUTE_TEST_POSTGRES_URL and starts
--processes `leadroute serve --no-worker` on their own ports plus one `leadroute worker`:
(a) intake: --clients closed-loop clients (spread over the processes) post leads routed by the
20-rule x 200-rep workload file: routed leads/s; (b) claims: every lead goes to one pull pool,
which is filled first (for twice --duration), then --clients reps each pull the next lead
(`POST /api/v1/pools/bench/claim` with their own rep key) as fast as they can: claims/s and
409 conflicts. Afterwards: 0 double owners (tests/ownership_checks.py), and every 2xx intake
is a stored lead, every 200 claim a `lead.claimed` event.

What limits it is measured beside: CPU used by the app processes, the worker, PostgreSQL and
this generator (cores, from /proc), how many backends wait on a lock (sampled from
pg_stat_activity: the routing lock of Database.writing()), and `synchronous_commit`/`fsync`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from loadgen import LeadBodies, Load, Pool, Step, Target, closed_loop
from servers import Process, admin_key, cpu_seconds, launch, leadroute, serve
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from workload import make_reps, routing_yaml

from leadroute.services.keys import create_key
from leadroute.services.principals import Role
from leadroute.storage.database import connect
from leadroute.storage.tables import EventRow, LeadRow

sys.path.insert(0, str(Path(__file__).parents[1]))  # the tests package, for its helpers
from tests import ownership_checks
from tests.databases import POSTGRES_URL_ENV, fresh_postgres_database

TARGET = 1000.0
POOL_ROUTING = """timezone: UTC
reps:
{reps}
pools:
  bench: {{order: fifo}}
routing:
  - {{name: pooled, pool: bench}}
fallback: {{pool: bench}}
"""


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def app(database: str, routing: Path, folder: Path, processes: int) -> Iterator[list[Process]]:
    """`processes` serve --no-worker and one worker on `database`, all stopped on exit."""
    with ExitStack() as stack:
        started = []
        for number in range(processes):
            started.append(
                serve(name=f"app{number}", database=database, routing=routing, folder=folder,
                      worker=False)
            )  # fmt: skip
            stack.callback(started[-1].stop)
        command = [sys.executable, "-m", "leadroute", "worker", "--database", database]
        worker = launch("worker", command, port=0, folder=folder, health=False)
        stack.callback(worker.stop)
        yield [*started, worker]


@contextmanager
def watching(database: str, trees: list[Process]) -> Iterator[dict[str, float]]:
    """Cores used by app processes, worker, PostgreSQL and this process, and the mean number
    of this database's backends active and waiting on a lock, over the block."""
    figures: dict[str, float] = {}
    stop = threading.Event()
    samples: list[tuple[int, int]] = []

    def sample() -> None:
        with psycopg.connect(libpq(database), autocommit=True) as conn:
            while not stop.wait(0.2):
                row = conn.execute(
                    "SELECT count(*) FILTER (WHERE state = 'active'), count(*) FILTER "
                    "(WHERE wait_event_type = 'Lock') FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone()
                samples.append((row[0], row[1]) if row else (0, 0))

    def postgres_cpu() -> float:
        return sum(cpu_seconds(pid) for pid in _postgres_roots())

    before = [cpu_seconds(p.pid) for p in trees] + [postgres_cpu(), time.process_time()]
    started = time.monotonic()
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield figures
    finally:
        stop.set()
        thread.join()
        spent = time.monotonic() - started
        after = [cpu_seconds(p.pid) for p in trees] + [postgres_cpu(), time.process_time()]
        used = [(b - a) / spent for a, b in zip(before, after, strict=True)]
        figures["cores_app"] = sum(used[: len(trees) - 1])
        figures["cores_worker"], figures["cores_postgres"], figures["cores_loadgen"] = used[-3:]
        figures["backends_active"] = statistics.fmean(s[0] for s in samples) if samples else 0
        figures["backends_waiting_lock"] = statistics.fmean(s[1] for s in samples) if samples else 0


def _postgres_roots() -> list[int]:
    """The postgres postmaster processes on this machine (their trees hold every backend)."""
    roots = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            name, rest = stat.split("(", 1)[1].rsplit(")", 1)
            if name == "postgres" and _name_of(int(rest.split()[1])) != "postgres":
                roots.append(int(entry))
    return roots


def _name_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split("(", 1)[1].rsplit(")", 1)[0]
    except (OSError, IndexError):
        return ""


def settings_of(database: str) -> dict[str, str]:
    with psycopg.connect(libpq(database), autocommit=True) as conn:
        shown = {}
        for name in ("synchronous_commit", "fsync", "max_connections", "shared_buffers"):
            row = conn.execute(f"SHOW {name}").fetchone()
            shown[name] = str(row[0]) if row else "?"
    return shown


def rep_keys(database: str, reps: list[str]) -> list[str]:
    db = connect(database)
    try:
        with db.writing() as session:
            now = datetime.now(UTC)
            made = [
                create_key(session, role=Role.REP, rep_id=rep, now=now, actor="benchmark")
                for rep in reps
            ]
    finally:
        db.dispose()
    return [key.secret for key in made]


def counts(database: str) -> tuple[int, int, int]:
    """(stored leads, lead.claimed events, double owners) once the servers are stopped."""
    db = connect(database)
    try:
        with db.reading() as session:
            leads = session.scalar(select(func.count()).select_from(LeadRow)) or 0
            claimed = session.scalar(
                select(func.count()).select_from(EventRow).where(EventRow.type == "lead.claimed")
            )
        snap = ownership_checks.read(db)
    finally:
        db.dispose()
    try:
        ownership_checks.check_owners(snap)
        doubles = 0
    except AssertionError as error:
        print(f"  OWNERSHIP CHECK FAILED: {error}")
        doubles = 1 + str(error).count(",")
    return leads, claimed or 0, doubles


def intake_run(server: str, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    with fresh_postgres_database(server) as database:
        leadroute("migrate", "--database", database, folder=folder)
        routing = folder / "workload.yaml"
        routing.write_text(routing_yaml(make_reps()), encoding="utf-8")
        with app(database, routing, folder, args.processes) as trees:
            key = admin_key(database, folder)
            load = Load(urls=[p.url for p in trees[:-1]], key=key, bodies=LeadBodies(tag="pi"))
            load.closed(args.clients, 2)  # warm-up: connections, compiled routing
            with watching(database, trees) as limits:
                step = load.closed(args.clients, args.duration)
            print("  intake " + step.line(), flush=True)
        stored, _, doubles = counts(database)
        return {"step": asdict(step), "limits": limits, "stored": stored, "doubles": doubles,
                "settings": settings_of(database)}  # fmt: skip


def claim_run(server: str, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    reps = [f"c{n:02d}" for n in range(1, args.clients + 1)]
    lines = "\n".join(f"  - {{id: {rep}, teams: [pull]}}" for rep in reps)
    routing = folder / "pool.yaml"
    routing.write_text(POOL_ROUTING.format(reps=lines), encoding="utf-8")
    with fresh_postgres_database(server) as database:
        leadroute("migrate", "--database", database, folder=folder)
        with app(database, routing, folder, args.processes) as trees:
            urls = [p.url for p in trees[:-1]]
            load = Load(urls=urls, key=admin_key(database, folder), bodies=LeadBodies(tag="pc"))
            filled = load.closed(args.clients, 2 * args.duration)
            print(f"  pool filled: {filled.ok} leads", flush=True)
            keys = rep_keys(database, reps)
            with watching(database, trees) as limits:
                step = claim(urls, keys, args.duration)
            print("  claims " + step.line(), flush=True)
        stored, claimed, doubles = counts(database)
        return {"step": asdict(step), "limits": limits, "filled": filled.ok, "stored": stored,
                "claimed_events": claimed, "doubles": doubles}  # fmt: skip


def claim(urls: list[str], keys: list[str], seconds: float) -> Step:
    """Each key's rep pulls the next lead of the pool, as fast as it can."""
    targets = [Target.of(url) for url in urls]

    def puller(n: int) -> Callable[[], bytes]:
        raw = targets[n % len(targets)].request("POST", "/api/v1/pools/bench/claim", keys[n])
        return lambda: raw

    async def run() -> Step:
        pools = [Pool(target, len(keys)) for target in targets]
        try:
            return await closed_loop(pools, [puller(n) for n in range(len(keys))], seconds)
        finally:
            for pool in pools:
                pool.close()

    return asyncio.run(run())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="runs; medians are reported")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--processes", type=int, default=2, help="serve --no-worker processes")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    server = os.environ.get(POSTGRES_URL_ENV)
    if not server:
        print(f"{POSTGRES_URL_ENV} is not set: nothing to measure", file=sys.stderr)
        return 2
    runs = []
    for number in range(args.runs):
        print(f"run {number + 1}/{args.runs}", flush=True)
        with tempfile.TemporaryDirectory(prefix="lr-pg-") as folder:
            runs.append({"intake": intake_run(server, Path(folder), args),
                         "claims": claim_run(server, Path(folder), args)})  # fmt: skip
    result = summary(runs, args)
    if args.json:
        args.json.write_text(json.dumps({"summary": result, "runs": runs}, indent=1))
    return 0 if result["doubles"] == 0 and result["lost"] == 0 else 1


def _limit(name: str) -> Callable[[dict[str, Any]], float]:
    return lambda part: float(part["limits"][name])


def summary(runs: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    def med(part: str, pick: Callable[[dict[str, Any]], float]) -> float:
        return statistics.median(pick(run[part]) for run in runs)

    result = {
        "leads_per_s": med("intake", lambda r: r["step"]["throughput"]),
        "intake_p99_ms": med("intake", lambda r: r["step"]["p99"]),
        "claims_per_s": med(
            "claims", lambda r: r["step"]["statuses"].get("200", 0) / r["step"]["seconds"]
        ),
        "claim_p99_ms": med("claims", lambda r: r["step"]["p99"]),
        "conflicts": sum(r["claims"]["step"]["statuses"].get("409", 0) for r in runs),
        "doubles": sum(r[p]["doubles"] for r in runs for p in ("intake", "claims")),
        "lost": sum(max(0, r["intake"]["step"]["ok"] - r["intake"]["stored"]) for r in runs)
        + sum(
            abs(r["claims"]["step"]["statuses"].get("200", 0) - r["claims"]["claimed_events"])
            for r in runs
        ),
        "limits_intake": {k: med("intake", _limit(k)) for k in runs[0]["intake"]["limits"]},
        "limits_claims": {k: med("claims", _limit(k)) for k in runs[0]["claims"]["limits"]},
        "settings": runs[0]["intake"]["settings"],
    }
    print(f"\nPostgreSQL, {args.processes} app processes + 1 worker, {args.clients} clients, "
          f"median of {len(runs)}:")  # fmt: skip
    print(f"  routed leads/s: {result['leads_per_s']:,.0f} (target ≥ {TARGET:,.0f}), "
          f"p99 {result['intake_p99_ms']:.0f} ms")  # fmt: skip
    print(f"  claims/s: {result['claims_per_s']:,.0f} (target ≥ {TARGET:,.0f}), p99 "
          f"{result['claim_p99_ms']:.0f} ms, 409 conflicts {result['conflicts']}")  # fmt: skip
    print(f"  double owners: {result['doubles']}; acknowledged but not stored: {result['lost']}")
    for part in ("intake", "claims"):
        shown = ", ".join(f"{k} {v:.2f}" for k, v in result[f"limits_{part}"].items())
        print(f"  {part} limits: {shown}")
    print(f"  server settings: {result['settings']}")
    return result


if __name__ == "__main__":
    sys.exit(main())
