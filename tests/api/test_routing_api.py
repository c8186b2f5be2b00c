"""GET/PUT /api/v1/routing (checked, versioned); POST /api/v1/routing/preview (no side effects)."""

from __future__ import annotations

import json
from typing import Any

import yaml
from sqlalchemy import func, select

from leadroute.storage.tables import (
    AssignmentRow,
    CapCounter,
    DecisionRow,
    EventRow,
    LeadRow,
    RepLoad,
    Rotation,
    RoutingState,
)
from tests.api.conftest import Service

ES_LEAD: dict[str, Any] = {"email": "ana@acme.mx", "language": "es", "country": "MX"}


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def current(service: Service) -> dict[str, Any]:
    return ok(service.client.get("/api/v1/routing", headers=service.admin))


def put_yaml(
    service: Service, text: str, headers: dict[str, str] | None = None, **params: str
) -> Any:
    return service.client.put(
        "/api/v1/routing",
        content=text.encode(),
        params=params,
        headers={**(headers or service.admin), "Content-Type": "application/yaml"},
    )


def preview(service: Service, lead: dict[str, Any], **params: int) -> Any:
    return service.client.post(
        "/api/v1/routing/preview", json=lead, params=params, headers=service.admin
    )


def state(service: Service) -> dict[str, object]:
    """Everything routing writes: rows per table, loads, counters, rotations, the sequence."""
    with service.runtime.database.reading() as session:
        counts = {
            table.__tablename__: session.scalar(select(func.count()).select_from(table))
            for table in (LeadRow, DecisionRow, AssignmentRow, EventRow)
        }
        return {
            **counts,
            "loads": sorted(
                (r.rep_id, r.open, r.last_sequence) for r in session.scalars(select(RepLoad))
            ),
            "counters": sorted(
                (r.rep_id, r.window, r.count) for r in session.scalars(select(CapCounter))
            ),
            "rotations": sorted(
                (r.rule, r.rep_id, r.last_sequence, r.credit)
                for r in session.scalars(select(Rotation))
            ),
            "sequence": session.scalar(select(RoutingState.sequence)),
        }


def test_the_routing_in_force_is_readable_with_its_version(service: Service) -> None:
    body = current(service)
    assert body["version"] == 1
    assert body["format"] == "yaml"
    assert body["created_by"] == "leadroute serve"
    assert body["comment"] == "loaded from routing.yaml"
    assert "name: latam desk" in body["text"]
    assert set(body) == {"version", "format", "text", "created_at", "created_by", "comment"}


def test_a_new_version_is_put_in_force_and_the_old_one_stays_readable(service: Service) -> None:
    old = current(service)["text"]
    new = old.replace("select: least_loaded", "select: round_robin")
    stored = ok(put_yaml(service, new, comment="inbound by turns"))
    assert stored["version"] == 2
    assert stored["comment"] == "inbound by turns"
    assert stored["created_by"].startswith("admin key ")
    assert "text" not in stored
    assert current(service)["text"] == new
    versions = ok(service.client.get("/api/v1/routing/versions", headers=service.admin))
    assert versions["current"] == 2
    assert [v["version"] for v in versions["versions"]] == [2, 1]
    assert all("text" not in v for v in versions["versions"])
    first = ok(service.client.get("/api/v1/routing/versions/1", headers=service.admin))
    assert first["text"] == old
    assert first["comment"] == "loaded from routing.yaml"
    lead = service.post_lead(email="new@acme.com")
    detail = ok(service.client.get(f"/api/v1/leads/{lead['id']}", headers=service.admin))
    assert detail["routing_version"] == 2
    missing = service.client.get("/api/v1/routing/versions/99", headers=service.admin)
    assert missing.status_code == 404


