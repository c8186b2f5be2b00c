"""Same engine for experiments: the live service (SQLite and PostgreSQL) and replay put every
lead in the same arm, route it through the same flow to the same rep, and the service records
the arm on the lead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

from sqlalchemy import select

from leadroute.routing_file import parse_routing_text
from leadroute.services.intake import take_lead
from leadroute.services.principals import SYSTEM
from leadroute.settings import Settings
from leadroute.simulate.replay import Replay
from leadroute.simulate.scenario import Event
from leadroute.storage.tables import LeadRow
from tests.api.conftest import Clock, start_migrated

ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr], weight: 3, caps: {day: 30}}
  - {id: bob, teams: [sdr], weight: 1}
  - {id: cy, teams: [sdr], weight: 2, caps: {open: 12}}
routing:
  - name: rotation
    when: {field: country, in: [US, CA]}
    assign: {team: sdr, select: round_robin}
flows:
  weighted:
    - name: weighted split
      when: {field: country, in: [US, CA]}
      assign: {team: sdr, select: weighted}
experiments:
  - name: rr-vs-weighted
    variant: weighted
    split: 40
    when: {not: {field: source, eq: partner}}
"""

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_service_and_replay_agree_on_arms_and_owners(database_url: str, tmp_path: Path) -> None:
    rng = Random(7)
    arrivals = []
    now = START
    for n in range(240):
        now += timedelta(minutes=rng.randint(1, 20))
        payload = {
            "email": f"p{n}@firm{n % 23}.example",
            "country": rng.choice(["US", "CA", "FR"]),
            "source": rng.choice(["web", "web", "partner"]),
        }
        arrivals.append((now, payload))
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING, encoding="utf-8")
    runtime = start_migrated(Settings(database_url=database_url, routing=routing), Clock())
    try:
        served = [
            take_lead(runtime=runtime, payload=payload, caller=SYSTEM, now=at).body
            for at, payload in arrivals
        ]
        with runtime.database.reading() as session:
            stored = {row.id: (row.experiment, row.arm) for row in session.scalars(select(LeadRow))}
    finally:
        runtime.database.dispose()

    replay = Replay(parse_routing_text(ROUTING, source="routing"))
    events = [
        Event(line=n, at=at, kind="lead", body={**payload, "id": body["id"]})
        for n, ((at, payload), body) in enumerate(zip(arrivals, served, strict=True), start=1)
    ]
    replayed = list(replay.run(events))
    for body, line in zip(served, replayed, strict=True):
        decision = body["decision"]
        assert (body["owner"], body["pool"], decision["rule"], decision["reason"]) == (
            line["rep"],
            line["pool"],
            line["rule"],
            line["reason"],
        )
        assert decision.get("arm") == line.get("arm")
        assert decision["trace"] == line["trace"]
        assert stored[body["id"]] == (line.get("experiment"), line.get("arm"))
    arms = [line.get("arm") for line in replayed]
    # Partner leads stay out; the others split about 60/40 between the arms.
    assert arms.count(None) == sum(p["source"] == "partner" for _, p in arrivals)
    assert 0.25 < arms.count("variant") / (len(arms) - arms.count(None)) < 0.55
    assert {line["rule"] for line in replayed} >= {"rotation", "weighted split", "fallback"}
