"""Accounts through HTTP (docs/ACCOUNTS.md): CRUD, CSV import, matching, and `owner_of:
account` routing with the match in the trace, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from leadroute.services.accounts import match_for
from leadroute.services.principals import Role
from leadroute.storage.tables import AccountDomain, LeadRow
from tests.api.calls import lead, ok, post, refused, serve_routing
from tests.api.conftest import Service

ROUTING = """\
timezone: America/New_York
reps:
  - {id: ana, teams: [sdr]}
  - {id: bob, teams: [sdr]}
  - {id: cho, teams: [sdr]}
routing:
  - name: account owner
    assign: {owner_of: account}
  - name: rotation
    assign: {team: sdr, select: round_robin}
fallback: {pool: unassigned}
"""
ACME: dict[str, Any] = {
    "id": "acme",
    "name": "Acme Inc.",
    "domains": ["https://www.Acme.com/", "acme.io"],
    "owner": "cho",
    "external_id": "crm-1",
}


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[Service]:
    yield from serve_routing(database_url, tmp_path, ROUTING)


def create(service: Service, **body: Any) -> Any:
    return service.client.post("/api/v1/accounts", json=body, headers=service.admin)


def patch(service: Service, account_id: str, **body: Any) -> Any:
    return service.client.patch(f"/api/v1/accounts/{account_id}", json=body, headers=service.admin)


def upload(service: Service, text: str, name: str = "accounts.csv") -> dict[str, Any]:
    files = {"file": (name, text.encode(), "text/csv")}
    return ok(service.client.post("/api/v1/accounts/import", files=files, headers=service.admin))


def test_accounts_are_created_read_listed_changed_and_deleted(service: Service) -> None:
    made = ok(create(service, **ACME), 201)
    assert {k: made[k] for k in ("id", "name", "domains", "owner", "external_id")} == {
        **ACME,
        "domains": ["acme.com", "acme.io"],
    }
    ok(create(service, name="Globex GmbH"), 201)
    got = ok(service.client.get("/api/v1/accounts/acme", headers=service.admin))
    assert got == made
    listed = ok(service.client.get("/api/v1/accounts", headers=service.admin))
    assert listed["total"] == 2
    assert [a["name"] for a in listed["accounts"]] == ["Acme Inc.", "Globex GmbH"]
    assert listed["accounts"][1]["id"].startswith("acc_")
    found = ok(service.client.get("/api/v1/accounts?q=acme.io", headers=service.admin))
    assert [a["id"] for a in found["accounts"]] == ["acme"]
    changed = ok(patch(service, "acme", owner="bob", domains=["acme.com"]))
    assert (changed["owner"], changed["domains"], changed["name"]) == (
        "bob",
        ["acme.com"],
        ACME["name"],
    )
    assert ok(patch(service, "acme", owner=None))["owner"] is None
    assert service.client.delete("/api/v1/accounts/acme", headers=service.admin).status_code == 204
    assert refused(service.client.get("/api/v1/accounts/acme", headers=service.admin), 404) == (
        "no account acme"
    )
    with service.runtime.database.reading() as session:
        assert list(session.scalars(select(AccountDomain.domain))) == []


def test_bad_accounts_are_refused_with_the_field_named(service: Service) -> None:
    response = create(service, name="Acme", owner="zed", domains=["gmail.com", "nope"])
    assert response.status_code == 422, response.text
    assert response.json()["problems"] == [
        {"path": "owner", "message": "unknown rep zed"},
        {"path": "domains[0]", "message": "gmail.com is a free-mail domain: it names no company"},
        {"path": "domains[1]", "message": "'nope' is not a domain"},
    ]
    ok(create(service, **ACME), 201)
    assert refused(create(service, id="acme", name="Other"), 409) == "account acme exists already"
    assert refused(create(service, name="Other", domains=["ACME.io"]), 409) == (
        "domain acme.io belongs to account acme"
    )
    assert refused(create(service, name="Other", external_id="crm-1"), 409) == (
        "external_id crm-1 belongs to account acme"
    )
    assert patch(service, "acme", id="other").status_code == 422
    assert patch(service, "acme", owner="zed").json()["problems"] == [
        {"path": "owner", "message": "unknown rep zed"}
    ]
    assert refused(patch(service, "nobody", name="X"), 404) == "no account nobody"


def test_an_offset_past_the_database_integers_is_refused_not_a_server_error(
    service: Service,
) -> None:
    # Found by tests/fuzz: SQLite cannot bind an int past 2**63 (OverflowError, a 500).
    far = service.client.get(f"/api/v1/accounts?offset={2**63}", headers=service.admin)
    assert far.status_code == 422, far.text
    assert far.json()["problems"][0]["path"] == "query.offset"


def test_reps_read_accounts_and_only_managers_write_them(service: Service) -> None:
    ok(create(service, **ACME), 201)
    rep = service.key(Role.REP, "ana")
    assert ok(service.client.get("/api/v1/accounts", headers=rep))["total"] == 1
    response = service.client.post("/api/v1/accounts", json={"name": "X"}, headers=rep)
    assert response.status_code == 403
    manager = service.key(Role.MANAGER)
    assert (
        service.client.post("/api/v1/accounts", json={"name": "X"}, headers=manager).status_code
        == 201
    )
    assert service.client.delete("/api/v1/accounts/acme", headers=rep).status_code == 403


def test_a_csv_import_stores_good_rows_lists_bad_ones_and_updates_on_a_rerun(
    service: Service,
) -> None:
    text = (
        "Name,Domains,Owner,External_ID\n"
        "Acme Inc.,acme.com; mail.acme.io,cho,crm-1\n"
        "Müller GmbH,mueller.de muller.de,bob,crm-2\n"
        "Ghost Corp,ghost.io,zed,crm-3\n"
        ",nameless.com,,crm-4\n"
        "Initech,,,\n"
        "Free Mail,gmail.com,,crm-5\n"
    )
    summary = upload(service, text)
    assert summary == {
        "rows": 6,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "refused": [
            {"line": 4, "reason": "owner: unknown rep zed"},
            {"line": 5, "reason": "name: required"},
            {
                "line": 7,
                "reason": "domains[0]: gmail.com is a free-mail domain: it names no company",
            },
        ],
    }
    again = upload(
        service, text.replace("Müller GmbH,mueller.de muller.de,bob", "Müller AG,mueller.de,ana")
    )
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 2)
    listed = ok(service.client.get("/api/v1/accounts", headers=service.admin))["accounts"]
    assert {a["name"]: (a["domains"], a["owner"]) for a in listed} == {
        "Acme Inc.": (["acme.com", "mail.acme.io"], "cho"),
        "Müller AG": (["mueller.de"], "ana"),
        "Initech": ([], None),
    }
    bad = service.client.post(
        "/api/v1/accounts/import",
        files={"file": ("a.csv", b"name,website\nAcme,acme.com\n", "text/csv")},
        headers=service.admin,
    )
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["path"] == "a.csv: column 'website'"


def test_owner_of_account_routes_to_the_owner_with_the_match_in_the_trace(
    service: Service,
) -> None:
    ok(create(service, **ACME), 201)
    ok(create(service, id="muller", name="Müller GmbH", owner="bob"), 201)
    by_domain = post(service, email="jane@mail.acme.com", name="Jane")
    assert (by_domain["owner"], by_domain["decision"]["rule"]) == ("cho", "account owner")
    assert by_domain["decision"]["reason"] == (
        "account owner: cho (owns account Acme Inc. (domain mail.acme.com under acme.com))"
    )
    by_name = post(service, email="hans@gmail.com", company="MULLER", name="Hans")
    assert by_name["owner"] == "bob"
    assert "owns account Müller GmbH (name match 100)" in by_name["decision"]["reason"]
    trace = lead(service, by_name["id"])["decision"]["trace"]
    assert trace[0] == {
        "rule": "intake",
        "matched": True,
        "why": "account Müller GmbH [muller] by name match 100, owned by bob",
    }
    assert trace[1]["candidates"][0]["why"] == "owns account Müller GmbH (name match 100)"
    # Changes are seen at once: the cached name book is rebuilt after each change.
    ok(patch(service, "muller", owner="ana"), 200)
    assert post(service, company="Müller", email="h2@gmail.com")["owner"] == "ana"
    ok(create(service, id="nestle", name="Nestlé S.A.", owner="cho"), 201)
    near = post(service, company="Nestle, S. A. de C.V.", email="x@yahoo.com")
    assert near["owner"] == "cho"
    service.client.delete("/api/v1/accounts/nestle", headers=service.admin)
    # Without the account, the owner of the earlier Nestlé lead still gets the next one.
    after = post(service, company="Nestle", email="y@yahoo.com")
    assert after["decision"]["reason"] == "account owner: cho (owns this account (account))"


def test_an_account_without_owner_is_named_in_the_trace(service: Service) -> None:
    ok(create(service, name="Initech LLC", domains=["initech.com"]), 201)
    posted = post(service, email="peter@initech.com")
    assert posted["decision"]["rule"] == "rotation"
    intake, first = (step["why"] for step in lead(service, posted["id"])["decision"]["trace"][:2])
    assert intake.startswith("account Initech LLC [")
    assert intake.endswith("by domain initech.com, no owner")
    assert first == (
        "matched; account Initech LLC (domain initech.com) has no owner; "
        "no earlier lead of this account; next rule"
    )


def test_match_for_and_the_match_endpoint(service: Service) -> None:
    ok(create(service, **ACME), 201)
    body = ok(
        service.client.post(
            "/api/v1/accounts/match", json={"company": "ACME, Inc"}, headers=service.admin
        )
    )
    assert body["match"] == {
        "account": {"id": "acme", "name": "Acme Inc.", "owner": "cho"},
        "how": "name",
        "score": 100.0,
        "text": "ACME, Inc",
        "matched": "Acme Inc.",
        "describe": "name match 100",
    }
    none = {"email": "x@gmail.com", "company": "Acme Widgets"}
    assert ok(service.client.post("/api/v1/accounts/match", json=none, headers=service.admin)) == {
        "match": None
    }
    with service.runtime.database.reading() as session:
        found = match_for(session, {"email": "x@acme.io"})
        assert found is not None
        assert (found.account.id, found.how, found.matched) == ("acme", "domain", "acme.io")
        assert match_for(session, {"company": "Acme Robotic"}, threshold=50) is not None
        assert match_for(session, {"company": "Acme Robotic"}) is None


def test_deleting_an_account_clears_it_from_its_leads(service: Service) -> None:
    ok(create(service, **ACME), 201)
    posted = post(service, email="a@acme.com")
    with service.runtime.database.writing() as session:
        row = session.get(LeadRow, posted["id"])
        assert row is not None
        row.account_id = "acme"
    assert service.client.delete("/api/v1/accounts/acme", headers=service.admin).status_code == 204
    with service.runtime.database.reading() as session:
        assert session.scalar(select(LeadRow.account_id).where(LeadRow.id == posted["id"])) is None
