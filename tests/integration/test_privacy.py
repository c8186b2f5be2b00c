"""Erasure proven on the stored bytes (SQLite: the database file and its WAL; PostgreSQL: every
row of every table as text), reports unchanged by it, and retention (docs/PRIVACY.md).

Four people post leads carrying unique canary values (name, email, phone, company, a custom
field), through JSON with an idempotency key and a form, with a linked duplicate, an activity,
webhook and notice deliveries (some sent, some waiting) and lifecycle events. Two are erased:
none of their canaries may be left anywhere, while the other two's are still found (so the
scan can fail).
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from leadroute.cli import app
from leadroute.services.privacy import purge
from leadroute.services.worker import Worker
from tests.api.calls import event, lead, ok
from tests.api.conftest import T0, Service
from tests.outbox import outbox_service, relay_of
from tests.receivers import Receiver, receiving

SEED = int(os.environ.get("LEADROUTE_PRIVACY_SEED", "20261123"))
ROUTING = """\
timezone: UTC
reps:
  - {{id: ana, name: Ana Souza, teams: [sdr], notify: ["json://127.0.0.1:{port}/ana"]}}
  - {{id: bob, name: Bob Stone, teams: [sdr], notify: ["json://127.0.0.1:{port}/bob"]}}
scoring:
  rules:
    - {{when: {{field: company_size, gte: 100}}, points: 30}}
    - {{activity: email_opened, points: 5}}
duplicates: {{match: [email, phone], within: 30d, policy: {policy}}}
routing:
  - name: rivals
    when: {{field: email, ends_with: "@rival.example"}}
    assign: {{team: sdr, select: hunt}}
  - name: favourites
    when: {{field: favourite, eq: "none-such"}}
    assign: {{team: sdr, select: hunt}}
  - name: sdr
    assign: {{team: sdr, select: round_robin}}
reports: {{cost_per_lead: {{web: 10, "*": 2}}, lifetime_value_field: lifetime_value}}
"""
PERIOD = {"from": "2026-03-01", "to": "2026-03-10"}


@dataclass(frozen=True, kw_only=True)
class Person:
    token: str
    phone_digits: str

    @property
    def name(self) -> str:
        return f"Zq{self.token} Canaryname"

    @property
    def email(self) -> str:
        return f"zq{self.token}@mail{self.token}.example"

    @property
    def phone(self) -> str:
        return f"+44 20 7946 {self.phone_digits}"

    @property
    def e164(self) -> str:
        return f"+44207946{self.phone_digits}"

    @property
    def national(self) -> str:
        return f"020 7946 {self.phone_digits}"

    @property
    def company(self) -> str:
        return f"Zq{self.token} Widgets Ltd"

    @property
    def lifetime_value(self) -> int:
        """Differs between people, so the reports' average moves if an erasure loses it."""
        return 10 * int(self.phone_digits)

    @property
    def favourite(self) -> str:
        return f"zqfav{self.token}"

    def canaries(self) -> dict[str, str]:
        """What must not be stored once erased (lower case: the scan ignores case)."""
        found = {
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "e164": self.e164,
            "national": self.national,
            "company": f"Zq{self.token} Widgets",
            "custom": self.favourite,
            "token": f"zq{self.token}",
        }
        return {key: value.lower() for key, value in found.items()}


def people(count: int) -> list[Person]:
    rng = random.Random(SEED)
    digits = rng.sample(range(100, 1000), count)
    tokens = ["".join(rng.choices("bcdfghjkmnpqrstvwxz", k=8)) for _ in range(count)]
    return [Person(token=t, phone_digits=f"0{d}") for t, d in zip(tokens, digits, strict=True)]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as found:
        yield found


@pytest.fixture
def policy() -> str:
    """Duplicates: a new lead linked to the first (`merge` copies the submission into an
    activity and an event of the first)."""
    return "link"


@pytest.fixture
def service(
    database_url: str, tmp_path: Path, receiver: Receiver, policy: str
) -> Iterator[Service]:
    routing = ROUTING.format(port=receiver.port, policy=policy)
    yield from outbox_service(database_url, tmp_path, routing, allow_private_urls=True)