def test_numbers_past_the_database_integers_are_refused_not_a_server_error(
    service: Service,
) -> None:
    # Found by tests/fuzz: SQLite cannot bind an int past 2**63, and a version number is a
    # 32-bit key on PostgreSQL; either was a 500.
    for url in (
        f"/api/v1/routing/versions?offset={2**63}",
        f"/api/v1/routing/versions/{2**31}",
        f"/api/v1/routing/versions/{-(2**64)}",
    ):
        response = service.client.get(url, headers=service.admin)
        assert response.status_code == 422, (url, response.text)
    preview = service.client.post(
        f"/api/v1/routing/preview?version={2**31}", json=ES_LEAD, headers=service.admin
    )
    assert preview.status_code == 422, preview.text


def test_the_comment_may_come_as_a_header(service: Service) -> None:
    text = current(service)["text"].replace("caps: {day: 25}", "caps: {day: 30}")
    stored = ok(put_yaml(service, text, headers={**service.admin, "Comment": "more for grace"}))
    assert stored["comment"] == "more for grace"


def test_a_typo_is_refused_naming_its_path_and_nothing_is_stored(service: Service) -> None:
    text = current(service)["text"]
    broken = text.replace(
        "assign: {team: latam, select: round_robin", "assign: {team: latam, select: round-robbin"
    ).replace("timezone: Europe/London", "timezone: Europe/Londn")
    response = put_yaml(service, broken)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid input"
    problems = {p["path"]: p["message"] for p in body["problems"]}
    assert "did you mean 'round_robin'?" in problems["routing[3].assign.select"]
    assert "Europe/London" in problems["reps[1].timezone"]
    assert current(service)["version"] == 1
    versions = ok(service.client.get("/api/v1/routing/versions", headers=service.admin))
    assert versions["total"] == 1


