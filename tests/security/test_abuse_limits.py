"""Abuse limits: rate limits per key, per session and per client address (429 with
Retry-After), request size, lead field length and custom-field count, JSON depth, strict
content types, and the form honeypot. Nothing refused is stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leadroute.services.principals import Role
from leadroute.storage.tables import LeadRow
from tests.api.conftest import Service, make_service
from tests.databases import sqlite_url
from tests.web.conftest import make_site

LEAD = {"name": "Ana Souza", "email": "ana@acme.com", "country": "US"}


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Service]:
    """A service with small limits, so tests reach them in a few calls."""
    yield from make_service(
        sqlite_url(tmp_path),
        rate_limit_per_minute=5,
        form_rate_limit_per_minute=3,
        login_rate_limit_per_minute=2,
        max_body_bytes=4096,
        max_field_length=200,
        max_custom_fields=3,
        max_json_depth=5,
        honeypot_field="website",
    )


def stored(service: Service) -> int:
    with service.runtime.database.reading() as session:
        return session.scalar(select(func.count()).select_from(LeadRow)) or 0


def test_each_key_has_its_own_rate_limit_and_gets_retry_after(limited: Service) -> None:
    manager = limited.key(Role.MANAGER)
    answers = [limited.client.get("/api/v1/leads", headers=manager) for _ in range(6)]
    assert [answer.status_code for answer in answers] == [200] * 5 + [429]
    refused = answers[-1]
    assert int(refused.headers["Retry-After"]) == 12  # a token a 12 s at 5 a minute
    assert "5 a minute" in refused.json()["error"]
    # Another key is not slowed by the first one's burst.
    assert limited.client.get("/api/v1/leads", headers=limited.key(Role.AUDITOR)).status_code == 200
    limited.clock.advance(seconds=12)
    assert limited.client.get("/api/v1/leads", headers=manager).status_code == 200
    assert limited.client.get("/api/v1/leads", headers=manager).status_code == 429


def test_calls_without_a_valid_key_are_limited_by_address(limited: Service) -> None:
    wrong = {"Authorization": "Bearer lr_000000000000_guess"}
    codes = [limited.client.get("/api/v1/leads", headers=wrong).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    assert limited.client.get("/api/v1/leads").status_code == 429  # no key: same address


def test_form_posts_are_limited_per_address(limited: Service) -> None:
    intake = limited.key(Role.INTAKE)
    form = {"name": "Bo", "email": "bo@example.com"}
    codes = [
        limited.client.post("/api/v1/leads", data=form, headers=intake).status_code
        for _ in range(4)
    ]
    assert codes == [201, 201, 201, 429]
    assert stored(limited) == 3


def test_a_filled_honeypot_is_answered_but_not_stored(limited: Service) -> None:
    intake = limited.key(Role.INTAKE)
    bot = limited.client.post(
        "/api/v1/leads", data={**LEAD, "website": "http://spam.example"}, headers=intake
    )
    assert bot.status_code == 202
    assert stored(limited) == 0
    person = limited.client.post("/api/v1/leads", data={**LEAD, "website": ""}, headers=intake)
    assert person.status_code == 201
    kept = limited.client.get(f"/api/v1/leads/{person.json()['id']}", headers=limited.admin)
    assert "website" not in kept.json()["fields"]  # the empty trap never becomes a field
    assert stored(limited) == 1


def test_bodies_past_the_size_limit_are_refused_unread(limited: Service) -> None:
    big = {**LEAD, "notes": "x" * 5000}
    declared = limited.client.post("/api/v1/leads", json=big, headers=limited.admin)
    assert declared.status_code == 413
    assert "4,096 bytes" in declared.json()["error"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while read
        body = json.dumps(big).encode()
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    streamed = limited.client.post(
        "/api/v1/leads",
        content=chunks(),
        headers={**limited.admin, "Content-Type": "application/json"},
    )
    assert streamed.status_code == 413
    assert stored(limited) == 0


def test_long_values_and_many_custom_fields_are_refused_by_name(limited: Service) -> None:
    answer = limited.client.post(
        "/api/v1/leads",
        json={**LEAD, "company": "c" * 201, "a": 1, "b": 2, "c": 3, "d": 4},
        headers=limited.admin,
    )
    assert answer.status_code == 422
    problems = {problem["path"]: problem["message"] for problem in answer.json()["problems"]}
    assert problems["company"] == "201 characters long; at most 200 are accepted"
    assert problems["(body)"] == "4 custom fields; at most 3 are accepted"
    at_limit = {**LEAD, "company": "c" * 200, "a": 1, "b": 2, "c": 3}
    assert limited.client.post("/api/v1/leads", json=at_limit, headers=limited.admin).is_success
    assert stored(limited) == 1


def test_deeply_nested_json_is_refused_before_parsing(limited: Service) -> None:
    nested: object = "deep"
    for _ in range(6):
        nested = [nested]
    answer = limited.client.post("/api/v1/leads", json={**LEAD, "x": nested}, headers=limited.admin)
    assert answer.status_code == 422
    assert answer.json()["problems"] == [
        {"path": "(body)", "message": "JSON nested 7 deep; at most 5 levels are accepted"}
    ]
    # Brackets inside strings are text, not nesting.
    text = {**LEAD, "notes": "[[[[[[[[{{{{{{"}
    assert limited.client.post("/api/v1/leads", json=text, headers=limited.admin).is_success


def test_a_hundred_thousand_brackets_get_an_answer_not_a_crash(tmp_path: Path) -> None:
    for service in make_service(sqlite_url(tmp_path), max_body_bytes=1_048_576):
        answer = service.client.post(
            "/api/v1/routing/preview",
            content=b"[" * 100_000,
            headers={**service.admin, "Content-Type": "application/json"},
        )
        assert answer.status_code == 422
        assert "nested 100000 deep" in answer.json()["problems"][0]["message"]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/api/v1/leads", "text/plain"),
        ("/api/v1/leads", ""),
        ("/api/v1/leads/x/events", "application/x-www-form-urlencoded"),
        ("/api/v1/routing/preview", "text/csv"),
        ("/api/v1/accounts/import", "application/json"),
    ],
)
def test_bodies_of_the_wrong_content_type_get_415(limited: Service, path: str, kind: str) -> None:
    headers = {**limited.admin, "Content-Type": kind} if kind else limited.admin
    answer = limited.client.post(path, content=json.dumps(LEAD).encode(), headers=headers)
    assert answer.status_code == 415
    assert "unsupported content type" in answer.json()["error"]
    assert stored(limited) == 0


def test_sign_in_attempts_are_limited_per_address(tmp_path: Path) -> None:
    for site in make_site(sqlite_url(tmp_path), login_rate_limit_per_minute=2):
        assert site.client.get("/login").status_code == 200
        tries = []
        for n in range(3):
            csrf = site.client.cookies["lr_login_csrf"]  # each answer sets a new one
            form = {"csrf": csrf, "username": "maria", "password": f"guess {n}"}
            tries.append(site.client.post("/login", data=form))
        assert [answer.status_code for answer in tries] == [401, 401, 429]
        assert tries[-1].headers["Retry-After"] == "30"
        assert "too many requests" in tries[-1].text


def test_a_signed_in_browser_is_limited_per_session(tmp_path: Path) -> None:
    for site in make_site(sqlite_url(tmp_path), rate_limit_per_minute=4):
        maria = site.sign_in(Role.MANAGER)  # its first page, "/", is one request
        codes = [maria.get("/leads").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert site.sign_in(Role.AUDITOR).get("/leads").status_code == 200  # its own bucket
        site.clock.advance(seconds=15)
        assert maria.get("/leads").status_code == 200