def exercise(service: Service, person: Person) -> list[str]:
    """Post the person's leads and act on them; their ids (the first is the JSON one)."""
    fields = {
        "name": person.name,
        "email": person.email,
        "phone": person.phone,
        "company": person.company,
        "domain": f"zq{person.token} is no domain",  # kept as sent, with an issue quoting it
        "country": "GB",
        "company_size": 250,
        "favourite": person.favourite,
        "lifetime_value": person.lifetime_value,
        "source": "web",
    }
    key = {**service.admin, "Idempotency-Key": f"key-{person.token}"}
    first = ok(service.client.post("/api/v1/leads", json=fields, headers=key), 201)
    again = ok(service.client.post("/api/v1/leads", json=fields, headers=key), 201)
    assert again == first
    form = {"name": person.name, "phone": person.national, "country": "GB"}
    second = service.client.post("/api/v1/leads", data=form, headers=service.admin).json()
    assert second["duplicate"]["of"] == first["id"], second
    activity = {"type": "email_opened", "data": {"to": person.email, "subject": person.name}}
    ok(
        service.client.post(
            f"/api/v1/leads/{first['id']}/activities", json=activity, headers=service.admin
        ),
        201,
    )
    ok(event(service, first["id"], "touched", reason=f"called {person.name}"))
    return list(dict.fromkeys([first["id"], second["id"]]))


def close(service: Service, lead_id: str, *, won: bool) -> None:
    if won:
        ok(event(service, lead_id, "won", amount=1200))
    else:
        ok(event(service, lead_id, "lost", reason="went elsewhere"))


def reports(service: Service) -> list[dict[str, Any]]:
    answers = []
    for by in ("rep", "country", "source"):
        query = {**PERIOD, "by": by}
        answers.append(
            ok(service.client.get("/api/v1/reports/summary", params=query, headers=service.admin))
        )
    return answers


def stored_text(service: Service) -> str:
    """Every row of every table as text (lower case)."""
    engine = service.runtime.database.engine
    parts: list[str] = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            if engine.dialect.name == "postgresql":
                query = text(f'SELECT t::text FROM "{table}" t')
                parts.extend(str(row) for row in connection.execute(query).scalars())
            else:
                query = text(f'SELECT * FROM "{table}"')
                parts.extend(repr(tuple(row)) for row in connection.execute(query))
    return "\n".join(parts).lower()


def sqlite_bytes(service: Service) -> tuple[bytes, int]:
    """The SQLite database file and its -wal/-journal/-shm files, lower-cased, and how many
    bytes they hold."""
    path = Path(str(service.runtime.database.engine.url.database))
    files = [path, *(Path(f"{path}{suffix}") for suffix in ("-wal", "-journal", "-shm"))]
    data = b"".join(file.read_bytes() for file in files if file.exists())
    return data.lower(), len(data)


def found_in(haystack: str | bytes, person: Person) -> set[str]:
    """The kinds of the person's canaries found in the text or bytes."""
    if isinstance(haystack, bytes):
        return {kind for kind, value in person.canaries().items() if value.encode() in haystack}
    return {kind for kind, value in person.canaries().items() if value in haystack}


