"""Schemathesis over every operation of the OpenAPI schema, the API served inside the site
`leadroute serve` runs (`create_site`; the dashboard's pages are not in the schema): no answer is
a 5xx and every answer is documented (status code, content type, body schema). An admin pass
with every phase (examples, coverage of boundary values, fuzzing), then a rep and an auditor
pass (examples and fuzzing) whose refusals must be documented 403s, never 5xx. The intake's
body is read by hand, so the schema cannot describe it: Hypothesis lead bodies (JSON, forms,
bytes) go to it, and a few hostile documents on SQLite and PostgreSQL.

One site on a SQLite file serves the whole module, seeded with leads (owned, pooled, in
triage), an account, a webhook and its deliveries; path parameters are drawn either by
schemathesis or among those real ids, so the fuzzer also reaches past the 404s. The schema is
loaded at collection (`schemathesis.pytest.from_fixture` breaks on pytest 9's node ids).
Generation is derandomized (the same cases every run) unless `LEADROUTE_FUZZ_SEED` is set;
`LEADROUTE_FUZZ_EXAMPLES` raises the examples per operation. Cases are counted in
`tests/fuzz/tally.py` and printed at the end of the session.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, HookContext
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from leadroute.services.principals import Role
from leadroute.services.runtime import Runtime
from leadroute.settings import Settings
from leadroute.storage.database import connect
from leadroute.web.site import create_site
from tests.api.conftest import Clock, Service, make_service, start_migrated
from tests.fuzz import tally
from tests.fuzz.payloads import bodies, form_payloads

# Examples per operation in the fuzzing phase of the admin pass; the rep and auditor passes
# and the intake take their share of it. The defaults run in about a minute on two cores.
EXAMPLES = int(os.environ.get("LEADROUTE_FUZZ_EXAMPLES", "25"))
SEED = os.environ.get("LEADROUTE_FUZZ_SEED")
REP = "kim"  # an `inbound` rep of the packaged routing file: always working, member of `review`
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# Real ids by path parameter name, filled by the `site` fixture and drawn by the hook below.
KNOWN: dict[str, list[str]] = {}
SITE_OPTIONS: dict[str, Any] = {"rate_limit_per_minute": 0, "form_rate_limit_per_minute": 0}


def _document() -> dict[str, Any]:
    """The site's OpenAPI document, read at collection from a site whose database is never
    opened (the `site` fixture checks that the real one serves the same document)."""
    database = connect("sqlite://")
    try:
        return create_site(Runtime(database=database), Settings(**SITE_OPTIONS)).openapi()
    finally:
        database.dispose()


def _schema(*, coverage: bool) -> OpenApiSchema:
    config: dict[str, Any] = {"phases": {"coverage": {"enabled": coverage}}}
    if SEED is not None:
        config["seed"] = int(SEED)
    loaded = schemathesis.openapi.from_dict(DOCUMENT, config=schemathesis.Config.from_dict(config))
    loaded.hook(flatmap_path_parameters)
    return loaded


def flatmap_path_parameters(
    context: HookContext, path_parameters: dict[str, Any] | None
) -> st.SearchStrategy[dict[str, Any] | None]:
    """The generated parameters, or one of them replaced by a real id of that name."""
    choices: list[st.SearchStrategy[dict[str, Any] | None]] = [st.just(path_parameters)]
    for name in path_parameters or {}:
        if KNOWN.get(name):
            choices.append(st.sampled_from(KNOWN[name]).map(_with(path_parameters, name)))
    return st.one_of(choices)


def _with(parameters: dict[str, Any] | None, name: str) -> Callable[[str], dict[str, Any] | None]:
    return lambda known: {**(parameters or {}), name: known}


DOCUMENT = _document()
schema = _schema(coverage=True)
role_schema = _schema(coverage=False)


@dataclass(frozen=True, kw_only=True, slots=True)
class Site:
    app: FastAPI
    client: TestClient
    keys: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One seeded site on a SQLite file for the whole module, and a key per role."""
    directory: Path = tmp_path_factory.mktemp("fuzz")
    options = Settings(database_url=f"sqlite:///{directory / 'fuzz.db'}", **SITE_OPTIONS)
    clock = Clock()
    runtime = start_migrated(options, clock)
    app = create_site(runtime, options, clock=clock)
    assert app.openapi() == DOCUMENT
    client = TestClient(app, follow_redirects=False)
    service = Service(runtime=runtime, client=client, clock=clock)
    service.admin = service.key(Role.ADMIN)
    try:
        _seed(service)
        keys = {
            "admin": service.admin,
            "rep": service.key(Role.REP, REP),
            "auditor": service.key(Role.AUDITOR),
        }
        yield Site(app=app, client=client, keys=keys)
    finally:
        KNOWN.clear()
        client.close()
        runtime.database.dispose()


