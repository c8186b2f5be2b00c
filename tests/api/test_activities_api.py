"""Activities, nurture and disqualification through HTTP (SQLite and PostgreSQL):
`POST /api/v1/leads/{id}/activities` re-scores a lead and routes a nurtured one that reaches the
threshold; disqualified leads are kept, listed and never assigned."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from leadroute.services.principals import Role
from tests.api.calls import (
    assign,
    assignments,
    claim,
    lead,
    ok,
    pull,
    refused,
    serve_routing,
    types,
)
from tests.api.conftest import Service

# Opens and clicks lose a point an hour (decay_per_day: 24), so the numbers stay round.
ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr]}
  - {id: bob, teams: [sdr]}
pools:
  nurture: {members: [team:sdr], order: score}
scoring:
  rules:
    - {when: {field: company_size, gte: 100}, points: 30}
    - {activity: email_opened, points: 4, decay_per_day: 24}
    - {activity: link_clicked, points: 10, decay_per_day: 24}
  grades: {hot: 60, warm: 40}
qualify:
  disqualify:
    - {name: competitor, when: {field: email, ends_with: "@rival.com"}}
  nurture_below: 40
routing:
  - name: sdr
    assign: {team: sdr, select: round_robin}
"""

NURTURED = "qualify: score 30 is below nurture_below 40: to pool nurture"
COMPETITOR = "qualify: disqualified by competitor: email ends_with '@rival.com'"


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[Service]:
    yield from serve_routing(database_url, tmp_path, ROUTING)


def new_lead(service: Service, **fields: object) -> dict[str, Any]:
    body = {"email": "jo@acme.com", **fields}
    return ok(service.client.post("/api/v1/leads", json=body, headers=service.admin), 201)


def problems(response: Any) -> list[tuple[str, str]]:
    """The (path, message) of each problem of a 422 answer."""
    assert refused(response, 422) == "invalid input"
    return [(p["path"], p["message"]) for p in response.json()["problems"]]


def activity(
    service: Service, lead_id: object, kind: str, headers: dict[str, str] | None = None, **more: Any
) -> Any:
    return service.client.post(
        f"/api/v1/leads/{lead_id}/activities",
        json={"type": kind, **more},
        headers=headers or service.admin,
    )


def posted(service: Service, lead_id: object, kind: str, **more: Any) -> dict[str, Any]:
    return ok(activity(service, lead_id, kind, **more), 201)


def ago(service: Service, **delta: float) -> str:
    return (service.clock.now - timedelta(**delta)).isoformat()


def test_opens_and_a_click_move_a_nurtured_lead_to_sales(service: Service) -> None:
    created = new_lead(service, email="jo@acme.com", company_size=500)
    lead_id = created["id"]
    assert (created["status"], created["pool"], created["score"]) == ("nurture", "nurture", 30.0)
    nurtured = lead(service, lead_id)
    assert nurtured["status_reason"] == NURTURED
    assert nurtured["grade"] is None

    service.clock.advance(minutes=1)
    first = posted(service, lead_id, "email_opened")
    assert (first["status"], first["score"], first["grade"], first["promoted"]) == (
        "nurture",
        34.0,
        None,
        False,
    )
    assert first["activity"] == {
        "type": "email_opened",
        "at": service.clock.now.isoformat(),
        "source": None,
    }
    second = posted(service, lead_id, "email_opened", at=ago(service, hours=1))
    assert (second["status"], second["score"], second["promoted"]) == ("nurture", 37.0, False)
    click = posted(service, lead_id, "link_clicked", source="mailchimp")
    assert (click["status"], click["owner"], click["pool"], click["score"], click["grade"]) == (
        "routed",
        "ana",
        None,
        47.0,
        "warm",
    )
    assert click["promoted"] is True
    assert click["activity"]["source"] == "mailchimp"

    service.clock.advance(hours=2)
    later = posted(service, lead_id, "email_opened")
    # opens 2 and 1 (3 and 2 hours old), click 8 (2 hours old), a new open 4
    assert (later["score"], later["owner"], later["promoted"]) == (45.0, "ana", False)

    detail = lead(service, lead_id)
    assert types(detail) == [
        "lead.received",
        "lead.nurtured",
        "lead.activity",
        "lead.activity",
        "lead.activity",
        "lead.promoted",
        "lead.assigned",
        "lead.activity",
    ]
    timeline = detail["timeline"]
    assert timeline[1]["reason"] == NURTURED
    assert timeline[2]["reason"] == "email_opened: score 30.0 → 34.0"
    assert timeline[4]["reason"] == "link_clicked: score 37.0 → 47.0"
    assert timeline[4]["data"]["source"] == "mailchimp"
    assert timeline[5]["reason"] == "score 47 reached nurture_below 40: passed to sales"
    assert timeline[6]["rep"] == "ana"
    assert detail["status_reason"] is None
    assert detail["decision"]["trace"][0] == {
        "rule": "qualify",
        "matched": True,
        "why": "qualified: score 47 reaches nurture_below 40",
    }
    assert assignments(service, lead_id) == [("ana", True, None)]


