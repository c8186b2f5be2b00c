"""SLA timers in the service (domain/sla.py), on a virtual clock and both databases: the owner
is reminded, misses the first-touch target, the lead moves to the next rep (never back), the
managers hear of it, and after the last re-assignment it goes where `then` says. Every step is
in the timeline; a touch in time stops the clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.api.calls import (
    assign,
    event,
    fire,
    lead,
    ok,
    open_assignments,
    post,
    serve_routing,
    timer_outcomes,
    types,
)
from tests.api.conftest import Service

ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr]}
  - {id: bob, teams: [sdr]}
  - {id: cy, teams: [sdr]}
  - {id: lee, teams: [closers]}
teams:
  closers: {sla: {remind_after: 1h, untouched_after: 2d}}
pools:
  backlog: {members: [team:sdr]}
routing:
  - name: inbound
    when: {field: kind, eq: inbound}
    assign: {team: sdr, select: round_robin}
    sla:
      remind_after: 3m
      first_touch: 5m
      reassign_after: 10m
      escalate_after: 25m
      max_reassignments: 2
      then: {pool: backlog}
  - name: closers
    assign: {team: closers, select: round_robin}
"""


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[Service]:
    yield from serve_routing(database_url, tmp_path, ROUTING)


def at_minute(service: Service, minutes: int, start: datetime) -> None:
    """Move the clock to `minutes` after `start` and fire what is due, minute by minute (as the
    worker would), so each stage acts at its own time."""
    while service.clock.now < start + timedelta(minutes=minutes):
        service.clock.advance(minutes=1)
        fire(service)


def test_remind_miss_reassign_escalate_then_pool(service: Service) -> None:
    start = service.clock.now
    posted = post(service, kind="inbound", email="a@example.com")
    lead_id = posted["id"]
    assert posted["owner"] == "ana"
    at_minute(service, 9, start)
    detail = lead(service, lead_id)
    assert types(detail)[-2:] == ["lead.reminded", "lead.sla_missed"]
    assert detail["timeline"][-2]["reason"] == "sla: not touched 3m after ana got it (target 5m)"
    at_minute(service, 10, start)
    detail = lead(service, lead_id)
    assert detail["owner"] == "bob"
    reassigned = next(e for e in detail["timeline"] if e["type"] == "lead.reassigned")
    assert reassigned["reason"] == "sla: ana did not touch it in 10m: to bob"
    assert open_assignments(service, lead_id) == ["bob"]
    at_minute(service, 40, start)
    detail = lead(service, lead_id)
    kinds = types(detail)
    assert kinds.count("lead.reassigned") == 3
    assert kinds.count("lead.escalated") == 1
    assert (detail["owner"], detail["pool"]) == (None, "backlog")
    escalated = next(e for e in detail["timeline"] if e["type"] == "lead.escalated")
    assert escalated["reason"].startswith("sla: not touched 25m after it was first assigned")
    last = [e for e in detail["timeline"] if e["type"] == "lead.reassigned"][-1]
    assert last["reason"] == (
        "sla: cy did not touch it in 10m; max_reassignments 2 reached: to pool backlog"
    )
    assert open_assignments(service, lead_id) == []
    # The decision of each re-assignment is stored with its trace, like any other.
    assert detail["decision"]["rule"] == "sla"


def test_a_touch_in_time_stops_every_stage(service: Service) -> None:
    lead_id = post(service, kind="inbound", email="b@example.com")["id"]
    service.clock.advance(minutes=2)
    ok(event(service, lead_id, "touched"))
    service.clock.advance(minutes=60)
    fire(service)
    detail = lead(service, lead_id)
    assert "lead.reminded" not in types(detail)
    assert detail["owner"] == "ana"
    assert timer_outcomes(service, lead_id) == [("sla_remind", "stale")]


def test_a_team_sla_and_the_quiet_reminder(service: Service) -> None:
    lead_id = post(service, kind="other", email="c@example.com")["id"]
    service.clock.advance(minutes=61)
    fire(service)
    assert types(lead(service, lead_id))[-1] == "lead.reminded"
    ok(event(service, lead_id, "touched"))
    service.clock.advance(days=2, minutes=1)
    fire(service)
    detail = lead(service, lead_id)
    assert detail["timeline"][-1]["reason"] == (
        "sla: no touch for 2d since the last one; lee reminded"
    )
    service.clock.advance(days=2, minutes=1)
    fire(service)
    assert types(lead(service, lead_id)).count("lead.reminded") == 3


def test_a_lead_assigned_by_hand_is_watched_by_the_reps_team_sla(service: Service) -> None:
    lead_id = post(service, kind="inbound", email="b@example.com")["id"]
    ok(assign(service, lead_id, rep="lee", reason="key account"))
    service.clock.advance(minutes=61)
    fire(service)
    detail = lead(service, lead_id)
    assert detail["owner"] == "lee"
    assert detail["timeline"][-1]["reason"] == "sla: not touched 1h after lee got it"
