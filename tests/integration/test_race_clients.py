"""Sixteen clients racing over real HTTP against two `leadroute serve` processes sharing one
PostgreSQL database (each with its own timer worker): intake, cherry-pick claims aimed at the
same head-of-pool lead by everyone at once, blind pulls, accepts and declines of offers that
time out within seconds, touches, closes and releases. Each client is a thread with its own
httpx client, rep key and intake key, talking to one server or the other.

tests/integration/test_claim_races.py races claims inside one process (services, TestClient)
and test_concurrency.py races intake across processes; this one races every kind of write
through the network stack, two app processes and two workers at once.

Afterwards, with the servers stopped, the database is read: 0 double owners (no lead with two
open assignments, none whose owner disagrees with its open assignment), loads equal to open
leads, every lead owned or pooled or closed, cap counters exact, no timer failed, the event log
complete, and, replaying the log in commit order, no assignment past a WIP limit or an open or
day cap at its moment. Every acknowledged claim and intake is in the database. No 5xx, no
error in the servers' logs. LEADROUTE_RACE_OPS scales the operations per client.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from random import Random
from zoneinfo import ZoneInfo

import httpx
import pytest

from leadroute.services.keys import create_key
from leadroute.services.principals import Role
from leadroute.storage.database import connect
from tests import ownership_checks as checks
from tests.browser.live import _free_port, _wait_until_up

pytestmark = pytest.mark.postgresql

CLIENTS = 16
OPS_ENV = "LEADROUTE_RACE_OPS"
OPS = 60  # per client
SEED = 9
REPS = tuple(f"r{n:02d}" for n in range(1, CLIENTS + 1))
DAY_CAP = dict.fromkeys(REPS[0:4], 12)
OPEN_CAP = dict.fromkeys(REPS[4:8], 2) | dict.fromkeys(REPS[8:12], 4)
WIP = {"race": 3, "blind": 2}
UTC_ZONE = ZoneInfo("UTC")
KINDS = ("pool", "pool", "pool", "blind", "offer", "push")


def _rep_line(rep: str, index: int) -> str:
    caps = {"day": DAY_CAP.get(rep), "open": OPEN_CAP.get(rep)}
    written = ", ".join(f"{name}: {value}" for name, value in caps.items() if value is not None)
    team = "a" if index % 2 == 0 else "b"
    return f"  - {{id: {rep}, teams: [{team}], caps: {{{written}}}}}"


ROUTING = "\n".join(
    [
        "timezone: UTC",
        "reps:",
        *(_rep_line(rep, n) for n, rep in enumerate(REPS)),
        "pools:",
        f"  race: {{order: fifo, visibility: full, wip_limit: {WIP['race']}, claim_ttl: 3s}}",
        f"  blind: {{order: score, visibility: blind, wip_limit: {WIP['blind']}}}",
        "routing:",
        "  - {name: pooled, when: {field: kind, eq: pool}, pool: race}",
        "  - {name: blind, when: {field: kind, eq: blind}, pool: blind}",
        "  - name: offered",
        "    when: {field: kind, eq: offer}",
        "    assign: {team: a, select: round_robin, offer: {timeout: 2s, max_offers: 2}}",
        "    on_empty: {pool: race}",
        "  - name: pushed",
        "    assign: {team: b, select: least_loaded}",
        "    on_empty: {pool: race}",
        "fallback: {pool: race}",
        "",
    ]
)


ALLOWED: dict[str, frozenset[int]] = {
    "intake": frozenset({201}),
    # 409: someone else claimed it first, or a WIP limit or cap refuses this rep
    "pick": frozenset({200, 409}),
    "pull": frozenset({200, 204, 409}),
    # A rep acts on what its last look showed; meanwhile an offer may expire and go to another
    # rep (409, or 403/404 once it is offered to someone else) and a claim may go back to the
    # pool (403: claim it first).
    "answer": frozenset({200, 403, 404, 409}),
    "work": frozenset({200, 403, 404, 409}),
    "release": frozenset({200, 403, 404, 409}),
    "look": frozenset({200}),
}


# What a 409 says, by the words in it.
REASONS = {
    "taken": "not waiting in a pool",  # another rep claimed the lead first
    "wip limit": "wip limit",
    "cap day": "cap day",
    "cap open": "cap open",
    "not offered": "is not offered",  # the offer expired or was answered meanwhile
    "expired": "expired at",  # the offer's time passed; the worker moves it on
}


@dataclass(kw_only=True)
class Tally:
    """What one client saw: answers by operation and status, leads taken in, claims won."""

    answers: Counter[tuple[str, int]] = field(default_factory=Counter)
    conflicts: Counter[str] = field(default_factory=Counter)  # 409s by why
    taken_in: list[str] = field(default_factory=list)
    claimed: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class Client:
    """One rep at a keyboard: its own connection, rep key and intake key, one server."""

    rep: str
    http: httpx.Client
    rep_key: dict[str, str]
    intake_key: dict[str, str]
    rng: Random
    tally: Tally = field(default_factory=Tally)

    def run(self, operations: int, ready: threading.Barrier) -> Tally:
        ready.wait(timeout=60)
        for _ in range(operations):
            roll = self.rng.random()
            if roll < 0.22:
                self.intake()
            elif roll < 0.47:
                self.pick()
            elif roll < 0.59:
                self.pull()
            elif roll < 0.71:
                self.answer()
            elif roll < 0.88:
                self.work(self.rng.choice(("touched", "won", "lost")))
            else:
                self.work("released")
        return self.tally

    def intake(self) -> None:
        n = len(self.tally.taken_in)
        lead = {"email": f"{self.rep}-{n}@race{n}.test", "kind": self.rng.choice(KINDS)}
        answer = self._call("intake", "POST", "/api/v1/leads", json=lead, headers=self.intake_key)
        if answer.status_code == 201:
            self.tally.taken_in.append(str(answer.json()["id"]))

    def pick(self) -> None:
        """Claim the lead at the head of the pool: the one every other picker aims at too."""
        waiting = self._call("look", "GET", "/api/v1/pools/race", params={"limit": 1})
        leads = (waiting.json().get("leads") or []) if waiting.status_code == 200 else []
        if not leads:
            return
        lead = str(leads[0]["id"])
        answer = self._call("pick", "POST", f"/api/v1/leads/{lead}/claim")
        if answer.status_code == 200:
            self.tally.claimed.append(lead)

    def pull(self) -> None:
        answer = self._call("pull", "POST", "/api/v1/pools/blind/claim")
        if answer.status_code == 200:
            self.tally.claimed.append(str(answer.json()["id"]))

    def answer(self) -> None:
        offered = self._mine(status="offered")
        if offered:
            verb = self.rng.choice(("accept", "decline"))
            self._call("answer", "POST", f"/api/v1/leads/{self.rng.choice(offered)}/{verb}")

    def work(self, kind: str) -> None:
        mine = self._mine()
        if mine:
            lead = self.rng.choice(mine)
            name = "release" if kind == "released" else "work"
            self._call(name, "POST", f"/api/v1/leads/{lead}/events", json={"type": kind})

    def _mine(self, status: str | None = None) -> list[str]:
        params: dict[str, str | int] = {"owner": self.rep, "limit": 20}
        if status:
            params["status"] = status
        answer = self._call("look", "GET", "/api/v1/leads", params=params)
        if answer.status_code != 200:
            return []
        open_ = ("offered",) if status else ("routed", "touched")
        return [str(lead["id"]) for lead in answer.json()["leads"] if lead["status"] in open_]

    def _call(
        self,
        name: str,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, str | int] | None = None,
        json: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One request (with the rep key unless told otherwise), tallied by its answer."""
        answer = self.http.request(
            method, path, headers=headers or self.rep_key, params=params, json=json
        )
        self.tally.answers[(name, answer.status_code)] += 1
        if answer.status_code == 409:
            self.tally.conflicts[f"{name}: {_why(answer.text)}"] += 1
        if answer.status_code not in ALLOWED[name]:
            self.tally.unexpected.append(f"{method} {path}: {answer.status_code} {answer.text}")
        return answer


