"""Reports through the API on SQLite and PostgreSQL: leads posted, touched, won and lost, an
SLA missed and a cap hit; the summary's numbers checked exactly, as JSON, CSV and a chart;
bad input answered 4xx with JSON; reps kept out."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leadroute.services.principals import Role
from leadroute.storage.tables import LeadRow
from tests.api.calls import event, fire, ok, post, serve_routing
from tests.api.conftest import Service

ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr]}
  - {id: bob, teams: [sdr]}
  - {id: cy, teams: [sdr], caps: {day: 1}}
pools:
  review: {members: [team:sdr]}
routing:
  - name: junk
    when: {field: company, eq: junk}
    pool: review
  - name: inbound
    assign: {team: sdr, select: round_robin}
    sla: {first_touch: 5m}
flows:
  hunt:
    - name: hunt
      assign: {team: sdr, select: hunt}
experiments:
  - name: hunt-vs-rotation
    control: routing
    variant: hunt
    split: 50
    when: {field: ab, eq: true}
reports:
  cost_per_lead: {paid: 40, "*": 10}
"""
SUMMARY = "/api/v1/reports/summary"


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[Service]:
    yield from serve_routing(database_url, tmp_path, ROUTING)


def touch(service: Service, lead_id: object) -> None:
    ok(event(service, lead_id, "touched"))


def history(service: Service) -> dict[str, Any]:
    """Five leads at 17:00 (T0): L1 paid to ana, L2 organic to bob, L3 paid to cy (whose
    daily cap of 1 is then full), L4 paid to ana (cy skipped: cap), L5 junk to the pool.
    L1 touched after 1 minute, L3 after 2; at 6 minutes L2 and L4 have missed the 5-minute
    SLA; L1 won 1000, L2 lost, L3 won 500; L4 touched at 7 minutes."""
    ids = {
        "L1": post(service, email="a@acme.com", source="paid")["id"],
        "L2": post(service, email="b@acme.com", source="organic")["id"],
        "L3": post(service, email="c@acme.com", source="paid")["id"],
        "L4": post(service, email="d@acme.com", source="paid")["id"],
        "L5": post(service, email="e@acme.com", company="junk")["id"],
    }
    service.clock.advance(minutes=1)
    touch(service, ids["L1"])
    service.clock.advance(minutes=1)
    touch(service, ids["L3"])
    for _ in range(4):
        service.clock.advance(minutes=1)
        fire(service)
    ok(event(service, ids["L1"], "won", amount=1000))
    ok(event(service, ids["L2"], "lost"))
    ok(event(service, ids["L3"], "won", amount=500))
    service.clock.advance(minutes=1)
    touch(service, ids["L4"])
    return ids


def summary(service: Service, **params: str) -> dict[str, Any]:
    return ok(service.client.get(SUMMARY, params=params, headers=service.admin))


def test_summary_by_rep_exactly(service: Service) -> None:
    history(service)
    body = summary(service, by="rep")
    assert (body["from"], body["to"], body["by"]) == (
        "2026-02-02T00:00:00+00:00",  # the last 30 days, today included
        "2026-03-04T00:00:00+00:00",
        "rep",
    )
    rows = {row["group"]: row for row in body["rows"]}
    assert list(rows) == ["ana", "bob", "cy", "(none)"]
    ana, bob, cy, pooled = rows["ana"], rows["bob"], rows["cy"], rows["(none)"]
    assert (ana["leads"], ana["routed"], ana["won"], ana["lost"], ana["conversion"]) == (
        2,
        2,
        1,
        0,
        1.0,
    )
    # touched after 60 s (L1) and 420 s (L4): median 240, p90 60 + 0.9 * 360
    assert (ana["speed_to_lead_median_s"], ana["speed_to_lead_p90_s"]) == (240.0, 384.0)
    assert (ana["sla_leads"], ana["sla_hits"], ana["sla_misses"], ana["sla_hit_rate"]) == (
        2,
        1,
        1,
        0.5,
    )
    assert (ana["sales"], ana["avg_deal"], ana["cost"], ana["cost_per_won"]) == (
        1000.0,
        1000.0,
        80.0,
        80.0,
    )
    assert ana["cycle_median_days"] == 0.0  # won 6 minutes after it came in
    assert (bob["lost"], bob["conversion"], bob["sla_hit_rate"], bob["cost"]) == (
        1,
        0.0,
        0.0,
        10.0,
    )
    assert bob["speed_to_lead_median_s"] is None
    assert (cy["won"], cy["speed_to_lead_median_s"], cy["sla_hit_rate"]) == (1, 120.0, 1.0)
    assert cy["cap_hits"] == 1  # L4's decision skipped cy: cap day 1/1
    assert (ana["cap_hits"], bob["cap_hits"]) == (0, 0)
    assert (pooled["leads"], pooled["routed"], pooled["pooled"], pooled["cost"]) == (1, 0, 1, 10.0)
    assert [(r["share"], r["intended_share"]) for r in (ana, bob, cy)] == [
        (0.5, 0.3333),
        (0.25, 0.3333),
        (0.25, 0.3333),
    ]
    totals = body["totals"]
    assert (totals["leads"], totals["routed"], totals["pooled"], totals["decided"]) == (5, 4, 1, 3)
    assert (totals["conversion"], totals["sales"], totals["cost"]) == (0.6667, 1500.0, 140.0)
    assert (totals["sla_leads"], totals["sla_hit_rate"], totals["cap_hits"]) == (4, 0.5, 1)
    # 2, 1, 1 leads: Gini 1/6; routed/intended 1.5, 0.75, 0.75: Gini 1/6 too
    assert (body["fairness"]["gini_routed"], body["fairness"]["gini_vs_intended"]) == (
        0.1667,
        0.1667,
    )