@pytest.mark.parametrize("policy", ["link", "merge"])
def test_erased_people_leave_no_trace_and_reports_stay_the_same(
    service: Service, receiver: Receiver
) -> None:
    crowd = people(4)
    hooks = ["lead.created", "lead.assigned", "lead.status_changed", "lead.won"]
    ok(
        service.client.post(
            "/api/v1/webhooks",
            json={"url": receiver.url("/hook"), "events": hooks, "secret": "s" * 24},
            headers=service.admin,
        ),
        201,
    )
    leads = [exercise(service, person) for person in crowd]
    assert relay_of(service).run_once(limit=500) > 0  # some deliveries sent ...
    for index, ids in enumerate(leads):
        close(service, ids[0], won=index % 2 == 0)  # ... and some waiting
    before = reports(service)
    first = lead(service, leads[0][0])
    everything = stored_text(service)
    for person in crowd:
        assert found_in(everything, person) == set(person.canaries()), person
    if service.runtime.database.is_sqlite:
        data, size = sqlite_bytes(service)
        for person in crowd:
            assert found_in(data, person) == set(person.canaries()), (person, size)

    # Person 0 from their first lead, person 1 from their form lead (linked) or first (merged).
    erased = ok(service.client.delete(f"/api/v1/leads/{leads[0][0]}", headers=service.admin))
    assert sorted(erased["erased"]) == sorted(leads[0])
    erased = ok(service.client.delete(f"/api/v1/leads/{leads[1][-1]}", headers=service.admin))
    assert sorted(erased["erased"]) == sorted(leads[1])

    assert reports(service) == before
    everything = stored_text(service)
    print(f"scanned {len(everything)} characters of rows")  # the number docs/PRIVACY.md quotes
    for index, person in enumerate(crowd):
        assert found_in(everything, person) == (set() if index < 2 else set(person.canaries()))
    if service.runtime.database.is_sqlite:
        data, size = sqlite_bytes(service)
        print(f"scanned {size} bytes of SQLite files")  # the number docs/PRIVACY.md quotes
        for index, person in enumerate(crowd):
            left = found_in(data, person)
            assert left == (set() if index < 2 else set(person.canaries())), (person, left)
    tombstone = lead(service, leads[0][0])
    assert tombstone["email"] is None
    assert tombstone["raw"] == {}
    assert tombstone["fields"] == {
        "country": "GB",
        "company_size": 250,
        "lifetime_value": crowd[0].lifetime_value,
        "source": "web",
    }
    assert tombstone["timeline"][-1]["type"] == "lead.erased"
    kept = ("status", "owner", "amount", "score", "grade", "rule", "received_at", "source")
    assert {key: tombstone[key] for key in kept} == {key: first[key] for key in kept}


def test_erasing_again_changes_nothing(service: Service) -> None:
    (person,) = people(1)
    ids = exercise(service, person)
    first = ok(service.client.delete(f"/api/v1/leads/{ids[0]}", headers=service.admin))
    stored = stored_text(service)
    again = ok(service.client.delete(f"/api/v1/leads/{ids[0]}", headers=service.admin))
    assert (first["erased"], first["already_erased"]) == (ids, [])
    assert (again["erased"], again["already_erased"], again["erased_at"]) == ([], ids, None)
    assert stored_text(service) == stored


def test_the_report_command_counts_the_same_after_erasing(service: Service) -> None:
    crowd = people(2)
    ids = [exercise(service, person) for person in crowd]
    close(service, ids[0][0], won=True)
    runner = CliRunner()
    database = str(service.runtime.database.engine.url.render_as_string(hide_password=False))
    command = ["report", "--from", PERIOD["from"], "--to", PERIOD["to"], "--database", database]
    before = runner.invoke(app, [*command, "--format", "json"])
    assert before.exit_code == 0, before.output
    erased = runner.invoke(app, ["privacy", "erase", ids[0][0], "--yes", "--database", database])
    assert erased.exit_code == 0, erased.output
    assert "2 erased, 0 already erased" in erased.output
    after = runner.invoke(app, [*command, "--format", "json"])
    assert after.output == before.output
    assert crowd[0].email not in stored_text(service)


def test_retention_erases_what_is_past_it_in_batches_every_few_minutes(service: Service) -> None:
    crowd = people(4)
    day = timedelta(days=1)
    ids = [exercise(service, person) for person in crowd[:3]]
    close(service, ids[0][0], won=True)
    service.clock.advance(days=200)
    close(service, ids[1][0], won=False)
    ids.append(exercise(service, crowd[3]))
    service.clock.advance(days=170)
    worker = Worker(runtime=service.runtime, clock=service.clock, retention_days=365, sweep_batch=2)
    # Day 370: past 365 days are the leads closed or last changed on day 0: person 0's two,
    # person 1's form lead, person 2's two.
    assert [worker.sweep(), worker.sweep(), worker.sweep()] == [2, 2, 1]
    assert not erased(service, ids[1][0])
    assert not erased(service, ids[3][0])
    service.clock.now = day_of(200) + 365 * day - timedelta(minutes=2)
    assert worker.sweep() == 0  # nothing is past yet
    service.clock.advance(minutes=3)
    waiting = purge(
        runtime=service.runtime, older_than=365 * day, now=service.clock.now, dry_run=True
    )
    assert waiting.found == 3
    assert worker.sweep() == 0  # three are past, but the last pass was three minutes ago
    service.clock.advance(minutes=2)
    assert [worker.sweep(), worker.sweep()] == [2, 1]
    assert all(erased(service, item) for pair in ids for item in pair)
    stored = stored_text(service)
    assert not any(person.email.lower() in stored for person in crowd)