def _why(refusal: str) -> str:
    for reason, words in REASONS.items():
        if words in refusal:
            return reason
    return "other"


@dataclass(frozen=True, kw_only=True)
class Served:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def serving(database: str, routing: Path, folder: Path, name: str) -> Iterator[Served]:
    """`leadroute serve` (API, dashboard, timer worker) on a free port, stopped on exit."""
    port = _free_port()
    log_path = folder / f"{name}.log"
    # The race is about owners, not rate limits: a scaled run would pass 600 a minute per key.
    env = {**os.environ, "LEADROUTE_RATE_LIMIT_PER_MINUTE": "0"}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "leadroute",
                "serve",
                "--routing",
                str(routing),
                "--database",
                database,
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=folder,
            env=env,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(url, process, log_path)
            yield Served(url=url, process=process, log=log_path)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def migrate(database: str, folder: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "leadroute", "migrate", "--database", database],
        capture_output=True,
        text=True,
        cwd=folder,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def make_keys(database: str) -> list[tuple[dict[str, str], dict[str, str]]]:
    """A rep key and an intake key for every client."""
    db = connect(database)
    now = datetime.now(UTC)
    try:
        with db.writing() as session:
            made = [
                (
                    create_key(session, role=Role.REP, rep_id=rep, now=now, actor="race"),
                    create_key(session, role=Role.INTAKE, now=now, actor="race"),
                )
                for rep in REPS
            ]
    finally:
        db.dispose()
    return [
        ({"Authorization": f"Bearer {rep.secret}"}, {"Authorization": f"Bearer {intake.secret}"})
        for rep, intake in made
    ]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_sixteen_clients_race_two_servers_without_a_double_owner(
    database_url: str, tmp_path: Path
) -> None:
    operations = int(os.environ.get(OPS_ENV) or OPS)
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING, encoding="utf-8")
    migrate(database_url, tmp_path)
    with ExitStack() as stack:
        servers = [
            stack.enter_context(serving(database_url, routing, tmp_path, name))
            for name in ("first", "second")
        ]
        keys = make_keys(database_url)
        clients = [
            Client(
                rep=rep,
                http=stack.enter_context(httpx.Client(base_url=servers[n % 2].url, timeout=60)),
                rep_key=rep_key,
                intake_key=intake_key,
                rng=Random(f"{SEED}:{rep}"),
            )
            for n, (rep, (rep_key, intake_key)) in enumerate(zip(REPS, keys, strict=True))
        ]
        ready = threading.Barrier(CLIENTS + 1)
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            futures = [pool.submit(client.run, operations, ready) for client in clients]
            ready.wait(timeout=60)
            started = time.monotonic()
            tallies = [future.result() for future in futures]
        raced = time.monotonic() - started
    logs = {server.log.name: server.log.read_text() for server in servers}
    check_race(database_url, tallies, logs, operations=operations * CLIENTS, seconds=raced)


