"""Crash safety (issue 9, point 5): a real `leadroute serve` is killed with SIGKILL at random
points of a stream of intakes, started again each time, and sent again every request that got
no answer (same Idempotency-Key). Afterwards, read straight from its database: every
acknowledged lead exists once under the id it was given, was routed once, is owned, pooled or
closed as its decision says, with loads and cap counters to match; every timer (offer
timeouts, SLA stages, pool max_wait) fired exactly once, those pending at a kill after the
restart; every outbox delivery was sent and received, those pending at a kill after the
restart. On SQLite and PostgreSQL.

LEADROUTE_CRASH_ROUNDS repeats the whole run (a fresh database each round; default 1),
LEADROUTE_CRASH_LEADS sets the leads per round (default 1,000; the issue asks for 5,000, which
scripts/reliability sets), LEADROUTE_CRASH_SEED the first round's seed; `pytest -s` prints one
summary line per round (scripts/reliability quotes them).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from leadroute.storage.database import Database, connect
from tests.receivers import Receiver, receiving
from tests.reliability import checks
from tests.reliability.scenario import KINDS, ROUTING, WEBHOOK_EVENTS
from tests.reliability.server import Server
from tests.reliability.stream import Outcome, Stream, intakes

ROUNDS = int(os.environ.get("LEADROUTE_CRASH_ROUNDS", "1"))
# 1,000 leads keep a round near two minutes per database on two cores; the 5,000
# (scripts/reliability sets them) take some seven minutes on SQLite, more on PostgreSQL, most
# of it the relay sending the outbox's 5,000 lead.created webhooks.
LEADS = int(os.environ.get("LEADROUTE_CRASH_LEADS", "1000"))
SEED = int(os.environ.get("LEADROUTE_CRASH_SEED", "20260909"))
KILLS = (3, 5)  # kills per round, drawn from this range
MAX_KILL_DELAY = 0.2  # seconds from reaching a kill point to the kill, drawn uniformly
CLIENTS = 4
STALL_TIMEOUT = 120.0  # seconds the last timers and deliveries may go without progress


@dataclass(kw_only=True)
class Kill:
    """A kill: how many leads were acknowledged by then, and what the dead server left to do
    (timers not fired, deliveries not delivered), read before the restart."""

    acknowledged: int
    left: checks.Pending


@dataclass(kw_only=True)
class Round:
    """One run on a fresh database: its seed, where it kills, what happened, how long it took."""

    number: int
    seed: int
    database: str
    kill_points: list[int]
    kill_delays: list[float]
    kills: list[Kill] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time a phase of the round for the summary (restarts are timed within the stream)."""
        began = time.monotonic()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.monotonic() - began

    def describe(self) -> str:
        return (
            f"crash round {self.number} [{self.database}] seed {self.seed} "
            f"(LEADROUTE_CRASH_SEED={self.seed - self.number + 1}), "
            f"kill points {self.kill_points} (+{self.kill_delays} s), killed at "
            f"{[kill.acknowledged for kill in self.kills]}"
        )