def test_unreadable_bodies_are_refused(service: Service) -> None:
    bad_yaml = put_yaml(service, "reps: [unclosed")
    assert bad_yaml.status_code == 422
    assert "invalid YAML" in bad_yaml.json()["problems"][0]["message"]
    not_a_mapping = put_yaml(service, "- just\n- a list\n")
    assert not_a_mapping.status_code == 422
    form = service.client.put(
        "/api/v1/routing",
        content=b"a=b",
        headers={**service.admin, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 415
    assert "application/yaml" in form.json()["error"]
    assert current(service)["version"] == 1


def test_json_routing_is_accepted_and_kept_as_json(service: Service) -> None:
    data = yaml.safe_load(current(service)["text"])
    data["routing"][4]["assign"]["select"] = "hunt"
    response = service.client.put(
        "/api/v1/routing",
        content=json.dumps(data).encode(),
        headers={**service.admin, "Content-Type": "application/json"},
    )
    assert ok(response)["format"] == "json"
    body = current(service)
    assert body["format"] == "json"
    assert json.loads(body["text"])["routing"][4]["assign"]["select"] == "hunt"
    data["routing"][4]["assign"]["select"] = "least_loded"
    typo = service.client.put(
        "/api/v1/routing",
        content=json.dumps(data).encode(),
        headers={**service.admin, "Content-Type": "application/json"},
    )
    assert typo.status_code == 422
    assert typo.json()["problems"][0]["path"] == "routing[4].assign.select"


def test_putting_the_text_in_force_again_stores_nothing(service: Service) -> None:
    text = current(service)["text"]
    assert ok(put_yaml(service, text))["version"] == 1
    versions = ok(service.client.get("/api/v1/routing/versions", headers=service.admin))
    assert versions["total"] == 1


def test_roles(service: Service) -> None:
    text = current(service)["text"]
    auditor, manager = service.key("auditor"), service.key("manager")
    rep, intake = service.key("rep", "sam"), service.key("intake")
    assert service.client.get("/api/v1/routing").status_code == 401
    for headers in (auditor, manager):
        assert service.client.get("/api/v1/routing", headers=headers).status_code == 200
        assert service.client.get("/api/v1/routing/versions", headers=headers).status_code == 200
        assert (
            service.client.post(
                "/api/v1/routing/preview", json=ES_LEAD, headers=headers
            ).status_code
            == 200
        )
    for headers in (rep, intake):
        assert service.client.get("/api/v1/routing", headers=headers).status_code == 403
        assert service.client.get("/api/v1/routing/versions/1", headers=headers).status_code == 403
        assert (
            service.client.post(
                "/api/v1/routing/preview", json=ES_LEAD, headers=headers
            ).status_code
            == 403
        )
    for headers in (auditor, rep, intake):
        assert put_yaml(service, text + "\n", headers=headers).status_code == 403
    assert put_yaml(service, text + "\n", headers=manager).status_code == 200


def test_preview_decides_like_intake_and_changes_nothing(service: Service) -> None:
    before = state(service)
    first = ok(preview(service, ES_LEAD))
    again = ok(preview(service, ES_LEAD))
    assert state(service) == before
    assert first["owner"] == again["owner"] == "lucia"
    assert first["rule"] == "latam desk"
    assert first["pool"] is None
    assert first["version"] == 1
    assert first["reason"].startswith("latam desk: lucia")
    assert [step["rule"] for step in first["trace"]] == [
        "junk",
        "strategic accounts",
        "enterprise desk",
        "latam desk",
    ]
    real = service.post_lead(**ES_LEAD)
    assert real["owner"] == first["owner"]
    assert real["decision"] == {k: first[k] for k in ("rule", "reason", "trace")}
    after_one = state(service)
    assert after_one != before
    turn = ok(preview(service, ES_LEAD))
    assert turn["owner"] == "mateo"  # the rotation moved on with the real lead, not the previews
    assert state(service) == after_one
    assert service.post_lead(**ES_LEAD)["owner"] == "mateo"


def test_preview_reports_score_issues_and_pools(service: Service) -> None:
    junk = ok(
        preview(service, {"email": "x@acme.com", "company": "Test Co", "country": "Atlantis"})
    )
    assert (junk["owner"], junk["pool"], junk["rule"]) == (None, "review", "junk")
    assert junk["issues"] == ["country: unknown country 'Atlantis'"]
    assert junk["score"] is None


def test_preview_of_an_older_version(service: Service) -> None:
    text = current(service)["text"].replace(
        "assign: {team: latam, select: round_robin, match_skills: [language]}", "pool: review"
    )
    ok(put_yaml(service, text))
    now = ok(preview(service, ES_LEAD))
    assert (now["version"], now["owner"], now["pool"]) == (2, None, "review")
    before = ok(preview(service, ES_LEAD, version=1))
    assert (before["version"], before["owner"], before["pool"]) == (1, "lucia", None)
    assert preview(service, ES_LEAD, version=7).status_code == 404


def test_preview_refuses_what_intake_refuses(service: Service) -> None:
    nobody = preview(service, {"name": "No Contact"})
    assert nobody.status_code == 422
    assert nobody.json()["problems"][0]["path"] == "email"
    broken = service.client.post(
        "/api/v1/routing/preview",
        content=b"{nope",
        headers={**service.admin, "Content-Type": "application/json"},
    )
    assert broken.status_code == 422
    assert broken.json()["problems"][0]["path"] == "(body)"


def test_preview_scores_the_lead_with_the_scoring_rules(service: Service) -> None:
    text = current(service)["text"].replace(
        "routing:\n",
        "scoring:\n  rules:\n    - {when: {field: company_size, gte: 1000}, points: 30}\n"
        "routing:\n",
        1,
    )
    ok(put_yaml(service, text))
    big = ok(preview(service, {"email": "cio@corp.com", "company_size": "5,000"}))
    assert (big["score"], big["owner"]) == (30.0, "grace")
    real = service.post_lead(email="cio@corp.com", company_size="5,000")
    assert (real["score"], real["owner"]) == (30.0, "grace")
