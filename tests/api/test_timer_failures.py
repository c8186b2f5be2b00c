"""A timer that fails does not stop the others: it is logged, tried again later with backoff,
and after five failures given up with an event in the lead's timeline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from leadroute.services import timers
from leadroute.storage.tables import TimerRow
from tests.api.calls import fire, lead, post, serve_routing, types
from tests.api.conftest import Service

ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr]}
  - {id: bob, teams: [sdr]}
routing:
  - name: demo
    assign: {team: sdr, select: round_robin, offer: {timeout: 2m, max_offers: 2}}
"""


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[Service]:
    yield from serve_routing(database_url, tmp_path, ROUTING)


def test_a_failing_timer_is_retried_later_and_never_blocks_the_others(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = str(post(service, email="first@acme.com")["id"])  # offered to ana, due first
    service.clock.advance(seconds=30)
    healthy = str(post(service, email="second@acme.com")["id"])  # offered to bob
    real = timers._fire

    def failing(session: Any, routing: Any, row: Any, timer: Any, *, now: Any) -> str:
        if row.id == broken:
            raise RuntimeError("boom")
        return real(session, routing, row, timer, now=now)

    monkeypatch.setattr(timers, "_fire", failing)
    service.clock.advance(minutes=3)
    fire(service)
    assert lead(service, healthy)["owner"] == "ana"  # bob's offer expired, on to ana
    stuck = lead(service, broken)
    assert (stuck["status"], stuck["owner"]) == ("offered", "ana")
    pending = [row for row in _timers(service, broken) if row.fired_at is None]
    assert [(row.attempts, row.due_at) for row in pending] == [
        (1, service.clock.now + timers.RETRY_AFTER)
    ]

    # It keeps failing: 1, 2, 4, 8 minutes apart, then it is given up, and the timeline says so.
    for _ in range(4):
        service.clock.advance(minutes=9)
        fire(service)
    given_up = [row for row in _timers(service, broken) if row.outcome == "failed"]
    assert [row.attempts for row in given_up] == [timers.MAX_ATTEMPTS]
    assert types(lead(service, broken))[-1] == "timer.failed"


def _timers(service: Service, lead_id: str) -> list[TimerRow]:
    with service.runtime.database.reading() as session:
        return list(session.scalars(select(TimerRow).where(TimerRow.lead_id == lead_id)).all())
