"""Duplicates at intake through HTTP (docs/QUALIFICATION.md): merge folds a resubmission into
the lead its owner works; link routes a new lead to the original's owner. Never two reps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from leadroute.storage.tables import ActivityRow, LeadRow
from tests.api.calls import lead, ok, post, serve_routing, types
from tests.api.conftest import Service

ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr]}
  - {id: bob, teams: [sdr]}
scoring:
  rules:
    - {activity: form_submitted, points: 10}
duplicates: {match: [email, phone, company], within: 30d, policy: POLICY}
routing:
  - name: sdr
    assign: {team: sdr, select: round_robin}
"""


@pytest.fixture
def merging(database_url: str, tmp_path: Path) -> Iterator[Service]:
    yield from serve_routing(database_url, tmp_path, ROUTING.replace("POLICY", "merge"))


@pytest.fixture
def linking(database_url: str, tmp_path: Path) -> Iterator[Service]:
    yield from serve_routing(database_url, tmp_path, ROUTING.replace("POLICY", "link"))


def submit(service: Service, status: int, **fields: object) -> dict[str, Any]:
    return ok(service.client.post("/api/v1/leads", json=fields, headers=service.admin), status)


def test_merge_keeps_one_lead_its_owner_keeps(merging: Service) -> None:
    first = post(merging, email="Ana.Souza@Acme.com", phone="+1 415 555 2671", company="Acme")
    assert first["owner"] == "ana"
    again = submit(merging, 200, email=" ana.souza@ACME.com", name="Ana S.")
    assert (again["id"], again["owner"]) == (first["id"], "ana")
    assert again["duplicate"] == {"of": first["id"], "matched": "email", "policy": "merge"}
    by_phone = submit(merging, 200, phone="(415) 555-2671", country="US")
    assert by_phone["duplicate"]["matched"] == "phone"
    by_company = submit(merging, 200, email="cfo@acme.com", company="ACME, Inc")
    assert by_company["duplicate"]["matched"] == "company"
    assert by_company["score"] == 30.0  # three merged submissions, 10 points each
    other = post(merging, email="zed@other.com")
    assert other["owner"] == "bob"
    detail = lead(merging, first["id"])
    assert types(detail).count("lead.merged") == 3
    assert detail["timeline"][-1]["reason"].endswith("merged into this lead; ana keeps it")
    with merging.runtime.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(LeadRow)) == 2
        assert session.scalar(select(func.count()).select_from(ActivityRow)) == 3


def test_merge_into_a_closed_lead_makes_a_new_lead(merging: Service) -> None:
    first = post(merging, email="ana@acme.com")
    ok(
        merging.client.post(
            f"/api/v1/leads/{first['id']}/events", json={"type": "lost"}, headers=merging.admin
        )
    )
    again = post(merging, email="ana@acme.com")
    assert again["id"] != first["id"]
    assert again["owner"] == "bob"  # routed as usual
    assert again["duplicate"] == {"of": first["id"], "matched": "email", "policy": "link"}


def test_link_routes_the_duplicate_to_the_original_owner(linking: Service) -> None:
    first = post(linking, email="ana@acme.com")
    post(linking, email="bob@beta.com")  # round robin would give the next lead to ana
    post(linking, email="cy@gamma.com")
    again = post(linking, email="ANA@acme.com")
    assert again["owner"] == first["owner"] == "ana"
    assert again["decision"]["rule"] == "duplicate"
    assert again["decision"]["reason"] == (
        f"duplicate: same email as lead {first['id']}, which ana owns: to ana"
    )
    assert again["duplicate"] == {"of": first["id"], "matched": "email", "policy": "link"}


def test_the_duplicate_check_and_score_are_the_first_step_of_the_stored_trace(
    linking: Service,
) -> None:
    first = post(linking, email="ana@acme.com")
    closed = post(linking, email="lee@delta.com")
    ok(
        linking.client.post(
            f"/api/v1/leads/{closed['id']}/events", json={"type": "lost"}, headers=linking.admin
        )
    )
    again = post(linking, email="ana@acme.com")
    after_closed = post(linking, email="lee@delta.com")

    def intake(posted: dict[str, Any]) -> dict[str, Any]:
        step: dict[str, Any] = lead(linking, posted["id"])["decision"]["trace"][0]
        return step

    assert intake(first) == {
        "rule": "intake",
        "matched": True,
        "why": "score 0; no earlier lead with the same email or phone or company in the last 30d",
    }
    assert intake(again)["why"] == f"score 0; same email as lead {first['id']} (link)"
    assert intake(after_closed)["why"] == (
        f"score 0; same email as lead {closed['id']}, which is lost: routed as a new lead"
    )
