"""Signed intake: a source registered with a secret has its posts checked (HMAC-SHA256 of
`<timestamp>.<body>`), unsigned posts naming it are refused when it requires signing, old
timestamps are refused, and a replayed signed request stores nothing new."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from leadroute.cli import app as cli
from leadroute.notify.webhooks import signature
from leadroute.services.principals import Role
from leadroute.storage.tables import LeadRow
from tests.api.conftest import Service, make_service
from tests.databases import sqlite_url

SECRET = "s3cret-of-the-partner-0123456789"
LEAD = {"name": "Ana Souza", "email": "ana@acme.com", "source": "partner-x"}


@pytest.fixture
def service(database_url: str) -> Iterator[Service]:
    yield from make_service(database_url, signature_tolerance_seconds=300)


def register(service: Service, **body: object) -> dict[str, object]:
    answer = service.client.post(
        "/api/v1/sources", json={"name": "partner-x", **body}, headers=service.admin
    )
    assert answer.status_code == 201, answer.text
    made: dict[str, object] = answer.json()
    return made


def signed_post(
    service: Service, lead: Mapping[str, object], *, secret: str = SECRET, skew: float = 0
) -> tuple[int, dict[str, object]]:
    body = json.dumps(lead).encode()
    stamp = int(service.clock.now.timestamp() + skew)
    answer = service.client.post(
        "/api/v1/leads",
        content=body,
        headers={
            **service.key(Role.INTAKE),
            "Content-Type": "application/json",
            "X-Leadroute-Timestamp": str(stamp),
            "X-Leadroute-Signature": signature(secret, stamp, body),
        },
    )
    result: dict[str, object] = answer.json()
    return answer.status_code, result


def leads(service: Service) -> int:
    with service.runtime.database.reading() as session:
        return session.scalar(select(func.count()).select_from(LeadRow)) or 0


def test_a_correctly_signed_post_is_taken(service: Service) -> None:
    register(service, secret=SECRET)
    status, body = signed_post(service, LEAD)
    assert status == 201, body
    assert leads(service) == 1


def test_unsigned_posts_naming_a_signing_source_are_refused(service: Service) -> None:
    register(service, secret=SECRET)
    answer = service.client.post("/api/v1/leads", json=LEAD, headers=service.key(Role.INTAKE))
    assert answer.status_code == 401
    assert answer.json()["error"].startswith("source 'partner-x' requires signed requests")
    # A form post is the same request to the source's rule.
    form = service.client.post("/api/v1/leads", data=LEAD, headers=service.key(Role.INTAKE))
    assert form.status_code == 401
    # Other sources are not concerned.
    other = service.client.post(
        "/api/v1/leads", json={**LEAD, "source": "website"}, headers=service.admin
    )
    assert other.status_code == 201
    assert leads(service) == 1


@pytest.mark.parametrize(
    ("secret", "skew", "expected"),
    [
        ("another-secret-0123456789", 0, "bad signature for source 'partner-x'"),
        (SECRET, -301, "is not within 300 s of now"),
        (SECRET, 301, "is not within 300 s of now"),
    ],
)
def test_wrong_secrets_and_stale_timestamps_are_refused(
    service: Service, secret: str, skew: float, expected: str
) -> None:
    register(service, secret=SECRET)
    status, body = signed_post(service, LEAD, secret=secret, skew=skew)
    assert status == 401
    assert expected in str(body["error"])
    assert leads(service) == 0


def test_a_tampered_body_fails_its_signature(service: Service) -> None:
    register(service, secret=SECRET)
    body = json.dumps(LEAD).encode()
    stamp = int(service.clock.now.timestamp())
    tampered = body.replace(b"Ana", b"Eve")
    answer = service.client.post(
        "/api/v1/leads",
        content=tampered,
        headers={
            **service.admin,
            "Content-Type": "application/json",
            "X-Leadroute-Timestamp": str(stamp),
            "X-Leadroute-Signature": signature(SECRET, stamp, body),
        },
    )
    assert answer.status_code == 401
    assert leads(service) == 0


def test_a_replayed_signed_request_stores_nothing_new(service: Service) -> None:
    register(service, secret=SECRET)
    first = signed_post(service, LEAD)
    again = signed_post(service, LEAD)
    assert first[0] == again[0] == 201
    assert first[1]["id"] == again[1]["id"]
    assert leads(service) == 1


def test_an_optional_source_checks_signatures_sent_but_takes_unsigned(service: Service) -> None:
    register(service, secret=SECRET, require_signature=False)
    unsigned = service.client.post("/api/v1/leads", json=LEAD, headers=service.admin)
    assert unsigned.status_code == 201
    assert signed_post(service, LEAD, secret="wrong-secret-000000000")[0] == 401
    assert leads(service) == 1


def test_a_signature_for_an_unregistered_source_is_refused(service: Service) -> None:
    status, body = signed_post(service, {**LEAD, "source": "nobody"})
    assert status == 401
    assert "names source 'nobody', which is not registered" in str(body["error"])


def test_sources_are_admin_only_and_show_their_secret_once(service: Service) -> None:
    made = register(service)
    assert str(made["secret"]).startswith("srcsec_")
    listed = service.client.get("/api/v1/sources", headers=service.admin).json()
    assert listed == {
        "sources": [
            {
                "name": "partner-x",
                "require_signature": True,
                "created_at": made["created_at"],
                "created_by": made["created_by"],
            }
        ]
    }
    again = service.client.post(
        "/api/v1/sources", json={"name": "partner-x"}, headers=service.admin
    )
    assert again.status_code == 409
    manager = service.key(Role.MANAGER)
    assert service.client.get("/api/v1/sources", headers=manager).status_code == 403
    short = service.client.post(
        "/api/v1/sources", json={"name": "p", "secret": "short"}, headers=service.admin
    )
    assert short.json()["problems"][0]["path"] == "secret"
    assert service.client.delete("/api/v1/sources/partner-x", headers=service.admin).is_success
    assert (
        service.client.delete("/api/v1/sources/partner-x", headers=service.admin).status_code == 404
    )
    unsigned = service.client.post("/api/v1/leads", json=LEAD, headers=service.admin)
    assert unsigned.status_code == 201


def test_the_cli_registers_lists_and_removes_sources(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    runner = CliRunner()
    added = runner.invoke(cli, ["sources", "add", "partner-x", "--database", url])
    assert added.exit_code == 0, added.output
    assert added.stdout.strip().splitlines()[-1].startswith("srcsec_")
    listed = runner.invoke(cli, ["sources", "list", "--database", url])
    assert "partner-x  signature required" in listed.stdout
    twice = runner.invoke(cli, ["sources", "add", "partner-x", "--database", url])
    assert twice.exit_code == 1
    assert "already registered" in twice.stderr
    removed = runner.invoke(cli, ["sources", "remove", "partner-x", "--database", url])
    assert removed.exit_code == 0
    assert runner.invoke(cli, ["sources", "remove", "partner-x", "--database", url]).exit_code == 1
