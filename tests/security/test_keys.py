"""API keys through the API: made by admins with a role, a rep and a lifetime; the secret is
returned once and stored only as a SHA-256; revoking or expiry stops a key at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from leadroute.services.principals import Role
from tests.api.conftest import Service, make_service


@pytest.fixture
def service(database_url: str) -> Iterator[Service]:
    yield from make_service(database_url)


def make(service: Service, **body: object) -> dict[str, str]:
    answer = service.client.post("/api/v1/keys", json=body, headers=service.admin)
    assert answer.status_code == 201, answer.text
    made: dict[str, str] = answer.json()
    return made


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_key_is_shown_once_and_stored_only_as_a_hash(service: Service) -> None:
    made = make(service, role="manager", label="ops laptop")
    secret = made["key"]
    assert secret.startswith(f"lr_{made['id']}_")
    assert service.client.get("/api/v1/leads", headers=bearer(secret)).status_code == 200
    listed = service.client.get("/api/v1/keys", headers=service.admin).text
    assert made["id"] in listed
    assert secret.split("_", 2)[2] not in listed
    with service.runtime.database.reading() as session:
        rows = [str(row) for row in session.execute(text("SELECT * FROM api_keys"))]
        events = [str(row) for row in session.execute(text("SELECT * FROM events"))]
    assert any(made["id"] in row for row in rows)
    assert not any(secret.split("_", 2)[2] in row for row in rows + events)


def test_a_revoked_key_stops_at_once(service: Service) -> None:
    made = make(service, role="auditor")
    assert service.client.get("/api/v1/reps", headers=bearer(made["key"])).status_code == 200
    gone = service.client.delete(f"/api/v1/keys/{made['id']}", headers=service.admin)
    assert gone.status_code == 204
    refused = service.client.get("/api/v1/reps", headers=bearer(made["key"]))
    assert refused.status_code == 401
    assert refused.json() == {"error": "this API key was revoked"}
    states = {
        key["id"]: key["state"]
        for key in service.client.get("/api/v1/keys", headers=service.admin).json()["keys"]
    }
    assert states[made["id"]] == "revoked"


def test_a_key_with_a_lifetime_expires(service: Service) -> None:
    made = make(service, role="rep", rep="sam", expires_in="2h")
    assert service.client.get("/api/v1/leads", headers=bearer(made["key"])).status_code == 200
    service.clock.advance(hours=2)
    refused = service.client.get("/api/v1/leads", headers=bearer(made["key"]))
    assert refused.status_code == 401
    assert refused.json() == {"error": "this API key has expired"}


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"role": "rep"}, "rep"),
        ({"role": "rep", "rep": "nobody"}, "rep"),
        ({"role": "manager", "rep": "sam"}, "rep"),
        ({"role": "manager", "expires_in": "soon"}, "expires_in"),
    ],
)
def test_bad_key_requests_name_the_field(
    service: Service, body: dict[str, object], path: str
) -> None:
    answer = service.client.post("/api/v1/keys", json=body, headers=service.admin)
    assert answer.status_code == 422
    assert [problem["path"] for problem in answer.json()["problems"]] == [path]


def test_only_admins_manage_keys(service: Service) -> None:
    manager = service.key(Role.MANAGER)
    assert service.client.get("/api/v1/keys", headers=manager).status_code == 403
    made = service.client.post("/api/v1/keys", json={"role": "admin"}, headers=manager)
    assert made.status_code == 403