def check_race(
    database: str, tallies: list[Tally], logs: dict[str, str], *, operations: int, seconds: float
) -> None:
    db = connect(database)
    try:
        snap = checks.read(db)
    finally:
        db.dispose()
    answers = sum((tally.answers for tally in tallies), Counter[tuple[str, int]]())
    open_rows = [a for a in snap.assignments if not a.ended]
    per_lead = Counter(a.lead_id for a in open_rows)
    holder = {a.lead_id: a.rep_id for a in open_rows}
    doubles = sum(1 for n in per_lead.values() if n > 1) + sum(
        1 for lead in snap.leads.values() if holder.get(lead.id) != lead.owner
    )
    claims = [lead for tally in tallies for lead in tally.claimed]
    conflicts = sum((tally.conflicts for tally in tallies), Counter[str]())
    print(
        f"\nrace: {CLIENTS} clients, 2 servers, {operations} operations "
        f"({sum(answers.values())} requests), "
        f"{sum(n for (_, status), n in answers.items() if status == 409)} 409 conflicts "
        f"({conflicts['pick: taken']} lost races for the same lead), "
        f"{len(claims)} claims won, {len(snap.leads)} leads, double owners {doubles}, "
        f"{seconds:.1f} s (seed {SEED})"
    )
    kinds = Counter(event.type for event in snap.events)
    print(f"  answers: {dict(sorted(answers.items()))}")
    print(f"  conflicts: {dict(sorted(conflicts.items()))}")
    print(f"  events: {dict(sorted(kinds.items()))}")
    unexpected = [line for tally in tallies for line in tally.unexpected]
    assert not unexpected, unexpected[:10]
    assert doubles == 0
    for name, text in logs.items():
        assert "Traceback" not in text, f"{name}:\n{text[-4000:]}"
    checks.check_all(snap)  # loads, places, timers, counters, the event log
    # Everything acknowledged is there, and nothing else.
    assert sorted(snap.leads) == sorted(lead for t in tallies for lead in t.taken_in)
    logged = Counter(
        (event.lead_id, event.rep_id) for event in snap.events if event.type == "lead.claimed"
    )
    won = Counter(
        (lead, t_rep) for t_rep, t in zip(REPS, tallies, strict=True) for lead in t.claimed
    )
    assert logged == won
    # Limits at the moment of each assignment (the log in commit order).
    for taking in checks.takings(snap.events):
        assert taking.how != "manual", taking
        limit = OPEN_CAP.get(taking.rep)
        assert limit is None or taking.held < limit, (taking, limit)
        if taking.pool is not None:
            assert taking.held < WIP[taking.pool], taking
    for made in snap.assignments:
        limit = DAY_CAP.get(made.rep_id)
        assert limit is None or checks.window_count(snap, made, "day", UTC_ZONE) <= limit, made
    # The race was a race: claims collided, limits refused, timers moved leads.
    assert conflicts["pick: taken"] > 0
    assert kinds["lead.claimed"] > 0, kinds
    assert kinds["lead.offered"] > 0, kinds