def _seed(service: Service) -> None:
    """Something behind each kind of path parameter, remembered in KNOWN."""

    def ok(response: Any, status: int) -> dict[str, Any]:
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        return body

    admin, client = service.admin, service.client
    hook = {"url": "https://93.184.215.14/hooks/leads", "events": ["lead.created"]}
    webhook = ok(client.post("/api/v1/webhooks", json=hook, headers=admin), 201)
    account = {"name": "Acme", "domains": ["acme.com"], "owner": REP}
    account_id = ok(client.post("/api/v1/accounts", json=account, headers=admin), 201)["id"]
    leads = [
        service.post_lead(email="ana@acme.com", country="US", company_size=50),
        service.post_lead(email="bo@globex.io", language="es", country="MX"),
        service.post_lead(email="cy@initech.com", company_size=20_000),  # triage
        service.post_lead(email="junk@example.invalid"),  # the review pool
        service.post_lead(phone="+1 212 555 0123", country="DE"),
        service.post_lead(email="di@umbrella.com", country="FR"),
    ]
    deliveries = ok(client.get("/api/v1/deliveries", headers=admin), 200)
    KNOWN.update(
        lead_id=[str(lead["id"]) for lead in leads],
        pool=["review", "enterprise_queue", "unassigned", "triage"],
        rep_id=[REP, "grace", "lucia"],
        account_id=[str(account_id)],
        webhook_id=[str(webhook["id"])],
        delivery_id=[str(item["id"]) for item in deliveries["deliveries"]][:3],
        version=["1"],
    )


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=max(1, examples),
        derandomize=SEED is None,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def answered(role: str, call: Callable[[], Any]) -> Any:
    """The response of `call`, counted; an exception out of the app counts as a 500 (what a
    server in front of it would answer)."""
    try:
        response = call()
    except Exception:
        tally.record(role, 500)
        raise
    tally.record(role, response.status_code)
    return response


def check(case: Case[Any], site: Site, role: str) -> None:
    headers: dict[str, Any] = dict(site.keys[role])
    response = answered(role, lambda: case.call(headers=headers, app=site.app))
    case.validate_response(response, checks=CHECKS, headers=headers)


@schema.parametrize()
@fuzz_settings(EXAMPLES)
def test_admin(case: Case[Any], site: Site) -> None:
    check(case, site, "admin")


