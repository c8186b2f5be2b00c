"""What the outbox writes for each change, on SQLite and PostgreSQL: notices for the right
channels (assigned, offered, re-assigned, overdue, SLA), webhook events (created, assigned,
reassigned, status_changed, won), all in the change's own transaction."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from leadroute.domain.deliveries import Sent
from leadroute.notify.recording import RecordingNotifier, RecordingPoster
from leadroute.services.timers import fire_due
from leadroute.storage.owners import log
from tests.api.calls import assign, claim, event, ok
from tests.api.conftest import Service
from tests.outbox import deliveries, outbox_service, relay_of

ANA, BOB = "json://ana.example.com/hook", "json://bob.example.com/hook"
SDR, MANAGERS = "msteams://sdr-channel", "mailto://boss@example.com"
ROUTING = f"""\
timezone: UTC
reps:
  - {{id: ana, name: Ana Souza, teams: [sdr], notify: ["{ANA}"]}}
  - {{id: bob, name: Bob Stone, teams: [sdr], notify: ["{BOB}"]}}
teams:
  sdr: {{notify: ["{SDR}"]}}
notifications:
  managers: ["{MANAGERS}"]
  dashboard_url: https://leads.example.com
pools:
  waiting: {{members: [team:sdr], max_wait: 1h}}
routing:
  - name: later
    when: {{field: kind, eq: later}}
    pool: waiting
  - name: offers
    when: {{field: kind, eq: offer}}
    assign: {{team: sdr, select: round_robin, offer: {{timeout: 2m, max_offers: 2}}}}
  - name: watched
    when: {{field: kind, eq: sla}}
    assign: {{team: sdr, select: round_robin}}
    sla: {{reassign_after: 10m}}
  - name: everyone
    assign: {{team: sdr, select: round_robin}}
"""
HOOK = "https://93.184.215.14/crm"


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[Service]:
    yield from outbox_service(database_url, tmp_path, ROUTING)


def notices(service: Service) -> list[tuple[str, str, str]]:
    """(notice kind, channel, title) of every notification delivery, in event order."""
    return [
        (row["event"], row["target"], row["payload"]["title"])
        for row in deliveries(service)
        if row["kind"] == "notification"
    ]


def posted(service: Service) -> list[tuple[str, str | None]]:
    """(webhook event, the lead's status in the body) of every webhook delivery."""
    return [
        (row["event"], row["payload"]["lead"]["status"])
        for row in deliveries(service)
        if row["kind"] == "webhook"
    ]


def subscribe(service: Service, *events: str) -> dict[str, Any]:
    body = {"url": HOOK, "events": list(events or ("lead.created",))}
    return ok(service.client.post("/api/v1/webhooks", json=body, headers=service.admin), 201)


def test_a_change_and_its_deliveries_commit_together(service: Service) -> None:
    lead = service.post_lead(email="jo@acme.com")
    assert notices(service) == [("assigned", ANA, "New lead for Ana Souza: jo@acme.com")]
    database = service.runtime.database

    def tell_bob(session: Session) -> None:
        at, lead_id = service.clock.now, str(lead["id"])
        log(session, "lead.assigned", at=at, actor="test", lead_id=lead_id, rep_id="bob")

    with pytest.raises(RuntimeError), database.writing() as session:  # noqa: PT012
        tell_bob(session)
        raise RuntimeError("the change fails")
    assert len(notices(service)) == 1
    with database.writing() as session:
        tell_bob(session)
    assert [target for _, target, _ in notices(service)] == [ANA, BOB]


PLAIN = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr]}
routing:
  - name: everyone
    assign: {team: sdr, select: round_robin}
