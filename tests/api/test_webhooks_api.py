"""Webhook subscriptions and deliveries through HTTP: validation that names the problem, the
SSRF guard, roles, secrets never shown again; deliveries listed and re-sent."""

from __future__ import annotations

from typing import Any

import pytest

from leadroute.notify.webhooks import WEBHOOK_EVENTS
from tests.api.calls import ok
from tests.api.conftest import Service

# A public address written as such: creating a webhook resolves host names (no DNS in tests).
HOOK = "https://93.184.215.14/hooks/leads"


def post_hook(service: Service, headers: dict[str, str] | None = None, **body: Any) -> Any:
    body = {"url": HOOK, "events": ["lead.created"], **body}
    return service.client.post("/api/v1/webhooks", json=body, headers=headers or service.admin)


def problems(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid input"
    return {item["path"]: item["message"] for item in response.json()["problems"]}


def test_a_loopback_url_is_refused_without_the_setting(service: Service) -> None:
    found = problems(post_hook(service, url="http://127.0.0.1:9000/hook", secret="s" * 16))
    assert found["url"].startswith("127.0.0.1 is a loopback address")
    assert "LEADROUTE_ALLOW_PRIVATE_URLS=true" in found["url"]


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("http://localhost/hook", "localhost (127.0.0.1) is a loopback address"),
        ("http://10.0.0.8/hook", "10.0.0.8 is a private address"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local address"),
        ("http://[::1]:8080/", "::1 is a loopback address"),
        ("http://0.0.0.0/", "0.0.0.0 is an unspecified address"),
    ],
)
def test_private_addresses_are_refused(service: Service, url: str, label: str) -> None:
    assert problems(post_hook(service, url=url))["url"].startswith(label)


def test_a_host_that_does_not_resolve_is_refused(service: Service) -> None:
    found = problems(post_hook(service, url="https://crm.invalid/hooks"))
    assert found["url"].startswith("cannot resolve crm.invalid")


def test_bad_input_names_each_problem(service: Service) -> None:
    found = problems(
        post_hook(
            service, url="ftp://crm.example.com/x", events=["lead.craeted", "lead.won"], secret="x"
        )
    )
    assert "expected an http(s) URL" in found["url"]
    assert found["events[0]"].startswith(
        "unknown event 'lead.craeted' (did you mean 'lead.created'?)"
    )
    assert "16 to 200 characters" in found["secret"]
    assert "name at least one event" in problems(post_hook(service, events=[]))["events"]
    assert "url" in problems(
        service.client.post("/api/v1/webhooks", json={"events": []}, headers=service.admin)
    )


def test_a_subscription_keeps_its_secret(service: Service) -> None:
    given = ok(
        post_hook(service, secret="my-own-secret-0123456789", events=list(WEBHOOK_EVENTS)), 201
    )
    assert "secret" not in given
    assert given["events"] == list(WEBHOOK_EVENTS)
    made = ok(post_hook(service), 201)
    assert made["secret"].startswith("whsec_")  # made by leadroute, shown this once
    listed = ok(service.client.get("/api/v1/webhooks", headers=service.admin))
    assert [hook["id"] for hook in listed["webhooks"]] == [given["id"], made["id"]]
    assert all("secret" not in hook for hook in listed["webhooks"])
    assert listed["events"] == list(WEBHOOK_EVENTS)

    gone = service.client.delete(f"/api/v1/webhooks/{given['id']}", headers=service.admin)
    assert gone.status_code == 204
    listed = ok(service.client.get("/api/v1/webhooks", headers=service.admin))
    assert [hook["id"] for hook in listed["webhooks"]] == [made["id"]]
    again = service.client.delete(f"/api/v1/webhooks/{given['id']}", headers=service.admin)
    assert again.status_code == 404
    assert again.json()["error"] == f"webhook {given['id']} does not exist"


def test_a_password_in_the_url_is_hidden(service: Service) -> None:
    hook = ok(post_hook(service, url="https://user:hunter2@93.184.215.14/in"), 201)
    assert hook["url"] == "https://user:****@93.184.215.14/in"


def test_only_admins_manage_webhooks(service: Service) -> None:
    manager = service.key("manager")
    assert post_hook(service, manager).status_code == 403
    assert service.client.get("/api/v1/webhooks", headers=manager).status_code == 403


def test_deliveries_are_read_by_admins_managers_and_auditors(service: Service) -> None:
    for role in ("admin", "manager", "auditor"):
        page = ok(service.client.get("/api/v1/deliveries", headers=service.key(role)))
        assert page == {"total": 0, "deliveries": []}
    for role in ("intake",):
        assert (
            service.client.get("/api/v1/deliveries", headers=service.key(role)).status_code == 403
        )
    rep = service.key("rep", rep="jordan")
    assert service.client.get("/api/v1/deliveries", headers=rep).status_code == 403
    auditor = service.key("auditor")
    assert service.client.post("/api/v1/deliveries/x/resend", headers=auditor).status_code == 403


def test_unknown_deliveries_and_statuses(service: Service) -> None:
    missing = service.client.post("/api/v1/deliveries/nope/resend", headers=service.admin)
    assert (missing.status_code, missing.json()["error"]) == (404, "delivery nope does not exist")
    assert service.client.get("/api/v1/deliveries/nope", headers=service.admin).status_code == 404
    bad = service.client.get("/api/v1/deliveries?status=lost", headers=service.admin)
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["path"] == "query.status"


def test_an_offset_past_the_database_integers_is_refused_not_a_server_error(
    service: Service,
) -> None:
    # Found by tests/fuzz: SQLite cannot bind an int past 2**63 (OverflowError, a 500).
    far = service.client.get(f"/api/v1/deliveries?offset={2**63}", headers=service.admin)
    assert far.status_code == 422, far.text
    assert far.json()["problems"][0]["path"] == "query.offset"


def test_subscribed_events_become_pending_deliveries(service: Service) -> None:
    hook = ok(post_hook(service, events=["lead.created", "lead.assigned"]), 201)
    lead = service.post_lead(email="ana@acme.com", country="US", region="CA")
    page = ok(service.client.get("/api/v1/deliveries?status=pending", headers=service.admin))
    assert page["total"] == 2
    assert {d["event"] for d in page["deliveries"]} == {"lead.created", "lead.assigned"}
    assert all(d["webhook"] == hook["id"] and d["lead"] == lead["id"] for d in page["deliveries"])
    one = ok(
        service.client.get(
            f"/api/v1/deliveries/{page['deliveries'][0]['id']}", headers=service.key("auditor")
        )
    )
    assert one["payload"]["id"] == one["id"]
    assert one["payload"]["lead"]["id"] == lead["id"]
    conflict = service.client.post(f"/api/v1/deliveries/{one['id']}/resend", headers=service.admin)
    assert conflict.status_code == 409
    assert conflict.json()["error"] == (
        f"delivery {one['id']} is pending: only a failed delivery is re-sent"
    )
