"""`select: optimal` with a `batch_window` in the live service (services/holding.py,
services/batches.py): new leads are acknowledged and held, then placed together when the first
one's window ends, on win rates learned from the stored results."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from leadroute.storage.tables import LeadRow
from tests.api.calls import event, fire, lead, ok, post, serve_routing, timer_outcomes, types
from tests.api.conftest import T0, Service

WINDOW = "30s"


def routing(batch_window: str | None) -> str:
    window = f", batch_window: {batch_window}" if batch_window else ""
    return "\n".join(
        [
            "timezone: UTC",
            "reps:",
            "  - {id: ana, caps: {day: 1}}",
            "  - {id: bob, caps: {day: 1}}",
            "routing:",
            "  - name: learned",
            "    when: {field: industry, in: [saas, retail]}",
            f"    assign: {{reps: [ana, bob], select: optimal, by: [industry]{window}}}",
            "fallback: {pool: unassigned}",
            "",
        ]
    )


# Past results (won, lost): ana closes both industries, bob only saas, and the pair is worth
# most with ana on retail and bob on saas, though ana is the better saas closer.
RECORD = {("ana", "saas"): (36, 4), ("ana", "retail"): (20, 20), ("bob", "saas"): (24, 16)}
RECORD[("bob", "retail")] = (4, 36)


def with_record(service: Service) -> Service:
    rows: list[LeadRow] = []
    closed = T0 - timedelta(days=30)
    for (rep, industry), (won, lost) in RECORD.items():
        for number, result in enumerate(["won"] * won + ["lost"] * lost):
            rows.append(
                LeadRow(
                    id=f"past-{rep}-{industry}-{number}",
                    received_at=closed,
                    fields={"industry": industry},
                    raw={},
                    issues=[],
                    custom=[],
                    status=result,
                    owner=rep,
                    updated_at=closed,
                    closed_at=closed,
                )
            )
    with service.runtime.database.writing() as session:
        session.add_all(rows)
    return service


POOLED = "\n".join(
    [
        "timezone: UTC",
        "reps:",
        "  - {id: ana, caps: {day: 1}}",
        "  - {id: bob, caps: {day: 1}}",
        "pools:",
        "  inbound:",
        "    members: [ana, bob]",
        "    max_wait: 1h",
        "    escalate: {assign: {reps: [ana, bob], select: optimal, by: [industry]}}",
        "routing:",
        "  - {name: to the pool, pool: inbound}",
        "fallback: {pool: unassigned}",
        "",
    ]
)


@pytest.fixture
def batching(database_url: str, tmp_path: Path) -> Iterator[Service]:
    for service in serve_routing(database_url, tmp_path, routing(WINDOW)):
        yield with_record(service)


@pytest.fixture
def alone(database_url: str, tmp_path: Path) -> Iterator[Service]:
    for service in serve_routing(database_url, tmp_path, routing(None)):
        yield with_record(service)


def owners(service: Service, *ids: str) -> list[Any]:
    return [lead(service, lead_id)["owner"] for lead_id in ids]


def test_without_a_window_each_lead_takes_the_best_rep_left(alone: Service) -> None:
    saas = post(alone, email="s@acme.com", industry="saas")
    retail = post(alone, email="r@acme.com", industry="retail")
    assert (saas["owner"], retail["owner"]) == ("ana", "bob")
    assert "optimal alone" in saas["decision"]["reason"]


def test_leads_within_the_window_are_held_then_placed_together(batching: Service) -> None:
    saas = post(batching, email="s@acme.com", industry="saas")
    batching.clock.advance(seconds=10)
    retail = post(batching, email="r@acme.com", industry="retail")
    for answer, at in ((saas, T0), (retail, T0 + timedelta(seconds=10))):
        assert (answer["status"], answer["owner"], answer["pool"], answer["decision"]) == (
            "new",
            None,
            None,
            None,
        )
        assert answer["held"] == {
            "rule": "learned",
            "until": (at + timedelta(seconds=30)).isoformat(),
        }
    detail = lead(batching, saas["id"])
    assert types(detail) == ["lead.received", "lead.held"]
    assert detail["timeline"][-1]["reason"].startswith("held for the learned batch (30s window)")

    batching.clock.advance(seconds=19)  # 29 s after the first lead: nothing is due yet
    assert fire(batching) == 0
    assert owners(batching, saas["id"], retail["id"]) == [None, None]

    batching.clock.advance(seconds=1)
    assert fire(batching) == 1  # the first lead's timer places both
    assert owners(batching, saas["id"], retail["id"]) == ["bob", "ana"]
    for lead_id in (saas["id"], retail["id"]):
        placed = lead(batching, lead_id)
        assert placed["status"] == "routed"
        assert "optimal batch of 2" in placed["decision"]["reason"], placed["decision"]
        assert placed["timeline"][-1]["at"] == batching.clock.now.isoformat()
    assert timer_outcomes(batching, saas["id"])[0] == ("batch", "placed 2")
    assert timer_outcomes(batching, retail["id"])[0] == ("batch", "batched")
    batching.clock.advance(seconds=10)
    assert fire(batching) == 0  # the second lead's timer went with the batch


def test_a_lead_closed_while_held_is_left_out_of_the_batch(batching: Service) -> None:
    first = post(batching, email="a@acme.com", industry="saas")
    second = post(batching, email="b@acme.com", industry="saas")
    ok(event(batching, second["id"], "disqualified", reason="spam"))
    batching.clock.advance(seconds=30)
    fire(batching)
    assert timer_outcomes(batching, first["id"]) == [("batch", "placed 1")]
    assert timer_outcomes(batching, second["id"]) == [("batch", "stale")]
    assert lead(batching, first["id"])["owner"] is not None
    dropped = lead(batching, second["id"])
    assert (dropped["status"], dropped["owner"]) == ("disqualified", None)


def test_caps_hold_when_the_batch_is_larger_than_the_room(batching: Service) -> None:
    ids = [post(batching, email=f"{n}@acme.com", industry="saas")["id"] for n in range(3)]
    batching.clock.advance(seconds=30)
    fire(batching)
    placed = [lead(batching, lead_id) for lead_id in ids]
    given = sorted(entry["owner"] for entry in placed if entry["owner"] is not None)
    assert given == ["ana", "bob"]  # day caps of 1: one each, the third lead waits in a pool
    assert [entry["pool"] for entry in placed].count("unassigned") == 1


@pytest.fixture
def pooled(database_url: str, tmp_path: Path) -> Iterator[Service]:
    for service in serve_routing(database_url, tmp_path, POOLED):
        yield with_record(service)


def test_the_overdue_leads_of_a_pool_are_escalated_together(pooled: Service) -> None:
    saas = post(pooled, email="s@acme.com", industry="saas")
    pooled.clock.advance(minutes=5)
    retail = post(pooled, email="r@acme.com", industry="retail")
    assert (saas["pool"], retail["pool"]) == ("inbound", "inbound")
    pooled.clock.advance(minutes=55)  # the first lead is overdue, the second not yet
    fire(pooled)
    assert owners(pooled, saas["id"], retail["id"]) == ["ana", None]
    assert "optimal batch of 1" in lead(pooled, saas["id"])["decision"]["reason"]


def test_leads_overdue_at_once_are_placed_for_the_most_expected_wins(pooled: Service) -> None:
    saas = post(pooled, email="s@acme.com", industry="saas")
    pooled.clock.advance(minutes=5)
    retail = post(pooled, email="r@acme.com", industry="retail")
    pooled.clock.advance(hours=2)
    fire(pooled)
    assert owners(pooled, saas["id"], retail["id"]) == ["bob", "ana"]
    assert timer_outcomes(pooled, saas["id"]) == [("wait", "escalated")]
    assert timer_outcomes(pooled, retail["id"]) == [("wait", "escalated")]
    for lead_id in (saas["id"], retail["id"]):
        placed = lead(pooled, lead_id)
        assert "lead.escalated" in types(placed)
        assert "optimal batch of 2" in placed["decision"]["reason"], placed["decision"]