def test_a_disqualified_lead_is_kept_listed_and_never_assigned(service: Service) -> None:
    spy = new_lead(service, email="spy@rival.com", company_size=5000)
    kept = new_lead(service, email="jo@acme.com", company_size=5000)
    assert (spy["status"], spy["owner"], spy["pool"]) == ("disqualified", None, None)
    detail = lead(service, spy["id"])
    assert detail["status_reason"] == COMPETITOR
    assert detail["closed_at"] == service.clock.now.isoformat()
    assert detail["decision"]["reason"] == COMPETITOR
    assert types(detail) == ["lead.received", "lead.disqualified"]
    assert detail["timeline"][1]["reason"] == COMPETITOR

    listed = ok(service.client.get("/api/v1/leads?status=disqualified", headers=service.admin))
    assert [row["id"] for row in listed["leads"]] == [spy["id"]]
    assert kept["status"] == "nurture"

    clicked = posted(service, spy["id"], "link_clicked")
    assert (clicked["status"], clicked["score"], clicked["promoted"]) == (
        "disqualified",
        40.0,
        False,
    )
    refusal = refused(claim(service, spy["id"], rep="bob"), 409)
    assert refusal == f"lead {spy['id']} is not waiting in a pool: disqualified"
    assert assignments(service, spy["id"]) == []
    assert lead(service, spy["id"])["owner"] is None


def test_an_unknown_activity_is_refused_with_the_closest_type(service: Service) -> None:
    lead_id = new_lead(service, company_size=500)["id"]
    assert problems(activity(service, lead_id, "link_click")) == [
        (
            "type",
            "unknown activity 'link_click' (did you mean 'link_clicked'?) (activities: "
            "email_opened, email_replied, link_clicked, page_visited, form_submitted, "
            "content_downloaded, webinar_attended, meeting_booked)",
        )
    ]
    assert types(lead(service, lead_id)) == ["lead.received", "lead.nurtured"]


def test_an_activity_in_the_future_is_refused(service: Service) -> None:
    lead_id = new_lead(service, company_size=500)["id"]
    later = (service.clock.now + timedelta(minutes=6)).isoformat()
    assert problems(activity(service, lead_id, "email_opened", at=later)) == [
        ("at", "is in the future")
    ]
    skew = (service.clock.now + timedelta(minutes=4)).isoformat()
    assert posted(service, lead_id, "email_opened", at=skew)["score"] == 34.0


def test_an_activity_time_needs_an_offset(service: Service) -> None:
    lead_id = new_lead(service, company_size=500)["id"]
    naive = service.clock.now.replace(tzinfo=None).isoformat()
    assert problems(activity(service, lead_id, "email_opened", at=naive)) == [
        ("at", "give a UTC offset (e.g. Z or -05:00)")
    ]
    assert lead(service, lead_id)["score"] == 30.0


def test_an_unknown_lead_is_not_found(service: Service) -> None:
    refused(activity(service, "no-such-lead", "email_opened"), 404)


@pytest.mark.parametrize("role", [Role.REP, Role.AUDITOR])
def test_reps_and_auditors_may_not_post_activities(service: Service, role: Role) -> None:
    lead_id = new_lead(service, company_size=500)["id"]
    headers = service.key(role, "ana" if role is Role.REP else None)
    refused(activity(service, lead_id, "email_opened", headers), 403)
    assert lead(service, lead_id)["score"] == 30.0


@pytest.mark.parametrize("role", [Role.INTAKE, Role.MANAGER])
def test_intake_and_manager_keys_may_post_activities(service: Service, role: Role) -> None:
    lead_id = new_lead(service, company_size=500)["id"]
    answer = ok(activity(service, lead_id, "email_opened", service.key(role)), 201)
    assert answer["score"] == 34.0


def test_an_activity_in_the_past_earns_decayed_points(service: Service) -> None:
    lead_id = new_lead(service, company_size=500)["id"]
    six_hours = posted(service, lead_id, "link_clicked", at=ago(service, hours=6))
    assert six_hours["score"] == 34.0
    two_days = posted(service, lead_id, "link_clicked", at=ago(service, days=2))
    assert two_days["score"] == 34.0  # 10 - 48 is never below zero
    assert two_days["activity"]["at"] == ago(service, days=2)


def test_a_pool_ordered_by_score_re_orders_after_an_activity(service: Service) -> None:
    warm = new_lead(service, company_size=500)["id"]  # 30
    cold = new_lead(service, company_size=5)["id"]  # 0
    for _ in range(3):
        posted(service, cold, "link_clicked")
    lifted = posted(service, cold, "email_opened")
    assert (lifted["score"], lifted["status"]) == (34.0, "nurture")  # still below 40
    bob = service.key(Role.REP, "bob")
    first = ok(pull(service, "nurture", bob))
    assert first["id"] == cold
    second = ok(pull(service, "nurture", bob))
    assert second["id"] == warm


def test_a_nurtured_lead_assigned_by_hand_is_no_longer_nurture(service: Service) -> None:
    lead_id = new_lead(service, company_size=500)["id"]
    ok(assign(service, lead_id, rep="ana", reason="asked for a call"))
    assigned = lead(service, lead_id)
    assert (assigned["owner"], assigned["pool"]) == ("ana", None)
    # as a claim from the nurture pool does, and as replay does (storage/memory.py)
    assert assigned["status"] == "routed"