@pytest.mark.parametrize("number", range(1, ROUNDS + 1))
def test_sigkill_during_intake_loses_nothing(
    database_url: str, tmp_path: Path, number: int
) -> None:
    started = time.monotonic()
    seed = SEED + number - 1
    rng = random.Random(seed)
    counts = range(max(1, LEADS // 10), max(2, LEADS * 9 // 10))  # not at the very ends
    kills = min(rng.randint(*KILLS), len(counts))
    run = Round(
        number=number,
        seed=seed,
        database=make_url(database_url).get_backend_name(),
        kill_points=sorted(rng.sample(counts, kills)),
        kill_delays=[round(rng.uniform(0, MAX_KILL_DELAY), 3) for _ in range(kills)],
    )
    print(f"\nplan of {run.describe()}")
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING, encoding="utf-8")
    server = Server(
        database=database_url,
        routing=routing,
        directory=tmp_path,
        settings={
            "allow_private_urls": "true",
            "rate_limit_per_minute": "0",  # one key posts far more than a limit would allow
            "delivery_lease_seconds": "3",  # a delivery held by a killed server is retried soon
        },
    )
    database = connect(database_url)
    try:
        with receiving() as receiver:
            with run.phase("setup"):
                key = _prepare(server, receiver)
            with run.phase("stream"):
                outcome = _stream(server, database, key, run, rng)
            with run.phase("settle"):
                _settle(database, receiver)
            server.stop()
            with run.phase("check"):
                tally = _check(database, outcome, receiver)
    except BaseException as error:
        error.add_note(run.describe())
        error.add_note(f"server log (last lines):\n{server.log_tail()}")
        raise
    finally:
        server.stop()
        database.dispose()
    print(_summary(run, outcome, tally, time.monotonic() - started))
    assert not tally.problems, "\n".join(tally.problems[:40])
    assert not outcome.refused, outcome.refused[:10]
    assert len(outcome.acknowledged) == LEADS
    assert tally.leads == LEADS
    assert tally.lost == 0
    assert tally.double_owners == 0
    assert len(run.kills) == len(run.kill_points)
    # The kills did cut work short, or nothing was shown to resume.
    assert outcome.resent > 0
    assert any(kill.left.timers for kill in run.kills), "no timer was pending at any kill"
    assert any(kill.left.deliveries for kill in run.kills), "no delivery was pending at a kill"


def _prepare(server: Server, receiver: Receiver) -> str:
    """Make an admin key (on PostgreSQL after `leadroute migrate`; SQLite migrates itself),
    start the server and subscribe the receiver to lead events; return the key."""
    if not server.database.startswith("sqlite"):
        server.command("migrate")
    admin = server.command("keys", "create", "--role", "admin").strip().splitlines()[-1]
    server.start()
    subscribed = httpx.post(
        f"{server.url}/api/v1/webhooks",
        json={"url": receiver.url("/crm"), "events": WEBHOOK_EVENTS},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert subscribed.status_code == 201, subscribed.text
    return admin


def _stream(
    server: Server, database: Database, key: str, run: Round, rng: random.Random
) -> Outcome:
    """The stream, killing the server at the round's kill points and starting it again."""

    def crash() -> None:
        with run.phase("restarts"):
            server.kill()
            with database.reading() as session:
                left = checks.pending(session)
            run.kills.append(Kill(acknowledged=len(stream.outcome.acknowledged), left=left))
            server.start()

    stream = Stream(
        url=server.url,
        key=key,
        intakes=intakes(LEADS, run=f"r{run.number}s{run.seed}", rng=rng, kinds=KINDS),
        kill_points=run.kill_points,
        kill_delays=run.kill_delays,
        crash=crash,
        clients=CLIENTS,
    )
    return stream.run()


def _settle(database: Database, receiver: Receiver) -> None:
    """Wait (polling) until the restarted server has fired every timer and delivered every
    delivery, and the receiver has every delivery id; fail when that stops getting closer
    for STALL_TIMEOUT seconds (the relay sends some 15-20 a second here, so 5,000 take
    minutes: no fixed deadline fits every size and machine)."""
    last: tuple[int, int, int] | None = None
    moved = time.monotonic()
    while True:
        with database.reading() as session:
            timers, deliveries = checks.unfinished(session)
            ids = checks.delivery_ids(session)
        unheard = len(ids - {request.delivery for request in receiver.accepted()})
        if timers == deliveries == unheard == 0:
            return
        if (timers, deliveries, unheard) != last:
            last, moved = (timers, deliveries, unheard), time.monotonic()
        elif time.monotonic() - moved > STALL_TIMEOUT:
            raise AssertionError(
                f"nothing moved for {STALL_TIMEOUT:g} s: {timers} timers not fired, "
                f"{deliveries} deliveries not delivered, {unheard} not received"
            )
        time.sleep(0.5)


def _check(database: Database, outcome: Outcome, receiver: Receiver) -> checks.Tally:
    tally = checks.Tally()
    accepted = [(request.delivery or "", request.body) for request in receiver.accepted()]
    with database.reading() as session:
        checks.leads(session, outcome.acknowledged, tally)
        checks.owners(session, tally)
        checks.decisions(session, tally)
        checks.timers(session, tally)
        checks.deliveries(session, accepted, tally)
    checks.created_bodies(accepted, outcome.acknowledged, tally)
    return tally


def _summary(run: Round, outcome: Outcome, tally: checks.Tally, seconds: float) -> str:
    timers_left = sum(len(kill.left.timers) for kill in run.kills)
    deliveries_left = sum(len(kill.left.deliveries) for kill in run.kills)
    spent = run.seconds
    phases = (
        f"setup {spent['setup']:.1f}, stream {spent['stream']:.1f} (restarts "
        f"{spent.get('restarts', 0.0):.1f} of it), settle {spent['settle']:.1f}, "
        f"check {spent['check']:.1f}"
    )
    return (
        f"crash round {run.number} [{run.database}] seed {run.seed}: "
        f"{len(outcome.acknowledged)}/{LEADS} leads acknowledged, "
        f"{len(run.kills)} kills at {[kill.acknowledged for kill in run.kills]}, "
        f"{outcome.resent} resent ({tally.replayed} answered by replay), "
        f"{tally.lost} lost, {tally.double_owners} double owners, "
        f"timers {tally.timers_fired} fired ({tally.timers_acted} acted, "
        f"{timers_left} pending at kills), "
        f"deliveries {tally.deliveries} delivered, {tally.received} received "
        f"({tally.duplicates} duplicates, {deliveries_left} pending at kills), "
        f"{seconds:.1f} s ({phases})"
    )