@role_schema.parametrize()
@fuzz_settings(EXAMPLES // 3)
def test_rep(case: Case[Any], site: Site) -> None:
    check(case, site, "rep")


@role_schema.parametrize()
@fuzz_settings(EXAMPLES // 3)
def test_auditor(case: Case[Any], site: Site) -> None:
    check(case, site, "auditor")


INTAKE = schema["/api/v1/leads"]["POST"]
JSON_TYPE = {"Content-Type": "application/json"}


@fuzz_settings(EXAMPLES * 6)
@given(
    body=st.one_of(
        # NaN and the infinities as Python's json writes them (and reads them back)
        bodies().map(lambda body: {"content": json.dumps(body), "headers": JSON_TYPE}),
        form_payloads().map(lambda form: {"data": form}),
        st.binary(max_size=40).map(lambda raw: {"content": raw, "headers": JSON_TYPE}),
    ),
    role=st.sampled_from(["admin", "admin", "admin", "rep", "auditor"]),
    idempotency=st.none() | st.from_regex(r"[!-~]([ -~]{0,250}[!-~])?", fullmatch=True),
)
def test_intake(site: Site, body: dict[str, Any], role: str, idempotency: str | None) -> None:
    """Any lead body, JSON, form or bytes, to the intake: a documented answer, never a 5xx."""
    headers = {**body.pop("headers", {}), **site.keys[role]}
    if idempotency is not None:
        headers["Idempotency-Key"] = idempotency
    response = answered(
        "intake", lambda: site.client.post("/api/v1/leads", headers=headers, **body)
    )
    INTAKE.Case().validate_response(response, checks=CHECKS, headers=headers)


# Documents that JSON allows and a database may not store, or that Python reads only so far;
# each on SQLite and PostgreSQL (the fuzz above runs on SQLite alone).
HOSTILE: dict[str, bytes] = {
    "NaN in a standard field": b'{"email": "a@b.co", "budget": NaN}',
    "Infinity in a custom field": b'{"email": "a@b.co", "spend": Infinity}',
    "a number that reads as infinity": b'{"email": "a@b.co", "budget": 1e999999}',
    "a number past every float": b'{"email": "a@b.co", "budget": 1' + b"0" * 400 + b"}",
    "a score past every float": b'{"email": "a@b.co", "score": -1' + b"0" * 400 + b"}",
    "NaN as the score": b'{"email": "a@b.co", "score": NaN}',
    "a number past Python's 4300 digits": b'{"email": "a@b.co", "budget": 1' + b"0" * 5000 + b"}",
    "NUL in the email": b'{"email": "a@b.co\\u0000"}',
    "NUL in a custom value and name": b'{"email": "a@b.co", "x\\u0000": "\\u0000"}',
    "a lone surrogate": b'{"email": "a@b.co", "name": "\\ud800"}',
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_intake_documents_get_a_documented_answer(database_url: str, case: str) -> None:
    for service in make_service(database_url, **SITE_OPTIONS):
        headers = {**service.admin, **JSON_TYPE}
        response = service.client.post("/api/v1/leads", content=HOSTILE[case], headers=headers)
        INTAKE.Case().validate_response(response, checks=CHECKS, headers=headers)


def test_a_body_that_is_not_utf8_gets_a_documented_refusal(site: Site) -> None:
    headers = {**site.keys["admin"], **JSON_TYPE}
    response = site.client.post("/api/v1/accounts", content=b"\xff", headers=headers)
    operation = schema["/api/v1/accounts"]["POST"]
    operation.Case().validate_response(response, checks=CHECKS, headers=headers)


@pytest.mark.parametrize("source", ["王芳", "web form " * 25])
def test_a_chart_draws_any_group_name(tmp_path: Path, source: str) -> None:
    for service in make_service(f"sqlite:///{tmp_path / 'chart.db'}", **SITE_OPTIONS):
        service.post_lead(email="ana@acme.com", source=source)
        chart = service.client.get("/api/v1/reports/chart?by=source", headers=service.admin)
        assert chart.status_code == 200


@pytest.mark.parametrize(
    "query", ["offset=9223372036854775808", "from=0001-01-01T00:00:00%2B00:01"]
)
def test_lead_list_values_past_the_database_are_refused(site: Site, query: str) -> None:
    response = site.client.get(f"/api/v1/leads?{query}", headers=site.keys["admin"])
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("lifetime", ["3650000d", "9999999999999d"])
def test_a_key_lifetime_past_the_calendar_is_refused(site: Site, lifetime: str) -> None:
    body = {"role": "auditor", "expires_in": lifetime}
    response = site.client.post("/api/v1/keys", json=body, headers=site.keys["admin"])
    assert response.status_code == 422, response.text
