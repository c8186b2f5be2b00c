"""Logs never carry a lead's email or phone, nor its name (docs/PRIVACY.md): canary values go
through intake (JSON and form, valid and malformed, refused with 422), searches (the API's and
the dashboard's, whose query strings an access log prints), a failing webhook and notice,
lifecycle events, export and erase; then every captured log line is searched for them.

Once in-process with every logger at DEBUG (SQLAlchemy's echo included), set up as `leadroute
serve` sets it up (`leadroute.logs.install`); once as a live `leadroute serve` with uvicorn's
access log, reading its stdout and stderr.
"""

from __future__ import annotations

import logging
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from fastapi.testclient import TestClient

from leadroute import logs
from leadroute.domain.deliveries import Retries
from leadroute.services.relay import Relay
from leadroute.settings import Settings
from leadroute.web.site import create_site
from tests.api.conftest import Clock, Service, start_migrated
from tests.browser.live import running
from tests.receivers import Receiver, receiving

SEED = 4242
ROUTING = """\
timezone: UTC
reps:
  - {{id: ana, name: Ana Souza, teams: [sdr], notify: ["json://127.0.0.1:{port}/notice"]}}
duplicates: {{match: [email, phone], within: 30d, policy: link}}
routing:
  - name: sdr
    assign: {{team: sdr, select: round_robin}}
"""
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass(frozen=True, kw_only=True)
class Canary:
    token: str
    digits: str

    @property
    def name(self) -> str:
        return f"Zq{self.token} Canaryname"

    @property
    def email(self) -> str:
        return f"Zq.{self.token}+Tag@Mail{self.token}.example"

    @property
    def phone(self) -> str:
        return f"+44 20 7946 {self.digits}"

    @property
    def e164(self) -> str:
        return f"+44207946{self.digits}"

    @property
    def bad_email(self) -> str:
        return f"zq..{self.token}@@mail{self.token}.example"

    @property
    def bad_phone(self) -> str:
        return f"+44 20 7946 {self.digits[:2]}"

    def variants(self) -> set[str]:
        """Every way a canary may be written in a log line (compared in lower case)."""
        plain = {self.name, self.email, self.phone, self.e164, self.bad_email, self.bad_phone}
        plain |= {f"2079460{self.digits[1:]}", self.token}
        encoded = {quote(text, safe="") for text in plain} | {quote_plus(text) for text in plain}
        return {text.lower() for text in plain | encoded}


def canary() -> Canary:
    rng = random.Random(SEED)
    token = "".join(rng.choices("bcdfghjkmnpqrstvwxz", k=8))
    return Canary(token=token, digits=f"0{rng.randrange(100, 1000)}")


def leaks(text: str, found: Canary) -> list[str]:
    lowered = text.lower()
    return sorted(variant for variant in found.variants() if variant in lowered)


Client = httpx.Client | TestClient


