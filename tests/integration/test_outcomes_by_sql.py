"""SqlLedger.outcomes_by on SQLite and PostgreSQL (storage/outcome_records.py): the labels are
`segment_value` of the stored value for every JSON type, whatever text the database hands back;
and one history of leads and results recorded through the service and through replay gives
the same table in the database, in memory and in a plain count of the history."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from random import Random

import pytest
from sqlalchemy import text

from leadroute.routing.segments import Segment, segment_value
from leadroute.routing_file import parse_routing_text
from leadroute.services.lifecycle import record_event
from leadroute.services.principals import SYSTEM
from leadroute.services.runtime import Runtime
from leadroute.settings import Settings
from leadroute.simulate.replay import Replay
from leadroute.storage.database import Database, connect
from leadroute.storage.ledger import SqlLedger
from leadroute.storage.memory import MemoryStore
from leadroute.storage.migrations.runner import upgrade
from leadroute.storage.tables import LeadRow
from tests.api.conftest import Clock, start_migrated
from tests.integration.test_same_engine_pull import Lockstep

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REPS = ("ana", "bob", "cy")
# Every JSON type, text that reads like the others, and numbers a lossy reading would change.
VALUES: tuple[object, ...] = (
    "saas", "", None, 0, 1, -7, 250, 2**70, 123456789012345678, 1.0, 0.30000000000000004,
    1e16, 1e-7, True, False, "true", "1", "é\u2028\"", [1, 2], {"a": 1},
)  # fmt: skip
MISSING = object()  # the key is left out
# Names SQLite's path syntax must quote or escape; `a"b` it cannot name (read in Python).
NAMES = ("industry", "size", "é", "c.d", 'a"b')
BYS: tuple[tuple[str, ...], ...] = (
    (),
    ("industry",),
    ("size",),
    ("é",),
    ("c.d", "industry"),
    ('a"b',),
    ("size", "industry", "é"),
    ("nowhere",),
)
Table = dict[tuple[str, Segment], tuple[int, int]]
Result = tuple[str, bool, datetime, Mapping[str, object]]  # owner, won, closed at, fields


def plain_count(results: list[Result], by: tuple[str, ...], since: datetime | None) -> Table:
    counts: Counter[tuple[str, Segment, bool]] = Counter(
        (owner, tuple(segment_value(fields.get(name)) for name in by), won)
        for owner, won, at, fields in results
        if since is None or at >= since
    )
    keys = {(owner, segment) for owner, segment, _ in counts}
    return {key: (counts[(*key, True)], counts[(*key, False)]) for key in keys}


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = connect(database_url)
    upgrade(db)
    try:
        yield db
    finally:
        db.dispose()


def _row(number: int, fields: dict[str, object], status: str, owner: str | None) -> LeadRow:
    at = START + timedelta(hours=number)
    return LeadRow(
        id=f"L{number}", received_at=START, fields=fields, raw={}, issues=[], custom=[],
        status=status, owner=owner, updated_at=at,
        closed_at=at if status in ("won", "lost", "disqualified") else None,
    )  # fmt: skip


def test_labels_equal_segment_value_of_the_stored_value_for_every_json_type(
    database: Database,
) -> None:
    rng = Random(11)
    rows: list[LeadRow] = []
    for number in range(160):
        fields: dict[str, object] = {}
        for name in NAMES:
            value = rng.choice((*VALUES, MISSING))
            if value is not MISSING:
                fields[name] = value
        status = rng.choice(("won", "won", "lost", "lost", "touched", "disqualified"))
        owner = rng.choice((*REPS, None))
        rows.append(
            _row(number, fields, "won", "ana")
            if number < 2
            else _row(number, fields, status, owner)
        )
    with database.writing() as session:
        session.add_all(rows)
    # The same value written two ways (1.50 and 1.5, an escaped and a plain é) is one segment.
    written = {
        "L0": '{"size": 1.50, "industry": "\\u00e9"}',
        "L1": '{"size": 1.5, "industry": "é"}',
    }
    with database.writing() as session:
        is_postgres = session.get_bind().dialect.name == "postgresql"
        assignment = "CAST(:fields AS json)" if is_postgres else ":fields"
        for lead_id, document in written.items():
            session.execute(
                text(f"UPDATE leads SET fields = {assignment} WHERE id = :id"),
                {"fields": document, "id": lead_id},
            )
            rows[int(lead_id[1:])].fields = json.loads(document)
    results: list[Result] = [
        (row.owner, row.status == "won", row.closed_at or START, row.fields)
        for row in rows
        if row.owner is not None and row.status in ("won", "lost")
    ]
    memory = MemoryStore()
    for owner, won, at, stored in results:
        memory.record_track(owner, won=won, at=at, fields=stored)
    sinces = (None, START, START + timedelta(hours=40), START + timedelta(hours=80, microseconds=1))
    with database.reading() as session:
        ledger = SqlLedger.load(session, [], START)
        for since in sinces:
            for by in BYS:
                expected = plain_count(results, by, since)
                assert dict(ledger.outcomes_by(by, since)) == expected, (by, since)
                assert dict(memory.outcomes_by(by, since)) == expected, (by, since)
            every_rep = plain_count(results, (), since)
            for rep in REPS:
                assert ledger.outcomes_since(rep, since) == every_rep.get((rep, ()), (0, 0))
    labels = {segment[0] for _, segment in plain_count(results, ("size",), None)}
    assert {"", "saas", "1", "250", "1.0", "0.30000000000000004", "1e+16", "true"} <= labels
    assert ("ana", ("1.5",)) in plain_count(results, ("size",), None)


ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sales]}
  - {id: bob, teams: [sales]}
  - {id: cy, teams: [sales]}
routing:
  - {name: turns, assign: {team: sales, select: round_robin}}
"""
# Values intake keeps as sent (text stripped, custom fields as they are), and the ones it
# drops (empty text, null) as a field never sent.
PAYLOADS: dict[str, tuple[object, ...]] = {
    "industry": ("saas", "retail", "", None, MISSING),
    "company_size": (12, 250, None, MISSING),
    "vip": (True, False, None, MISSING),
    "ratio": ("saas", "", None, 250, 2**70, 1.0, 0.30000000000000004, True, False, MISSING),
}


