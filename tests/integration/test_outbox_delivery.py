"""Real deliveries to a local HTTP receiver, on SQLite and PostgreSQL: apprise `json://`
notices and signed webhooks; retries that end in one accepted message per delivery id;
dead letters listed and re-sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from leadroute.domain.deliveries import Retries
from leadroute.notify.webhooks import verify
from tests.api.calls import event, ok
from tests.api.conftest import Service
from tests.outbox import deliveries, drain, outbox_service, relay_of, waiting
from tests.receivers import Receiver, receiving

ROUTING = """\
timezone: UTC
reps:
  - {{id: ana, name: Ana Souza, teams: [sdr], notify: ["json://127.0.0.1:{port}/ana"]}}
routing:
  - name: everyone
    assign: {{team: sdr, select: round_robin}}
notifications: {{dashboard_url: "https://leads.example.com"}}
"""
SECRET = "a-shared-secret-of-some-length"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as found:
        yield found


@pytest.fixture
def service(database_url: str, tmp_path: Path, receiver: Receiver) -> Iterator[Service]:
    routing = ROUTING.format(port=receiver.port)
    yield from outbox_service(database_url, tmp_path, routing, allow_private_urls=True)


def subscribe(service: Service, url: str, *events: str) -> dict[str, Any]:
    body = {"url": url, "secret": SECRET, "events": list(events)}
    return ok(service.client.post("/api/v1/webhooks", json=body, headers=service.admin), 201)


def post_lead(service: Service) -> dict[str, Any]:
    fields = {"name": "Jo Lee", "company": "Acme", "email": "jo@acme.com", "country": "US"}
    return ok(service.client.post("/api/v1/leads", json=fields, headers=service.admin), 201)


def test_an_assigned_rep_hears_of_the_lead_through_apprise_json(
    service: Service, receiver: Receiver
) -> None:
    lead = post_lead(service)
    assert lead["owner"] == "ana"
    assert relay_of(service).run_once() == 1

    (request,) = receiver.accepted()
    assert request.path == "/ana"
    notice = json.loads(request.body)
    assert notice["title"] == "New lead for Ana Souza: Jo Lee"
    assert "Jo Lee (Acme)\nEmail: jo@acme.com\nCountry: US" in notice["message"]
    assert f"Why you got this lead: {lead['decision']['reason']}" in notice["message"]
    assert f"https://leads.example.com/leads/{lead['id']}" in notice["message"]
    (row,) = deliveries(service)
    assert (row["kind"], row["event"], row["status"], row["attempts"]) == (
        "notification",
        "assigned",
        "delivered",
        1,
    )
    assert request.delivery == row["id"]


def test_webhooks_are_signed_and_say_what_changed(service: Service, receiver: Receiver) -> None:
    hook = subscribe(
        service, receiver.url("/crm"), "lead.created", "lead.assigned", "lead.status_changed"
    )
    assert "secret" not in hook
    lead = post_lead(service)
    ok(event(service, lead["id"], "touched"))
    relay_of(service).run_once()

    posts = [request for request in receiver.accepted() if request.path == "/crm"]
    assert [request.headers["X-Leadroute-Event"] for request in posts] == [
        "lead.created",
        "lead.assigned",
        "lead.status_changed",
    ]
    now = service.clock.now.timestamp()
    for request in posts:
        assert verify(
            SECRET,
            timestamp=request.headers["X-Leadroute-Timestamp"],
            body=request.body,
            signed=request.headers["X-Leadroute-Signature"],
            now=now,
        )
        assert not verify(
            "another secret",
            timestamp=request.headers["X-Leadroute-Timestamp"],
            body=request.body,
            signed=request.headers["X-Leadroute-Signature"],
            now=now,
        )
        body = json.loads(request.body)
        assert body["id"] == request.delivery
        assert body["lead"]["id"] == lead["id"]
    created, assigned, changed = (json.loads(request.body) for request in posts)
    assert created["lead"]["fields"]["email"] == "jo@acme.com"
    assert (assigned["rep"], assigned["reason"]) == ("ana", lead["decision"]["reason"])
    assert changed["change"] == {"from": "routed", "to": "touched"}
    assert changed["lead"]["status"] == "touched"


def test_a_receiver_failing_three_times_accepts_each_delivery_once(
    service: Service, receiver: Receiver
) -> None:
    receiver.failures = 3
    subscribe(service, receiver.url("/crm"), "lead.created")
    post_lead(service)
    relay = relay_of(service)

    assert drain(service, relay) == 4
    rows = deliveries(service)
    assert {(row["kind"], row["status"], row["attempts"]) for row in rows} == {
        ("notification", "delivered", 4),
        ("webhook", "delivered", 4),
    }
    assert sorted(r.delivery or "" for r in receiver.accepted()) == sorted(r["id"] for r in rows)
    for row in rows:
        tries = [r.status for r in receiver.requests if r.delivery == row["id"]]
        assert tries == [500, 500, 500, 200]
    assert relay.run_once() == 0


def test_the_retries_back_off(service: Service, receiver: Receiver) -> None:
    receiver.failures = 2
    post_lead(service)
    relay = relay_of(service)
    start = service.clock.now
    assert relay.run_once() == 1
    assert relay.run_once() == 0  # the first retry waits about 30 seconds
    service.clock.advance(seconds=24)
    assert relay.run_once() == 0
    service.clock.advance(seconds=12)
    assert relay.run_once() == 1  # 30s ± 20% after the first try
    service.clock.advance(seconds=36)
    assert relay.run_once() == 0  # then about a minute
    service.clock.advance(seconds=36)
    assert relay.run_once() == 1
    assert [row["status"] for row in deliveries(service)] == ["delivered"]
    assert service.clock.now - start == timedelta(seconds=108)


def test_a_dead_letter_is_listed_and_resent(service: Service, receiver: Receiver) -> None:
    receiver.failures = 1000
    subscribe(service, receiver.url("/crm"), "lead.created")
    post_lead(service)
    relay = relay_of(service, retries=Retries(max_attempts=3))
    drain(service, relay)

    failed = ok(
        service.client.get("/api/v1/deliveries", params={"status": "failed"}, headers=service.admin)
    )
    assert failed["total"] == 2
    by_kind = {entry["kind"]: entry for entry in failed["deliveries"]}
    webhook = by_kind["webhook"]
    assert (webhook["attempts"], webhook["event"], webhook["last_error"]) == (
        3,
        "lead.created",
        "HTTP 500",
    )
    assert by_kind["notification"]["channel"].startswith("json://127.0.0.1")
    assert "Internal Server Error" in by_kind["notification"]["last_error"] or (
        "error=500" in by_kind["notification"]["last_error"]
    )
    assert relay.run_once() == 0  # dead letters are not retried

    receiver.failures = 0
    manager = service.key("manager")
    resent = ok(service.client.post(f"/api/v1/deliveries/{webhook['id']}/resend", headers=manager))
    assert (resent["status"], resent["attempts"]) == ("pending", 0)
    assert relay.run_once() == 1
    accepted = [r.delivery for r in receiver.accepted()]
    assert accepted == [webhook["id"]]
    again = service.client.post(f"/api/v1/deliveries/{webhook['id']}/resend", headers=manager)
    assert again.status_code == 409
    assert again.json()["status"] == "delivered"
    assert waiting(service) == []


def test_a_private_address_is_refused_at_delivery_without_the_setting(
    service: Service, receiver: Receiver
) -> None:
    subscribe(service, receiver.url("/crm"), "lead.created")
    post_lead(service)
    assert relay_of(service, allow_private=False).run_once() == 2
    rows = deliveries(service)
    assert {row["status"] for row in rows} == {"failed"}
    assert all(row["attempts"] == 1 for row in rows)
    assert all("127.0.0.1 is a loopback address" in row["last_error"] for row in rows)
    assert receiver.requests == []
