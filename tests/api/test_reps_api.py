"""GET/POST/PATCH /api/v1/reps (the roster of the routing file) and PUT .../availability."""

from __future__ import annotations

import json
from typing import Any

import yaml
from sqlalchemy import select

from leadroute.storage.tables import EventRow
from tests.api.conftest import Service

ES_LEAD: dict[str, Any] = {"email": "ana@acme.mx", "language": "es", "country": "MX"}
ZOE = {
    "id": "zoe",
    "name": "Zoe Park",
    "email": "zoe@example.com",
    "teams": ["na"],
    "territories": ["US-NY"],
    "caps": {"day": 10},
    "hours": "mon-fri 08:00-17:00",
    "timezone": "America/New_York",
}


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def rep(service: Service, rep_id: str) -> dict[str, Any]:
    return ok(service.client.get(f"/api/v1/reps/{rep_id}", headers=service.admin))


def routing(service: Service) -> dict[str, Any]:
    return ok(service.client.get("/api/v1/routing", headers=service.admin))


def availability(
    service: Service, rep_id: str, headers: dict[str, str] | None = None, **body: object
) -> Any:
    return service.client.put(
        f"/api/v1/reps/{rep_id}/availability", json=body, headers=headers or service.admin
    )


def test_the_roster_shows_the_file_and_the_state_now(service: Service) -> None:
    listed = ok(service.client.get("/api/v1/reps", headers=service.admin))
    assert listed["version"] == 1
    assert [r["id"] for r in listed["reps"]] == [
        "grace",
        "alan",
        "lucia",
        "mateo",
        "jordan",
        "priya",
        "sam",
        "kim",
        "noor",
    ]
    assert listed["reps"][0] == {
        "id": "grace",
        "name": "Grace Hopper",
        "email": "grace@example.com",
        "teams": ["enterprise"],
        "skills": [],
        "territories": [],
        "weight": 2.0,
        "caps": {"hour": None, "day": 25, "week": None, "month": None, "open": None},
        "hours": "mon-fri 08:00-18:00",
        "timezone": "America/New_York",
        "availability": {"status": "available", "until": None},
        "open": 0,
        "assigned_today": 0,
    }
    assert rep(service, "jordan")["territories"] == ["US-CA", "US-WA", "US-OR"]
    assert rep(service, "sam")["hours"] == "always"
    assert service.post_lead(email="big@corp.com", company_size=5000)["owner"] == "grace"
    grace = rep(service, "grace")
    assert (grace["open"], grace["assigned_today"]) == (1, 1)
    service.clock.advance(days=1)
    grace = rep(service, "grace")
    assert (grace["open"], grace["assigned_today"]) == (1, 0)


def test_unknown_reps_and_roles(service: Service) -> None:
    assert service.client.get("/api/v1/reps/nobody", headers=service.admin).status_code == 404
    sam = service.key("rep", "sam")
    own = ok(service.client.get("/api/v1/reps", headers=sam))
    assert [r["id"] for r in own["reps"]] == ["sam"]
    assert ok(service.client.get("/api/v1/reps/sam", headers=sam))["id"] == "sam"
    assert service.client.get("/api/v1/reps/kim", headers=sam).status_code == 403
    auditor, intake = service.key("auditor"), service.key("intake")
    assert service.client.get("/api/v1/reps", headers=auditor).status_code == 200
    assert service.client.get("/api/v1/reps", headers=intake).status_code == 403
    assert service.client.get("/api/v1/reps").status_code == 401
    for headers in (sam, auditor, intake):
        assert service.client.post("/api/v1/reps", json=ZOE, headers=headers).status_code == 403
        assert (
            service.client.patch("/api/v1/reps/sam", json={"name": "S"}, headers=headers)
        ).status_code == 403
    assert (
        service.client.patch(
            "/api/v1/reps/nobody", json={"name": "N"}, headers=service.admin
        ).status_code
        == 404
    )