class OutcomeLockstep(Lockstep):
    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self.replay = Replay(parse_routing_text(ROUTING, source="routing"))


def test_the_database_and_memory_count_one_history_alike(database_url: str, tmp_path: Path) -> None:
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING, encoding="utf-8")
    runtime = start_migrated(Settings(database_url=database_url, routing=routing), Clock())
    rng = Random(2026)
    try:
        step = OutcomeLockstep(runtime)
        payloads: dict[str, dict[str, object]] = {}
        standing: dict[str, tuple[str, bool, datetime]] = {}  # lead: owner, won, when
        times: list[datetime] = []
        now = START
        for n in range(90):
            now += timedelta(minutes=rng.choice((0, 7, 60, 600)))
            if n < 30 or rng.random() < 0.3:
                payload: dict[str, object] = {"email": f"p{n}@firm{n}.example"}
                for name, values in PAYLOADS.items():
                    value = rng.choice(values)
                    if value is not MISSING:
                        payload[name] = value
                lead = f"L{n}"
                step.post(now, lead, payload)
                payloads[lead] = payload
                continue
            lead = rng.choice(sorted(payloads))
            result = rng.choice(("won", "lost", "disqualified"))
            record = step.replay.store.leads[lead]
            if record.owner is None or (record.status == result and result == "disqualified"):
                continue
            if record.status == result:
                result = "lost" if result == "won" else "won"  # a correction, not a repeat
            step.act(
                now,
                "outcome",
                {"lead": lead, "result": result},
                partial(
                    record_event, runtime=runtime, lead_id=step.ids[lead], kind=result,
                    caller=SYSTEM, now=now,
                ),
            )  # fmt: skip
            standing.pop(lead, None)
            if result in ("won", "lost"):
                standing[lead] = (record.owner, result == "won", now)
            times.append(now)
        # No service reopens a closed lead (services/lifecycle.py); the store can, and the
        # database row then reads as any open lead: neither counts it any more.
        reopened = next(lead for lead in standing if standing[lead][1])
        step.replay.store.record_outcome(reopened, "touched", now)
        with runtime.database.writing() as session:
            row = session.get(LeadRow, step.ids[reopened])
            assert row is not None
            row.status = "touched"
        del standing[reopened]

        results: list[Result] = [
            (owner, won, at, payloads[lead]) for lead, (owner, won, at) in standing.items()
        ]
        by_fields = tuple(PAYLOADS)
        bys = ((), *((name,) for name in by_fields), by_fields, ("ratio", "vip"))
        sinces = (None, *times[::5], *(at + timedelta(microseconds=1) for at in times[::7]))
        memory = step.replay.store
        with runtime.database.reading() as session:
            ledger = SqlLedger.load(session, [], now)
            for since in sinces:
                for by in bys:
                    expected = plain_count(results, by, since)
                    assert dict(ledger.outcomes_by(by, since)) == expected, (by, since)
                    assert dict(memory.outcomes_by(by, since)) == expected, (by, since)
                every_rep = plain_count(results, (), since)
                for rep in REPS:
                    counted = every_rep.get((rep, ()), (0, 0))
                    assert ledger.outcomes_since(rep, since) == counted
                    assert memory.outcomes_since(rep, since) == counted
    finally:
        runtime.database.dispose()
    kinds = {segment[0] for _, segment in plain_count(results, ("ratio",), None)}
    assert {"", "250", "1.0", "0.30000000000000004", "true", "false", str(2**70)} <= kinds
    assert sum(won + lost for won, lost in plain_count(results, (), None).values()) >= 15