"""


def test_nothing_is_written_without_channels_or_subscriptions(
    database_url: str, tmp_path: Path
) -> None:
    for service in outbox_service(database_url, tmp_path, PLAIN):
        service.post_lead(email="jo@acme.com")
        assert deliveries(service) == []
        subscribe(service, "lead.created")
        service.post_lead(email="li@acme.com")
        assert posted(service) == [("lead.created", "routed")]


def test_a_manual_reassignment(service: Service) -> None:
    subscribe(service, "lead.assigned", "lead.reassigned")
    lead = service.post_lead(email="jo@acme.com")
    ok(assign(service, lead["id"], rep="bob", reason="speaks Spanish"))
    title = "Lead re-assigned to Bob Stone: jo@acme.com"
    assert notices(service)[1:] == [("reassigned", BOB, title), ("reassigned", SDR, title)]
    assert posted(service) == [
        ("lead.assigned", "routed"),
        ("lead.reassigned", "routed"),
        ("lead.assigned", "routed"),  # Bob is the owner now
    ]
    body = deliveries(service)[-1]["payload"]
    assert (body["rep"], body["data"]["from"], body["reason"]) == ("bob", "ana", "speaks Spanish")


def test_an_sla_reassignment_tells_the_new_owner_once(service: Service) -> None:
    subscribe(service, "lead.assigned", "lead.reassigned")
    service.post_lead(email="jo@acme.com", kind="sla")
    service.clock.advance(minutes=11)
    assert fire_due(service.runtime, now=service.clock.now) == 1
    moved = "Lead re-assigned to Bob Stone: jo@acme.com"
    assert notices(service) == [
        ("assigned", ANA, "New lead for Ana Souza: jo@acme.com"),
        ("reassigned", SDR, moved),
        ("reassigned", MANAGERS, moved),
        ("assigned", BOB, "New lead for Bob Stone: jo@acme.com"),
    ]
    assert [kind for kind, _ in posted(service)] == [
        "lead.assigned",
        "lead.reassigned",
        "lead.assigned",
    ]


def test_offers_and_overdue_pools(service: Service) -> None:
    offered = service.post_lead(email="jo@acme.com", kind="offer")
    assert offered["status"] == "offered"
    service.post_lead(email="li@acme.com", kind="later")
    service.clock.advance(minutes=61)
    fire_due(service.runtime, now=service.clock.now)  # the offer expires, the pool is overdue
    found = notices(service)
    assert found[0] == ("offered", ANA, "Lead offered to Ana Souza: jo@acme.com")
    assert ("offered", BOB, "Lead offered to Bob Stone: jo@acme.com") in found
    assert ("overdue", MANAGERS, "Waiting too long in pool waiting: li@acme.com") in found
    body = next(row for row in deliveries(service) if row["event"] == "offered")
    assert "Accept it before" in body["payload"]["body"]


def test_status_changes_claims_and_wins(service: Service) -> None:
    subscribe(service, *("lead.assigned", "lead.status_changed", "lead.won"))
    waiting = service.post_lead(email="li@acme.com", kind="later")
    ok(claim(service, waiting["id"], rep="bob"))
    lead = service.post_lead(email="jo@acme.com")
    ok(event(service, lead["id"], "touched"))
    ok(event(service, lead["id"], "touched"))  # touched already: no change
    ok(event(service, lead["id"], "won", amount=1200))
    assert posted(service) == [
        ("lead.assigned", "routed"),  # claimed (a pooled lead is routed already)
        ("lead.assigned", "routed"),
        ("lead.status_changed", "touched"),
        ("lead.won", "won"),
        ("lead.status_changed", "won"),
    ]
    changes = [row["payload"].get("change") for row in deliveries(service)]
    assert [c for c in changes if c] == [
        {"from": "routed", "to": "touched"},
        {"from": "touched", "to": "won"},
    ]
    claimed = [row for row in notices(service) if "li@acme.com" in row[2]]
    assert claimed == []  # Bob claimed it himself


def test_only_the_kinds_sent_are_written(database_url: str, tmp_path: Path) -> None:
    quiet = ROUTING.replace("  dashboard_url:", "  send: [overdue]\n  dashboard_url:")
    for service in outbox_service(database_url, tmp_path, quiet):
        service.post_lead(email="jo@acme.com")
        assert notices(service) == []


def test_the_relay_sends_with_the_delivery_id(service: Service) -> None:
    hook = subscribe(service, "lead.created")
    service.post_lead(email="jo@acme.com")
    notifier, poster = RecordingNotifier(failures=1), RecordingPoster()
    relay = relay_of(service, notifier=notifier, poster=poster, allow_private=False)
    relay.resolver = lambda host, port: ["93.184.215.14"]
    assert relay.run_once() == 2
    rows = {row["kind"]: row for row in deliveries(service)}
    assert rows["notification"]["status"] == "pending"  # failed once, retried later
    assert rows["notification"]["last_error"] == "try 1 fails on purpose"
    (post,) = poster.sent
    assert (post.url, post.headers["X-Leadroute-Delivery"]) == (HOOK, rows["webhook"]["id"])
    service.clock.advance(minutes=1)
    assert relay.run_once() == 1
    (sent,) = notifier.sent
    assert (sent.url, sent.delivery_id) == (ANA, rows["notification"]["id"])

    service.post_lead(email="li@acme.com")  # its lead.created waits ...
    gone = service.client.delete(f"/api/v1/webhooks/{hook['id']}", headers=service.admin)
    assert gone.status_code == 204  # ... and is dead-lettered: nobody to post it to
    relay.run_once()
    failed = [row for row in deliveries(service) if row["status"] == "failed"]
    assert [row["last_error"] for row in failed] == [f"webhook {hook['id']} was deleted"]


@dataclass(kw_only=True)
class SlowPoster(RecordingPoster):
    """Takes a moment per post, so two relays overlap."""

    lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, url: str, *, body: bytes, headers: Mapping[str, str]) -> Sent:
        time.sleep(0.005)
        with self.lock:
            return super().post(url, body=body, headers=headers)


def test_two_relays_at_once_send_each_delivery_once(service: Service) -> None:
    subscribe(service, "lead.created", "lead.assigned")
    for number in range(15):
        service.post_lead(email=f"lead{number}@acme.com", kind="later")
    poster = SlowPoster()
    relays = [relay_of(service, poster=poster, notifier=RecordingNotifier()) for _ in range(2)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        tried = list(pool.map(lambda relay: relay.run_once(limit=100), relays))
    assert sum(tried) == 15
    ids = [post.headers["X-Leadroute-Delivery"] for post in poster.sent]
    assert sorted(ids) == sorted(row["id"] for row in deliveries(service))
    assert {row["status"] for row in deliveries(service)} == {"delivered"}
