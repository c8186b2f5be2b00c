"""Scale-out: two `leadroute serve --workers 2` commands (two machines, four app processes) and
a separate `leadroute worker`, all on one database, take a stream of leads from eight clients
at once. Routing stays what one process would do:

- round robin rotates exactly: every window of five consecutive round-robin assignments, in
  commit order, names each of the five reps once, and each ends with the same number;
- day caps are exact: each capped rep gets its cap and not one lead more, the rest overflow to
  the pool;
- no lead has two owners, every acknowledged lead is stored once, loads and counters agree
  with the leads (tests/ownership_checks.py).

Both databases (the `database_url` fixture); SQLite's processes share the file under WAL and
`BEGIN IMMEDIATE`, PostgreSQL's the row lock of `Database.writing()`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from leadroute.storage.database import connect
from tests import ownership_checks as checks
from tests.reliability.server import Server

CLIENTS = 8
ROTATING = tuple(f"rr{n}" for n in range(1, 6))
CAPPED = tuple(f"cap{n}" for n in range(1, 4))
DAY_CAP = 6
PER_ROTATING = 12  # round-robin leads each rotating rep must end with
OVERFLOW = 9  # capped-team leads past every cap, which go to the pool
ROUTING = "\n".join(
    [
        "timezone: UTC",
        "reps:",
        *(f"  - {{id: {rep}, teams: [rotating]}}" for rep in ROTATING),
        *(f"  - {{id: {rep}, teams: [capped], caps: {{day: {DAY_CAP}}}}}" for rep in CAPPED),
        "pools:",
        "  overflow: {order: fifo}",
        "routing:",
        "  - name: rotate",
        "    when: {field: kind, eq: rr}",
        "    assign: {team: rotating, select: round_robin}",
        "  - name: capped",
        "    when: {field: kind, eq: cap}",
        "    assign: {team: capped, select: round_robin}",
        "    on_empty: {pool: overflow}",
        "fallback: {pool: overflow}",
        "",
    ]
)


def _stream() -> list[dict[str, str]]:
    """The leads to post, round-robin and capped ones interleaved."""
    rotating = [{"kind": "rr"} for _ in range(PER_ROTATING * len(ROTATING))]
    capped = [{"kind": "cap"} for _ in range(DAY_CAP * len(CAPPED) + OVERFLOW)]
    mixed = [lead for pair in zip(rotating, capped, strict=False) for lead in pair]
    mixed += rotating[len(capped) :]
    return [{**lead, "email": f"lead{n}@scale{n % 7}.test"} for n, lead in enumerate(mixed)]


def _post_all(urls: list[str], key: str, leads: list[dict[str, str]]) -> list[str]:
    """Post every lead from CLIENTS threads, each client to one server in turn; the ids of the
    201 answers."""
    headers = {"Authorization": f"Bearer {key}"}

    def client(number: int) -> list[str]:
        taken: list[str] = []
        with httpx.Client(base_url=urls[number % len(urls)], timeout=60) as http:
            for lead in leads[number::CLIENTS]:
                answer = http.post("/api/v1/leads", json=lead, headers=headers)
                assert answer.status_code == 201, answer.text
                taken.append(str(answer.json()["id"]))
        return taken

    with ThreadPoolExecutor(CLIENTS) as pool:
        return [lead for part in pool.map(client, range(CLIENTS)) for lead in part]


def test_processes_on_one_database_route_as_one(database_url: str, tmp_path: Path) -> None:
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING, encoding="utf-8")
    settings = {"rate_limit_per_minute": "0"}
    machines = [
        Server(
            database=database_url,
            routing=routing,
            directory=tmp_path,
            settings=settings,
            arguments=("--workers", "2", *extra),
            log_name=f"serve-{name}.log",
        )
        for name, extra in (("a", ("--no-worker",)), ("b", ()))
    ]
    first = machines[0]
    if not database_url.startswith("sqlite"):
        first.command("migrate")
    worker_log = (tmp_path / "worker.log").open("wb")
    worker: subprocess.Popen[bytes] | None = None
    try:
        for machine in machines:  # one after the other: the first one migrates SQLite
            machine.start()
        worker = subprocess.Popen(
            [sys.executable, "-m", "leadroute", "worker", "--database", database_url],
            stdout=worker_log,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            env=first.environment(),
        )
        key = first.command("keys", "create", "--role", "intake").strip().splitlines()[-1]
        started = time.monotonic()
        taken = _post_all([machine.url for machine in machines], key, _stream())
        print(
            f"\nscale-out: {len(taken)} leads through 4 app processes in "
            f"{time.monotonic() - started:.1f} s"
        )
        assert worker.poll() is None, "the separate worker died"
    finally:
        for machine in machines:
            machine.stop()
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        worker_log.close()
    logs = [machine.log.read_text() for machine in machines]
    for text in logs:
        assert text.count("Started server process") == 2, text[-3000:]
        assert "Traceback" not in text, text[-3000:]
    _check(database_url, taken)


def _check(database_url: str, taken: list[str]) -> None:
    database = connect(database_url)
    try:
        snap = checks.read(database)
    finally:
        database.dispose()
    assert sorted(snap.leads) == sorted(taken), "stored leads differ from the acknowledged ones"
    checks.check_all(snap)  # one owner per lead, loads, places, counters, the event log
    by_rule = {
        rule: [made.rep_id for made in snap.assignments if made.rule == rule]
        for rule in ("rotate", "capped")
    }
    rotation = by_rule["rotate"]
    assert Counter(rotation) == dict.fromkeys(ROTATING, PER_ROTATING)
    for start in range(len(rotation) - len(ROTATING) + 1):
        window = rotation[start : start + len(ROTATING)]
        assert sorted(window) == sorted(ROTATING), (start, window)
    assert Counter(by_rule["capped"]) == dict.fromkeys(CAPPED, DAY_CAP)
    pooled = Counter(lead.pool for lead in snap.leads.values() if lead.owner is None)
    assert pooled == {"overflow": OVERFLOW}