def test_a_new_rep_is_a_new_version_of_the_routing_file(service: Service) -> None:
    old = routing(service)["text"]
    created = ok(service.client.post("/api/v1/reps", json=ZOE, headers=service.key("manager")), 201)
    assert created["id"] == "zoe"
    assert created["territories"] == ["US-NY"]
    assert created["caps"]["day"] == 10
    now = routing(service)
    assert now["version"] == 2
    assert now["comment"].startswith("rep zoe added by manager key ")
    assert "YAML comments were dropped" in now["comment"]
    entry = next(r for r in yaml.safe_load(now["text"])["reps"] if r["id"] == "zoe")
    assert entry == ZOE
    assert yaml.safe_load(now["text"])["routing"] == yaml.safe_load(old)["routing"]
    first = ok(service.client.get("/api/v1/routing/versions/1", headers=service.admin))
    assert first["text"] == old
    assert [r["id"] for r in ok(service.client.get("/api/v1/reps", headers=service.admin))["reps"]][
        -1
    ] == "zoe"
    # New York is her territory, more specific than priya's whole US.
    lead = service.post_lead(email="ny@acme.com", country="US", region="US-NY")
    assert lead["owner"] == "zoe"


def test_a_duplicate_or_invalid_rep_is_refused_and_nothing_is_stored(service: Service) -> None:
    duplicate = service.client.post(
        "/api/v1/reps", json={"id": "grace", "teams": ["na"]}, headers=service.admin
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["rep"] == "grace"
    bad_zone = service.client.post(
        "/api/v1/reps", json={**ZOE, "timezone": "America/New_Yrok"}, headers=service.admin
    )
    assert bad_zone.status_code == 422
    problems = bad_zone.json()["problems"]
    assert [p["path"] for p in problems] == ["reps[9].timezone"]
    assert "America/New_York" in problems[0]["message"]
    bad_hours = service.client.post(
        "/api/v1/reps", json={**ZOE, "hours": "mon-fri 9-5"}, headers=service.admin
    )
    assert [p["path"] for p in bad_hours.json()["problems"]] == ["reps[9].hours"]
    unknown_key = service.client.post(
        "/api/v1/reps", json={**ZOE, "nickname": "Z"}, headers=service.admin
    )
    assert unknown_key.status_code == 422
    assert unknown_key.json()["problems"][0]["path"] == "nickname"
    no_id = service.client.post("/api/v1/reps", json={"name": "Nobody"}, headers=service.admin)
    assert no_id.status_code == 422
    assert no_id.json()["problems"][0]["path"] == "id"
    versions = ok(service.client.get("/api/v1/routing/versions", headers=service.admin))
    assert versions["total"] == 1


def test_patch_merges_into_the_rep(service: Service) -> None:
    changed = ok(
        service.client.patch(
            "/api/v1/reps/grace",
            json={"name": "Rear Admiral Hopper", "caps": {"open": 5}, "hours": None},
            headers=service.admin,
        )
    )
    assert changed["name"] == "Rear Admiral Hopper"
    assert changed["caps"]["day"] == 25  # kept: caps merge key by key
    assert changed["caps"]["open"] == 5
    assert changed["hours"] == "always"  # null removed the key
    now = routing(service)
    assert now["version"] == 2
    assert now["comment"].startswith("rep grace changed by admin key ")
    same_id = service.client.patch(
        "/api/v1/reps/grace", json={"id": "grace", "weight": 3}, headers=service.admin
    )
    assert ok(same_id)["weight"] == 3
    renamed = service.client.patch("/api/v1/reps/grace", json={"id": "g"}, headers=service.admin)
    assert renamed.status_code == 422
    assert renamed.json()["problems"][0]["path"] == "id"
    bad = service.client.patch(
        "/api/v1/reps/grace", json={"territories": ["Narnia"]}, headers=service.admin
    )
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["path"].startswith("reps[0].territories")
    assert routing(service)["version"] == 3


def test_a_json_routing_file_stays_json(service: Service) -> None:
    data = yaml.safe_load(routing(service)["text"])
    data["reps"][0]["territories"] = ["NO"]
    response = service.client.put(
        "/api/v1/routing",
        content=json.dumps(data).encode(),
        headers={**service.admin, "Content-Type": "application/json"},
    )
    assert ok(response)["format"] == "json"
    ok(service.client.post("/api/v1/reps", json=ZOE, headers=service.admin), 201)
    now = routing(service)
    assert now["format"] == "json"
    assert "comments were dropped" not in now["comment"]
    assert json.loads(now["text"])["reps"][-1]["id"] == "zoe"


def test_yaml_round_trips_keep_norway_a_country(service: Service) -> None:
    text = routing(service)["text"].replace(
        "teams: [enterprise], weight: 2", "teams: [enterprise], territories: [NO], weight: 2"
    )
    response = service.client.put(
        "/api/v1/routing",
        content=text.encode(),
        headers={**service.admin, "Content-Type": "application/yaml"},
    )
    assert rep(service, "grace")["territories"] == ["NO"], response.text
    ok(service.client.post("/api/v1/reps", json=ZOE, headers=service.admin), 201)
    assert rep(service, "grace")["territories"] == ["NO"]
    assert routing(service)["version"] == 3


def test_an_away_rep_gets_no_lead_until_back(service: Service) -> None:
    away = ok(availability(service, "lucia", status="away"))
    assert away["availability"] == {"status": "away", "until": None}
    assert service.post_lead(**ES_LEAD)["owner"] == "mateo"
    assert service.post_lead(**ES_LEAD)["owner"] == "mateo"
    back = ok(availability(service, "lucia", status="available"))
    assert back["availability"] == {"status": "available", "until": None}
    # Back from away she takes the next turn (catch_up: false), not two to make up.
    assert service.post_lead(**ES_LEAD)["owner"] == "lucia"
    assert service.post_lead(**ES_LEAD)["owner"] == "mateo"
    with service.runtime.database.reading() as session:
        events = session.scalars(
            select(EventRow).where(EventRow.type == "rep.availability").order_by(EventRow.id)
        ).all()
        assert [(e.rep_id, e.data["status"]) for e in events] == [
            ("lucia", "away"),
            ("lucia", "available"),
        ]
        assert events[1].data["previous"] == {"status": "away", "until": None}
        assert events[0].actor.startswith("admin key ")


def test_an_away_spell_ends_on_its_own_at_until(service: Service) -> None:
    until = service.clock.now.replace(hour=18).isoformat()
    away = ok(availability(service, "lucia", status="offline", until=until))
    assert away["availability"]["status"] == "offline"
    assert away["availability"]["until"] == until
    assert service.post_lead(**ES_LEAD)["owner"] == "mateo"
    service.clock.advance(hours=1)
    assert rep(service, "lucia")["availability"] == {"status": "available", "until": None}
    assert service.post_lead(**ES_LEAD)["owner"] == "lucia"


def test_a_rep_key_sets_only_its_own_availability(service: Service) -> None:
    lucia = service.key("rep", "lucia")
    assert ok(availability(service, "lucia", lucia, status="away"))["availability"]["status"] == (
        "away"
    )
    assert availability(service, "mateo", lucia, status="away").status_code == 403
    assert availability(service, "lucia", service.key("auditor"), status="away").status_code == 403
    assert availability(service, "lucia", service.key("intake"), status="away").status_code == 403
    manager = service.key("manager")
    assert availability(service, "lucia", manager, status="available").status_code == 200
    assert rep(service, "mateo")["availability"]["status"] == "available"


def test_availability_bodies_are_checked(service: Service) -> None:
    past = service.clock.now.replace(hour=1).isoformat()
    later = service.clock.now.replace(hour=20)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"status": "on holiday"}, "status"),
        ({"status": "away", "until": later.replace(tzinfo=None).isoformat()}, "until"),
        ({"status": "away", "until": past}, "until"),
        ({"status": "available", "until": later.isoformat()}, "until"),
        ({"status": "away", "why": "lunch"}, "why"),
        ({}, "status"),
    ]
    for body, path in cases:
        response = availability(service, "lucia", **body)
        assert response.status_code == 422, body
        assert response.json()["problems"][0]["path"] == path, body
    assert availability(service, "nobody", status="away").status_code == 404
    assert rep(service, "lucia")["availability"]["status"] == "available"