def test_by_source_and_period(service: Service) -> None:
    history(service)
    body = summary(service, by="source,rep", **{"from": "2026-03-03", "to": "2026-03-04"})
    assert body["from"] == "2026-03-03T00:00:00+00:00"
    groups = {row["group"]: (row["leads"], row["cap_hits"]) for row in body["rows"]}
    assert groups == {
        "organic · bob": (1, 0),
        "paid · ana": (2, 0),
        "paid · cy": (1, 1),  # L4, paid, skipped cy for a full cap
        "(none) · (none)": (1, 0),
    }
    later = summary(service, by="rep", **{"from": "2026-03-04", "to": "2026-03-05"})
    assert later["totals"]["leads"] == 0


def test_summary_csv_and_chart(service: Service) -> None:
    history(service)
    response = service.client.get(f"{SUMMARY}.csv", params={"by": "rep"}, headers=service.admin)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["group"] for row in table] == ["ana", "bob", "cy", "(none)", "(all)"]
    assert (table[0]["won"], table[0]["conversion"], table[0]["share"]) == ("1", "1.0", "0.5")
    assert table[1]["speed_to_lead_median_s"] == ""
    assert table[4]["leads"] == "5"
    chart = service.client.get(
        "/api/v1/reports/chart", params={"by": "rep", "metric": "conversion"}, headers=service.admin
    )
    assert chart.status_code == 200, chart.text
    assert chart.headers["content-type"] == "image/svg+xml"
    assert chart.content.startswith(b"<?xml")
    assert b"<svg" in chart.content
    png = service.client.get(
        "/api/v1/reports/chart", params={"metric": "sales", "format": "png"}, headers=service.admin
    )
    assert png.status_code == 200
    assert png.content.startswith(b"\x89PNG")


def problems(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid input"
    found: list[dict[str, str]] = body["problems"]
    return found


def test_bad_input_is_a_422_naming_the_problem(service: Service) -> None:
    get = service.client.get
    (bad_by,) = problems(get(SUMMARY, params={"by": "reps"}, headers=service.admin))
    assert bad_by["path"] == "by"
    assert bad_by["message"].startswith("unknown grouping 'reps' (did you mean 'rep'?)")
    (bad_date,) = problems(get(SUMMARY, params={"from": "March"}, headers=service.admin))
    assert bad_date["path"] == "from"
    assert "'March' is neither a date" in bad_date["message"]
    params = {"from": "2026-03-04", "to": "2026-03-04"}
    (backwards,) = problems(get(SUMMARY, params=params, headers=service.admin))
    assert backwards == {
        "path": "from",
        "message": "2026-03-04T00:00:00+00:00 is not before to (2026-03-04T00:00:00+00:00); "
        "`to` is excluded: one day is from 2026-03-01 to 2026-03-02",
    }
    (metric,) = problems(
        get("/api/v1/reports/chart", params={"metric": "conversoin"}, headers=service.admin)
    )
    assert metric == {
        "path": "metric",
        "message": "unknown metric 'conversoin' (did you mean 'conversion'?)",
    }
    missing = get("/api/v1/reports/experiments/nope", headers=service.admin)
    assert missing.status_code == 404
    assert missing.json()["error"] == "no experiment 'nope' (experiments: hunt-vs-rotation)"


def test_who_may_read_reports(service: Service) -> None:
    rep = service.key(Role.REP, rep="ana")
    assert service.client.get(SUMMARY, headers=rep).status_code == 403
    assert service.client.get("/api/v1/reports/experiments", headers=rep).status_code == 403
    for role in (Role.AUDITOR, Role.MANAGER):
        assert service.client.get(SUMMARY, headers=service.key(role)).status_code == 200
    assert service.client.get(SUMMARY).status_code == 401


def test_experiment_report(service: Service) -> None:
    arms: dict[str, list[str]] = {"control": [], "variant": []}
    for n in range(12):
        posted = post(service, email=f"x{n}@acme.com", ab=True)
        with service.runtime.database.reading() as session:
            row = session.get(LeadRow, posted["id"])
            assert row is not None
            assert row.arm is not None
            arms[row.arm].append(posted["id"])
    for lead_id in arms["control"][:2]:
        ok(event(service, lead_id, "won", amount=100))
    ok(event(service, arms["variant"][0], "lost"))
    report = ok(
        service.client.get("/api/v1/reports/experiments/hunt-vs-rotation", headers=service.admin)
    )
    control, variant = report["arms"]
    assert (control["arm"], control["leads"], control["won"]) == (
        "control",
        len(arms["control"]),
        2,
    )
    assert (variant["flow"], variant["leads"], variant["lost"]) == ("hunt", len(arms["variant"]), 1)
    assert control["sales"] == 200.0
    assert report["status"] == "running"
    assert report["verdict"].startswith("not enough data yet: need about ")
    listed = ok(service.client.get("/api/v1/reports/experiments", headers=service.admin))
    assert [entry["name"] for entry in listed["experiments"]] == ["hunt-vs-rotation"]
    by_arm = summary(service, by="arm")
    assert {row["group"]: row["leads"] for row in by_arm["rows"]} == {
        "hunt-vs-rotation:control": len(arms["control"]),
        "hunt-vs-rotation:variant": len(arms["variant"]),
    }
