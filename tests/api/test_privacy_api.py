"""Export and erase through HTTP (SQLite and PostgreSQL): who may, what the export holds about
a person (and not about anybody else), and what an erased lead looks like afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leadroute.services.principals import Role
from tests.api.calls import event, lead, ok, refused, types
from tests.api.conftest import Service
from tests.outbox import outbox_service

ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr]}
  - {id: bob, teams: [sdr]}
scoring:
  rules:
    - {when: {field: company_size, gte: 100}, points: 30}
duplicates: {match: [email, phone], within: 30d, policy: link}
routing:
  - name: sdr
    assign: {team: sdr, select: round_robin}
"""
JO = {
    "name": "Jo Lee",
    "email": "jo.lee@acme.example",
    "phone": "+44 20 7946 0321",
    "company": "Acme",
    "country": "GB",
    "company_size": 250,
    "shoe_size": "44 wide",
}


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[Service]:
    yield from outbox_service(database_url, tmp_path, ROUTING, allow_private_urls=True)


def post(service: Service, **fields: object) -> dict[str, Any]:
    return ok(service.client.post("/api/v1/leads", json=fields, headers=service.admin), 201)


def jo_and_others(service: Service) -> tuple[list[str], str]:
    """Jo's three leads (the first, a resubmission with the same email, one with only the same
    phone) and somebody else's lead."""
    first = post(service, **JO)
    again = post(service, email="JO.LEE@acme.example", name="Jo")
    by_phone = post(service, phone="020 7946 0321", country="GB")
    other = post(service, email="sam@other.example", name="Sam Poe", phone="+44 20 7946 0999")
    assert again["duplicate"]["of"] == first["id"]
    assert by_phone["duplicate"]["of"] == first["id"]
    return [first["id"], again["id"], by_phone["id"]], other["id"]


def export(service: Service, lead_id: str, headers: dict[str, str] | None = None) -> Any:
    return service.client.get(f"/api/v1/leads/{lead_id}/export", headers=headers or service.admin)


def erase(
    service: Service, lead_id: str, headers: dict[str, str] | None = None, **query: str
) -> Any:
    return service.client.delete(
        f"/api/v1/leads/{lead_id}", params=query, headers=headers or service.admin
    )


def test_only_admins_and_managers_export_and_only_admins_erase(service: Service) -> None:
    ids, _other = jo_and_others(service)
    for role, rep in ((Role.MANAGER, None), (Role.ADMIN, None)):
        ok(export(service, ids[0], service.key(role, rep)))
    for role, rep in ((Role.INTAKE, None), (Role.REP, "ana"), (Role.AUDITOR, None)):
        refused(export(service, ids[0], service.key(role, rep)), 403)
    for role, rep in ((Role.MANAGER, None), (Role.INTAKE, None), (Role.REP, "ana")):
        refused(erase(service, ids[0], service.key(role, rep)), 403)
    refused(erase(service, ids[0], service.key(Role.AUDITOR)), 403)
    assert service.client.get(f"/api/v1/leads/{ids[0]}/export").status_code == 401
    assert service.client.delete(f"/api/v1/leads/{ids[0]}").status_code == 401
    refused(export(service, "no-such-lead"), 404)
    refused(erase(service, "no-such-lead"), 404)
    assert lead(service, ids[0])["email"] == JO["email"]  # nothing was erased


def test_the_export_holds_everything_about_the_person_and_nobody_else(service: Service) -> None:
    ids, other = jo_and_others(service)
    hooks = {"url": "http://127.0.0.1:9/hook", "events": ["lead.created"], "secret": "s" * 24}
    ok(service.client.post("/api/v1/webhooks", json=hooks, headers=service.admin), 201)
    keyed = {**service.admin, "Idempotency-Key": "jo-1"}
    answer = ok(service.client.post("/api/v1/leads", json={**JO, "name": "J."}, headers=keyed), 201)
    activity = {"type": "email_opened", "data": {"campaign": "spring"}}
    path = f"/api/v1/leads/{ids[0]}/activities"
    ok(service.client.post(path, json=activity, headers=service.admin), 201)
    ok(event(service, ids[0], "touched"))

    response = export(service, ids[1])
    body = ok(response)
    assert response.headers["content-disposition"] == (
        f'attachment; filename="leadroute-export-{ids[1]}.json"'
    )
    assert body["lead"] == ids[1]
    assert body["scope"] == "person"
    assert "exported_at" in body
    found = [item["id"] for item in body["leads"]]
    assert found[0] == ids[1]
    assert sorted(found) == sorted([*ids, answer["id"]])
    assert other not in found
    first = next(item for item in body["leads"] if item["id"] == ids[0])
    assert first["fields"]["shoe_size"] == "44 wide"
    assert first["raw"]["phone"] == JO["phone"]
    assert first["fields"]["phone"] == "+442079460321"
    assert first["owner"] == "ana"
    assert first["assignments"][0]["rep"] == "ana"
    assert first["decisions"][0]["reason"]
    assert [item["type"] for item in first["activities"]] == ["email_opened"]
    assert {"lead.received", "lead.assigned", "lead.touched"} <= {
        item["type"] for item in first["timeline"]
    }
    keyed_lead = next(item for item in body["leads"] if item["id"] == answer["id"])
    assert [item["body"]["id"] for item in keyed_lead["stored_answers"]] == [answer["id"]]
    assert keyed_lead["deliveries"][0]["payload"]["lead"]["fields"]["email"] == JO["email"]
    alone = ok(
        service.client.get(f"/api/v1/leads/{ids[2]}/export?scope=lead", headers=service.admin)
    )
    assert [item["id"] for item in alone["leads"]] == [ids[2]]


def test_an_erased_lead_reads_back_as_a_tombstone_and_still_takes_outcomes(
    service: Service,
) -> None:
    ids, other = jo_and_others(service)
    ok(event(service, ids[0], "touched"))
    before = lead(service, ids[0])
    answer = ok(erase(service, ids[0], scope="lead"))
    assert (answer["erased"], answer["already_erased"]) == ([ids[0]], [])
    assert answer["erased_at"] == service.clock.now.isoformat()

    after = lead(service, ids[0])
    assert (after["name"], after["email"], after["company"], after["raw"]) == (None, None, None, {})
    assert after["fields"] == {"country": "GB", "company_size": 250}
    assert types(after)[-1] == "lead.erased"
    assert after["timeline"][-1]["actor"] == before["timeline"][0]["actor"]
    for key in ("status", "owner", "score", "grade", "rule", "received_at"):
        assert after[key] == before[key], key
    assert lead(service, ids[1])["email"] == "jo.lee@acme.example"  # scope=lead: only this one
    won = ok(event(service, ids[0], "won", amount=900))
    assert (won["status"], won["amount"], won["email"]) == ("won", 900, None)
    exported = ok(export(service, ids[0], service.key(Role.MANAGER)))
    assert "jo.lee" not in str(exported["leads"][0])
    rest = ok(erase(service, ids[2]))
    assert sorted(rest["erased"]) == sorted(ids[1:])
    assert rest["already_erased"] == [ids[0]]
    assert lead(service, other)["email"] == "sam@other.example"