def erased(service: Service, lead_id: str) -> bool:
    return bool(lead(service, lead_id)["timeline"][-1]["type"] == "lead.erased")


def day_of(days: int) -> datetime:
    return T0 + timedelta(days=days)


def test_purge_counts_on_a_dry_run_and_erases_otherwise(service: Service) -> None:
    crowd = people(2)
    old = exercise(service, crowd[0])
    service.clock.advance(days=30)
    recent = exercise(service, crowd[1])
    now = service.clock.now
    dry = purge(runtime=service.runtime, older_than=timedelta(days=10), now=now, dry_run=True)
    assert (dry.found, dry.erased) == (2, 0)
    assert crowd[0].email in stored_text(service)
    seen: list[tuple[int, int]] = []
    done = purge(
        runtime=service.runtime,
        older_than=timedelta(days=10),
        now=now,
        batch=1,
        progress=lambda erased, found: seen.append((erased, found)),
    )
    assert (done.found, done.erased, done.failed) == (2, 2, ())
    assert seen == [(1, 2), (2, 2)]
    stored = stored_text(service)
    assert crowd[0].email not in stored
    assert crowd[1].email in stored
    assert [erased(service, item) for item in old + recent] == [True, True, False, False]


def test_the_privacy_commands_purge_export_and_refuse_bad_input(service: Service) -> None:
    service.clock.now = datetime.now(UTC) - timedelta(days=10)  # the CLI reads the real time
    (person,) = people(1)
    ids = exercise(service, person)
    runner = CliRunner()
    database = ["--database", service.runtime.database.engine.url.render_as_string(False)]

    def run(*args: str) -> str:
        done = runner.invoke(app, ["privacy", *args, *database])
        assert done.exit_code == 0, done.output
        return done.output

    assert "0 leads would be erased" in run("purge", "--older-than", "20d", "--dry-run")
    assert "2 leads would be erased" in run("purge", "--older-than", "5d", "--dry-run")
    assert person.email.lower() in stored_text(service)
    assert "2 of 2 leads erased" in run("purge", "--older-than", "5d")
    assert person.email.lower() not in stored_text(service)
    exported = json.loads(run("export", ids[0], "--scope", "lead"))
    (erased_at,) = [item["erased_at"] for item in exported["leads"]]
    assert datetime.fromisoformat(erased_at) > service.clock.now  # erased now, posted before
    for bad in (["purge"], ["purge", "--older-than", "soon"], ["export", "no-such-lead"]):
        refused = runner.invoke(app, ["privacy", *bad, *database])
        assert refused.exit_code == 1, refused.output


def test_the_worker_reads_the_retention_setting(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.clock.now = datetime.now(UTC) - timedelta(days=10)  # the CLI reads the real time
    (person,) = people(1)
    exercise(service, person)
    database = ["--database", service.runtime.database.engine.url.render_as_string(False)]
    runner = CliRunner()
    kept = runner.invoke(app, ["worker", "--once", *database])
    assert "erased" not in kept.output
    assert person.email.lower() in stored_text(service)
    monkeypatch.setenv("LEADROUTE_PII_RETENTION_DAYS", "5")
    swept = runner.invoke(app, ["worker", "--once", *database])
    assert swept.exit_code == 0, swept.output
    assert "erased 2 leads past the retention period" in swept.output
    assert person.email.lower() not in stored_text(service)
