"""Same engine everywhere: one scenario routed by the live service (SQL ledger, on SQLite and
PostgreSQL) and by replay (in-memory store) gives the same rep or pool, rule, reason and trace
for every lead, in order. Weighted credits, round-robin turns, least-loaded counts, hour, day,
week and open caps, working hours and territories are all read back from the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

from leadroute.routing_file import parse_routing_text
from leadroute.services.intake import take_lead
from leadroute.services.principals import SYSTEM
from leadroute.settings import Settings
from leadroute.simulate.replay import Replay
from leadroute.simulate.scenario import Event
from tests.api.conftest import Clock, start_migrated

ROUTING = """\
timezone: America/New_York
reps:
  - {id: ana, teams: [na], territories: [US-CA, US-WA], caps: {day: 6},
     hours: "mon-fri 09:00-17:00", timezone: America/Los_Angeles}
  - {id: ben, teams: [na], territories: [US], caps: {day: 9}, hours: "mon-sat 08:00-20:00"}
  - {id: cy, teams: [na], territories: [US, CA], timezone: America/Chicago, caps: {week: 40}}
  - {id: dee, teams: [enterprise], weight: 3, caps: {hour: 1}}
  - {id: eli, teams: [enterprise], weight: 1, hours: "mon-fri 07:00-19:00"}
  - {id: fay, teams: [enterprise], weight: 2, caps: {day: 4}, timezone: Europe/London}
  - {id: gus, teams: [inbound], caps: {open: 25}}
  - {id: hal, teams: [inbound], hours: "mon-fri 10:00-16:00"}
  - {id: ivy, teams: [inbound], caps: {day: 15}, timezone: Asia/Tokyo}
pools:
  nurture: {members: [team:inbound]}
  enterprise_queue: {members: [team:enterprise]}
routing:
  - name: tiny
    when: {field: company_size, lt: 5}
    pool: nurture
  - name: enterprise
    when: {field: company_size, gte: 1000}
    assign: {team: enterprise, select: weighted}
    on_empty: {pool: enterprise_queue}
  - name: north america
    when: {field: country, in: [US, CA]}
    assign: {team: na, select: round_robin, territory: true}
  - name: inbound
    assign: {team: inbound, select: least_loaded}
fallback: {pool: nurture}
"""

# Monday 2 March 2026, 06:00 UTC; the scenario runs to Friday morning.
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
PLACES: tuple[dict[str, str], ...] = (
    {"country": "US", "region": "US-CA"},
    {"country": "US", "region": "US-WA"},
    {"country": "US", "region": "US-NY"},
    {"country": "US"},
    {"country": "CA", "region": "CA-ON"},
    {"country": "MX"},
    {"country": "GB"},
    {},
)
SIZES = (None, 1, 3, 20, 200, 999, 1000, 5000)


def scenario(count: int) -> Iterator[tuple[datetime, dict[str, object]]]:
    """`count` leads at irregular times (1 to 29 minutes apart), varied places and sizes."""
    rng = Random(20260302)
    now = START
    for n in range(count):
        now += timedelta(minutes=rng.randint(1, 29))
        payload: dict[str, object] = {"email": f"lead{n}@company{n % 37}.example"}
        payload |= rng.choice(PLACES)
        size = rng.choice(SIZES)
        if size is not None:
            payload["company_size"] = size
        yield now, payload


def test_the_sql_service_routes_like_replay(database_url: str, tmp_path: Path) -> None:
    leads = list(scenario(400))
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING, encoding="utf-8")

    replay = Replay(parse_routing_text(ROUTING, source="routing"))
    events = [
        Event(line=n, at=at, kind="lead", body={**payload, "id": f"L{n}"})
        for n, (at, payload) in enumerate(leads, start=1)
    ]
    in_memory = [
        (line["rep"], line["pool"], line["rule"], line["reason"], line["trace"])
        for line in replay.run(events)
    ]

    runtime = start_migrated(Settings(database_url=database_url, routing=routing), Clock())
    try:
        in_database = []
        for at, payload in leads:
            body = take_lead(runtime=runtime, payload=payload, caller=SYSTEM, now=at).body
            decision = body["decision"]
            in_database.append(
                (
                    body["owner"],
                    body["pool"],
                    decision["rule"],
                    decision["reason"],
                    decision["trace"],
                )
            )
    finally:
        runtime.database.dispose()

    for n, (memory, database) in enumerate(zip(in_memory, in_database, strict=True), start=1):
        assert database == memory, f"lead {n} of {len(leads)}"
    # The scenario reaches every selector, cap and pool it is meant to test.
    reached = {(rep, pool, rule) for rep, pool, rule, *_ in in_memory}
    rules = {"tiny", "enterprise", "north america", "inbound", "fallback"}
    assert {rule for _, _, rule in reached} == rules
    assert {pool for _, pool, _ in reached} == {None, "nurture", "enterprise_queue"}
    assert {rep for rep, _, _ in reached} == {None, *replay.router.reps}
    traces = " ".join(str(trace) for *_, trace in in_memory)
    for skipped in ("cap hour", "cap day", "cap week", "cap open", "outside hours", "territory"):
        assert skipped in traces, f"no candidate was skipped for {skipped}"
