"""POST /api/v1/leads: JSON and form intake, normalisation, refusals, idempotency, duplicates."""

from __future__ import annotations

from tests.api.conftest import Service


def test_a_json_lead_is_routed_and_explained(service: Service) -> None:
    body = service.post_lead(
        name="Ana Souza",
        email="ANA@Acme.com ",
        phone="+1 415 555 0100",
        country="United States",
        region="California",
        company="Acme",
    )
    assert body["status"] == "routed"
    assert body["owner"] == "jordan"  # US-CA: the most specific territory wins
    decision = body["decision"]
    assert isinstance(decision, dict)
    assert decision["rule"] == "north america"
    assert decision["reason"].startswith("north america: jordan")
    lead = service.client.get(f"/api/v1/leads/{body['id']}", headers=service.admin).json()
    assert lead["owner"] == "jordan"
    assert lead["fields"]["email"] == "ana@acme.com"
    assert lead["fields"]["phone"] == "+14155550100"
    assert lead["fields"]["region"] == "US-CA"
    assert lead["raw"]["email"] == "ANA@Acme.com "
    assert [event["type"] for event in lead["timeline"]] == ["lead.received", "lead.assigned"]
    assert lead["decision"]["trace"] == decision["trace"]


def test_a_malformed_field_is_kept_and_flagged_not_refused(service: Service) -> None:
    body = service.post_lead(email="not-an-address", country="Atlantis")
    assert body["issues"] == [
        "email: not a valid address (missing @)",
        "country: unknown country 'Atlantis'",
    ]
    lead = service.client.get(f"/api/v1/leads/{body['id']}", headers=service.admin).json()
    assert lead["fields"]["email"] == "not-an-address"
    assert lead["issues"] == body["issues"]


def test_what_cannot_be_a_lead_is_refused_naming_the_field(service: Service) -> None:
    not_object = service.client.post("/api/v1/leads", json=[1, 2], headers=service.admin)
    assert not_object.status_code == 422
    assert not_object.json()["problems"][0]["path"] == "(body)"
    unreachable = service.client.post("/api/v1/leads", json={"name": "Bo"}, headers=service.admin)
    assert unreachable.status_code == 422
    assert unreachable.json()["problems"][0]["path"] == "email"
    broken = service.client.post(
        "/api/v1/leads",
        content=b"{not json",
        headers={**service.admin, "Content-Type": "application/json"},
    )
    assert broken.status_code == 422
    assert "not valid JSON" in broken.json()["problems"][0]["message"]
    listed = service.client.get("/api/v1/leads", headers=service.admin).json()
    assert listed["total"] == 0


def test_a_web_form_posts_straight_in_and_redirects(service: Service) -> None:
    service.client.app.state.settings.redirect_hosts = ["example.com"]  # type: ignore[attr-defined]
    response = service.client.post(
        "/api/v1/leads",
        data={
            "email": "form@acme.com",
            "company_size": "2500",
            "redirect": "https://example.com/thanks",
        },
        headers=service.admin,
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "https://example.com/thanks"
    leads = service.client.get("/api/v1/leads", headers=service.admin).json()["leads"]
    assert [lead["email"] for lead in leads] == ["form@acme.com"]
    detail = service.client.get(f"/api/v1/leads/{leads[0]['id']}", headers=service.admin).json()
    assert detail["fields"]["company_size"] == 2500
    assert detail["rule"] == "enterprise desk"


def test_a_redirect_to_an_unlisted_host_is_refused(service: Service) -> None:
    response = service.client.post(
        "/api/v1/leads",
        data={"email": "form@acme.com", "redirect": "https://evil.example/"},
        headers=service.admin,
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["path"] == "redirect"


def test_idempotency_key_replays_the_first_answer_and_refuses_another_body(
    service: Service,
) -> None:
    headers = {**service.admin, "Idempotency-Key": "form-123"}
    first = service.client.post("/api/v1/leads", json={"email": "a@acme.com"}, headers=headers)
    again = service.client.post("/api/v1/leads", json={"email": "a@acme.com"}, headers=headers)
    other = service.client.post("/api/v1/leads", json={"email": "b@acme.com"}, headers=headers)
    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 409)
    assert again.json() == first.json()
    assert service.client.get("/api/v1/leads", headers=service.admin).json()["total"] == 1


def test_external_id_is_unique_per_source(service: Service) -> None:
    first = service.post_lead(email="a@acme.com", source="webinar", external_id="42")
    dup = service.client.post(
        "/api/v1/leads",
        json={"email": "a2@acme.com", "source": "webinar", "external_id": "42"},
        headers=service.admin,
    )
    assert dup.status_code == 409
    assert dup.json()["lead"] == first["id"]
    service.post_lead(email="a3@acme.com", source="ads", external_id="42")


def test_keys_are_required_and_roles_checked(service: Service) -> None:
    assert service.client.post("/api/v1/leads", json={"email": "a@acme.com"}).status_code == 401
    bad = {"Authorization": "Bearer lr_nope_nope"}
    assert service.client.get("/api/v1/leads", headers=bad).status_code == 401
    intake = service.key("intake")
    assert (
        service.client.post(
            "/api/v1/leads", json={"email": "a@acme.com"}, headers=intake
        ).status_code
        == 201
    )
    assert service.client.get("/api/v1/leads", headers=intake).status_code == 403
