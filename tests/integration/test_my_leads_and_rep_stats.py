"""services/my_leads.py (what is due on each of a rep's open leads, and when) and
services/rep_stats.py (the roster with month cap usage, hours and conversion), on SQLite and
PostgreSQL through the services the API calls."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from leadroute.services.errors import NotFound
from leadroute.services.my_leads import open_leads
from leadroute.services.principals import SYSTEM, Principal, Role
from leadroute.services.rep_stats import pool_members, roster
from tests.api.calls import claim, event, fire, ok, post, serve_routing
from tests.api.conftest import T0, Service

ROUTING = """\
timezone: UTC
reps:
  - {id: ana, name: Ana Souza, teams: [sdr], caps: {day: 3, month: 5}}
  - {id: lee, name: Lee Park, teams: [closers], hours: "mon-fri 09:00-17:00", timezone: UTC}
  - {id: kai, teams: [night], hours: "mon-fri 09:00-17:00", timezone: UTC}
teams:
  closers: {sla: {remind_after: 1h, untouched_after: 2d}}
pools:
  hot: {members: [team:sdr], claim_ttl: 30m}
routing:
  - name: to pool
    when: {field: kind, eq: pooled}
    pool: hot
  - name: night desk
    when: {field: kind, eq: night}
    assign: {team: night, any_hours: true}
    sla: {first_touch: 1h, business_hours: true}
  - name: closers
    when: {field: kind, eq: close}
    assign: {team: closers, any_hours: true}
  - name: sdr
    assign: {team: sdr}
"""
MANAGER = Principal(key_id="test", role=Role.MANAGER)


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[Service]:
    yield from serve_routing(database_url, tmp_path, ROUTING)


def send(service: Service, n: int, **fields: object) -> str:
    return str(post(service, email=f"lead{n}@example.com", name=f"Lead {n}", **fields)["id"])


def test_a_claim_with_a_ttl_is_due_when_it_would_go_back(service: Service) -> None:
    lead_id = send(service, 1, kind="pooled")
    ok(claim(service, lead_id, rep="ana"))
    [desk] = open_leads(runtime=service.runtime, rep_id="ana", now=service.clock.now)
    assert desk.id == lead_id
    assert desk.claimed_from == "hot"
    assert desk.due_at == T0 + timedelta(minutes=30)
    assert desk.due_for == "touch it or it goes back to pool hot"


def test_a_team_sla_without_a_target_is_due_at_its_reminder_then_at_the_quiet_one(
    service: Service,
) -> None:
    lead_id = send(service, 1, kind="close")
    [untouched] = open_leads(runtime=service.runtime, rep_id="lee", now=T0)
    assert (untouched.due_at, untouched.due_for) == (T0 + timedelta(hours=1), "first touch")
    service.clock.advance(minutes=20)
    ok(event(service, lead_id, "touched"))
    [touched] = open_leads(runtime=service.runtime, rep_id="lee", now=service.clock.now)
    assert touched.due_at == service.clock.now + timedelta(days=2)
    assert touched.due_for == "next touch"


def test_a_business_hours_target_counts_only_working_hours(service: Service) -> None:
    send(service, 1, kind="night")  # Tuesday 17:00 UTC: kai's day is over
    [desk] = open_leads(runtime=service.runtime, rep_id="kai", now=T0)
    assert desk.due_at == datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # Wednesday 09:00 + 1 h


def test_the_target_stays_once_its_stages_fired_and_closed_leads_leave(service: Service) -> None:
    send(service, 1, kind="night")
    service.clock.now = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)
    fire(service)
    [late] = open_leads(runtime=service.runtime, rep_id="kai", now=service.clock.now)
    assert late.due_at == datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    assert late.overdue
    [early] = open_leads(runtime=service.runtime, rep_id="kai", now=T0)
    assert not early.overdue
    ok(event(service, late.id, "lost", reason="no budget"))
    assert open_leads(runtime=service.runtime, rep_id="kai", now=service.clock.now) == []


def test_soonest_due_first_and_leads_without_sla_last(service: Service) -> None:
    plain = send(service, 1, kind="other")  # the sdr rule has no SLA
    closer = send(service, 2, kind="close")
    service.clock.advance(minutes=1)
    pooled = send(service, 3, kind="pooled")
    ok(claim(service, pooled, rep="ana"))
    ana = [lead.id for lead in open_leads(runtime=service.runtime, rep_id="ana", now=T0)]
    assert ana == [pooled, plain]
    assert [lead.id for lead in open_leads(runtime=service.runtime, rep_id="lee", now=T0)] == [
        closer
    ]


def test_lead_lists_say_when_each_lead_entered_its_pool(service: Service) -> None:
    first = send(service, 1, kind="pooled")
    service.clock.advance(minutes=7)
    second = send(service, 2, kind="pooled")
    listed = service.client.get("/api/v1/leads", headers=service.admin).json()["leads"]
    since = {lead["id"]: lead["pooled_at"] for lead in listed}
    assert since[first] == T0.isoformat()
    assert since[second] == (T0 + timedelta(minutes=7)).isoformat()


def test_the_roster_counts_the_month_cap_hours_and_conversion(service: Service) -> None:
    leads = [send(service, n, kind="other") for n in range(3)]
    ok(event(service, leads[0], "won", amount=100))
    ok(event(service, leads[1], "lost"))
    found = roster(runtime=service.runtime, caller=MANAGER, now=service.clock.now)
    by_id = {rep["id"]: rep for rep in found["reps"]}
    ana = by_id["ana"]
    assert (ana["assigned_today"], ana["assigned_month"]) == (3, 3)
    assert ana["capped"] == "cap day 3/3"
    assert (ana["won_month"], ana["lost_month"], ana["conversion"]) == (1, 1, 0.5)
    assert ana["open"] == 1
    assert ana["outside_hours"] is None
    assert by_id["kai"]["outside_hours"] == "outside hours (Tue 17:00 UTC)"
    assert by_id["kai"]["conversion"] is None
    assert by_id["kai"]["capped"] is None
    next_month = roster(
        runtime=service.runtime, caller=MANAGER, now=datetime(2026, 4, 1, 12, tzinfo=UTC)
    )
    april = {rep["id"]: rep for rep in next_month["reps"]}["ana"]
    assert (april["assigned_month"], april["won_month"], april["conversion"]) == (0, 0, None)


def test_a_rep_sees_only_themselves_in_the_roster(service: Service) -> None:
    rep = Principal(key_id="k", role=Role.REP, rep_id="lee")
    found = roster(runtime=service.runtime, caller=rep, now=service.clock.now)
    assert [view["id"] for view in found["reps"]] == ["lee"]
    assert roster(runtime=service.runtime, caller=SYSTEM, now=service.clock.now)["reps"]


def test_pool_members_are_the_reps_who_may_pull(service: Service) -> None:
    assert pool_members(runtime=service.runtime, pool_name="hot") == [
        {"id": "ana", "name": "Ana Souza"}
    ]
    assert pool_members(runtime=service.runtime, pool_name="triage") == []
    assert [m["id"] for m in pool_members(runtime=service.runtime, pool_name="unassigned")] == [
        "ana",
        "lee",
        "kai",
    ]
    with pytest.raises(NotFound):
        pool_members(runtime=service.runtime, pool_name="nowhere")