def walk(client: Client, key: str, found: Canary, hook: str) -> dict[str, str]:
    """Every path the canary may take; the ids of its leads."""
    admin = {"Authorization": f"Bearer {key}"}

    def ok(response: Any, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    events = ["lead.created", "lead.assigned", "lead.status_changed", "lead.won"]
    subscription = {"url": hook, "events": events, "secret": "s" * 24}
    ok(client.post("/api/v1/webhooks", json=subscription, headers=admin), 201)
    fields = {"name": found.name, "email": found.email, "phone": found.phone, "country": "GB"}
    keyed = {**admin, "Idempotency-Key": f"key-{found.token}"}
    first = ok(client.post("/api/v1/leads", json=fields, headers=keyed), 201)
    ok(client.post("/api/v1/leads", json=fields, headers=keyed), 201)
    ok(client.post("/api/v1/leads", data=fields, headers=admin), 201)
    malformed = {"name": found.name, "email": found.bad_email, "phone": found.bad_phone}
    bad = ok(client.post("/api/v1/leads", json=malformed, headers=admin), 201)
    assert bad["issues"], bad
    ok(client.post("/api/v1/leads", json={"name": found.name}, headers=admin), 422)
    ok(client.post("/api/v1/leads", data={"name": found.name}, headers=admin), 422)
    broken = {**admin, "Content-Type": "application/json"}
    ok(client.post("/api/v1/leads", content=f'{{"email": "{found.email}"', headers=broken), 422)
    for text in (found.email, found.phone, found.e164, found.name):
        ok(client.get("/api/v1/leads", params={"q": text}, headers=admin))
    lead_id = first["id"]
    activity = {"type": "email_opened", "data": {"to": found.email}}
    ok(client.post(f"/api/v1/leads/{lead_id}/activities", json=activity, headers=admin), 201)
    ok(client.post(f"/api/v1/leads/{lead_id}/events", json={"type": "touched"}, headers=admin))
    won = {"type": "won", "amount": 100, "reason": f"signed by {found.name}"}
    ok(client.post(f"/api/v1/leads/{lead_id}/events", json=won, headers=admin))
    sign_in(client, key)
    for text in (found.email, found.name, found.phone):
        assert client.get("/leads", params={"q": text}).status_code == 200
    assert client.get(f"/leads/{lead_id}").status_code == 200
    ok(client.get(f"/api/v1/leads/{lead_id}", headers=admin))
    ok(client.get(f"/api/v1/leads/{lead_id}/export", headers=admin))
    return {"lead": lead_id, "malformed": bad["id"]}


def sign_in(client: Client, key: str) -> None:
    form = client.get("/login")
    token = _CSRF.search(form.text)
    assert token is not None, form.text
    answer = client.post(
        "/login", data={"csrf": token.group(1), "key": key}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving(failures=1_000_000) as failing:
        yield failing


@pytest.fixture
def redacting() -> Iterator[None]:
    """`leadroute.logs.install()` for one test, undone afterwards."""
    factory = logging.getLogRecordFactory()
    loggers = [
        logging.getLogger(name) for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access")
    ]
    targets: list[logging.Filterer] = [*loggers]
    targets += [handler for item in loggers for handler in item.handlers]
    kept = [(target, list(target.filters)) for target in targets]
    logs.install()
    yield
    logging.setLogRecordFactory(factory)
    for target, filters in kept:
        target.filters[:] = filters


def test_in_process_logs_at_debug_carry_no_canary(
    database_url: str,
    tmp_path: Path,
    receiver: Receiver,
    redacting: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for name in ["", *logging.root.manager.loggerDict]:
        caplog.set_level(logging.DEBUG, logger=name)
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING.format(port=receiver.port), encoding="utf-8")
    settings = Settings(database_url=database_url, routing=routing, allow_private_urls=True)
    clock = Clock()
    runtime = start_migrated(settings, clock)
    site = create_site(runtime, settings, clock=clock)
    found = canary()
    try:
        with TestClient(site, base_url="https://testserver") as client:
            service = Service(runtime=runtime, client=client, clock=clock)
            key = service.key("admin")["Authorization"].removeprefix("Bearer ")
            ids = walk(client, key, found, receiver.url("/hook"))
            relay = Relay(
                runtime=runtime, allow_private=True, clock=clock, retries=Retries(max_attempts=1)
            )
            assert relay.run_once(limit=100) > 0
            erased = client.delete(
                f"/api/v1/leads/{ids['lead']}", headers={"Authorization": f"Bearer {key}"}
            )
            assert erased.status_code == 200, erased.text
            assert client.get(f"/leads/{ids['lead']}").status_code == 200  # a tombstone shows
    finally:
        runtime.database.dispose()
    # httpx2 is the test's own HTTP client (TestClient), which logs the URLs it asks for.
    records = [record for record in caplog.records if not record.name.startswith("httpx2")]
    handler = logging.Handler()
    text = "\n".join(handler.format(record) for record in records)
    text += "\n".join(record.getMessage() for record in records)
    assert leaks(text, found) == []
    names = {record.name for record in caplog.records}
    assert {"sqlalchemy.engine.Engine", "leadroute.relay"} <= names, names
    assert "failed after 1 tries" in text
    assert logs.ROWS_HIDDEN in text  # SQLAlchemy echoed rows; they were withheld


def test_a_live_server_logs_no_canary_in_its_access_log_or_elsewhere(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING.format(port=receiver.port), encoding="utf-8")
    monkeypatch.setenv("LEADROUTE_ALLOW_PRIVATE_URLS", "true")
    monkeypatch.setenv("LEADROUTE_DELIVERY_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("LEADROUTE_COOKIE_SECURE", "false")
    found = canary()
    with running(tmp_path, routing) as server, httpx.Client(base_url=server.url) as client:
        ids = walk(client, server.admin_key, found, receiver.url("/hook"))
        admin = {"Authorization": f"Bearer {server.admin_key}"}
        deadline = time.monotonic() + 30
        while not client.get("/api/v1/deliveries?status=failed", headers=admin).json()["total"]:
            assert time.monotonic() < deadline, "no delivery failed within 30 s"
            time.sleep(0.2)
        erased = client.delete(f"/api/v1/leads/{ids['lead']}", headers=admin)
        assert erased.status_code == 200, erased.text
    text = (tmp_path / "serve.log").read_text(encoding="utf-8")
    assert leaks(text, found) == [], text
    assert '"GET /api/v1/leads?q=[redacted] HTTP/1.1" 200' in text  # the access log was on
    assert '"GET /leads?q=[redacted] HTTP/1.1" 200' in text
    assert f'"GET /api/v1/leads/{ids["lead"]}/export HTTP/1.1" 200' in text  # ids intact
    assert f'"DELETE /api/v1/leads/{ids["lead"]} HTTP/1.1" 200' in text
    assert "failed after 1 tries" in text  # the relay's warning reached stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("to Ana.Souza+x@Acme.example now", "to [email] now"),
        ("q=ana%40acme.example&x", "q=[email]&x"),
        ("zq..bad@@mail.example", "[email]"),
        ("call +1 415-555-0132 or (415) 555-0132", "call [phone] or [phone]"),
        ("E.164 +442079460123, dotted 415.555.0132", "E.164 [phone], dotted [phone]"),
        ("q=%2B44%2020%207946%200123", "q=[phone]"),
        ("typed 4155550132", "typed [phone]"),
    ],
)
def test_emails_and_phones_are_redacted(text: str, expected: str) -> None:
    assert logs.redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-03 17:00:00,123 and 2026-03-03T17:00:00+00:00",
        "lead 01KJTA8TM0R8NVPACMQAGZW8N8, delivery 4a3f1234567890abcdef1234567890ab",
        "from 127.0.0.1:54321 and 192.168.100.200:8000",
        "took 1234567 ns, 0.1234567 s, stamp 1700000000.123, 1,234,567 rows, v1.2.3",
        "retrying in 1.0s after 8 tries (HTTP 500)",
    ],
)
def test_times_ids_addresses_and_numbers_are_left_alone(text: str) -> None:
    assert logs.redact(text) == text


def test_an_access_line_keeps_safe_parameters_and_hides_the_rest() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/leads?q=Jo%20Lee&status=routed&limit=5", "1.1", 200),
        None,
    )
    logs.redact_record(record)
    assert record.getMessage() == (
        '127.0.0.1:5 - "GET /leads?q=[redacted]&status=routed&limit=5 HTTP/1.1" 200'
    )


def test_redaction_never_breaks_logging() -> None:
    class Hostile:
        def __str__(self) -> str:
            raise RuntimeError("no text for you")

    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "value %s", (Hostile(),), None)
    logs.redact_record(record)
    assert (record.getMessage(), record.args) == (logs.UNREADABLE, ())
    try:
        raise ValueError("bad address jo@acme.example")
    except ValueError:
        failing = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "failed for %s", ("jo@acme.example",), sys.exc_info()
        )
    logs.redact_record(failing)
    text = logging.Formatter().format(failing)
    assert "jo@acme.example" not in text
    assert "failed for [email]" in text
    assert "ValueError: bad address [email]" in text
