"""The authorization matrix: every API operation called by every kind of caller, the answer of
each cell written in MATRIX below.

Callers: the five roles; a rep on their own lead or pool (`rep:own`, ana) and a rep on someone
else's (`rep:other`, cy, who is in no pool of ana's and owns none of her leads); no key; a
revoked and an expired admin key (revocation and expiry beat the role). A cell that should
change something (2xx of a write) runs on its own copy of the prepared database, so every cell
sees the same state; the refusals of one operation share one copy.

`test_the_matrix_covers_every_operation` fails when an operation is added to the API without a
row here, so the table cannot fall behind the schema.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from leadroute.api.app import create_app
from leadroute.bootstrap import start
from leadroute.services.keys import create_key, revoke_key
from leadroute.services.principals import Role
from leadroute.settings import Settings
from leadroute.storage.outbox_tables import DeliveryRow
from tests.api.conftest import Clock, start_migrated

CALLERS = ("admin", "manager", "intake", "auditor", "rep:own", "rep:other", "none", "revoked",
           "expired")  # fmt: skip

# operation                                    admin mgr intake audit own other none revok expir
MATRIX = """
GET    /healthz                                 200  200  200  200  200  200  200  200  200
POST   /api/v1/leads                            201  201  201  403  403  403  401  401  401
GET    /api/v1/leads                            200  200  403  200  200  200  401  401  401
GET    /api/v1/leads/{owned}                    200  200  403  200  200  404  401  401  401
POST   /api/v1/leads/{owned}/events             200  200  403  403  200  404  401  401  401
POST   /api/v1/leads/{owned}/assign             200  200  403  403  403  403  401  401  401
POST   /api/v1/leads/{owned}/activities         201  201  201  403  403  403  401  401  401
GET    /api/v1/leads/{owned}/export             200  200  403  403  403  403  401  401  401
DELETE /api/v1/leads/{owned}                    200  403  403  403  403  403  401  401  401
GET    /api/v1/pools                            200  200  403  200  200  200  401  401  401
GET    /api/v1/pools/{pool}                     200  200  403  200  200  404  401  401  401
POST   /api/v1/pools/{pool}/claim               200  200  403  403  200  404  401  401  401
POST   /api/v1/leads/{pooled}/claim             200  200  403  403  200  404  401  401  401
POST   /api/v1/leads/{offered}/accept           200  200  403  403  200  404  401  401  401
POST   /api/v1/leads/{offered}/decline          200  200  403  403  200  404  401  401  401
GET    /api/v1/routing                          200  200  403  200  403  403  401  401  401
PUT    /api/v1/routing                          200  200  403  403  403  403  401  401  401
GET    /api/v1/routing/versions                 200  200  403  200  403  403  401  401  401
GET    /api/v1/routing/versions/{version}       200  200  403  200  403  403  401  401  401
POST   /api/v1/routing/preview                  200  200  403  200  403  403  401  401  401
GET    /api/v1/reps                             200  200  403  200  200  200  401  401  401
POST   /api/v1/reps                             201  201  403  403  403  403  401  401  401
GET    /api/v1/reps/{rep}                       200  200  403  200  200  403  401  401  401
PATCH  /api/v1/reps/{rep}                       200  200  403  403  403  403  401  401  401
PUT    /api/v1/reps/{rep}/availability          200  200  403  403  200  403  401  401  401
GET    /api/v1/accounts                         200  200  403  200  200  200  401  401  401
POST   /api/v1/accounts                         201  201  403  403  403  403  401  401  401
GET    /api/v1/accounts/{account}               200  200  403  200  200  200  401  401  401
PATCH  /api/v1/accounts/{account}               200  200  403  403  403  403  401  401  401
DELETE /api/v1/accounts/{account}               204  204  403  403  403  403  401  401  401
POST   /api/v1/accounts/import                  200  200  403  403  403  403  401  401  401
POST   /api/v1/accounts/match                   200  200  403  200  200  200  401  401  401
GET    /api/v1/webhooks                         200  403  403  403  403  403  401  401  401
POST   /api/v1/webhooks                         201  403  403  403  403  403  401  401  401
DELETE /api/v1/webhooks/{webhook}               204  403  403  403  403  403  401  401  401
GET    /api/v1/deliveries                       200  200  403  200  403  403  401  401  401
GET    /api/v1/deliveries/{delivery}            200  200  403  200  403  403  401  401  401
POST   /api/v1/deliveries/{delivery}/resend     409  409  403  403  403  403  401  401  401
GET    /api/v1/reports/summary                  200  200  403  200  403  403  401  401  401
GET    /api/v1/reports/summary.csv              200  200  403  200  403  403  401  401  401
GET    /api/v1/reports/chart                    200  200  403  200  403  403  401  401  401
GET    /api/v1/reports/experiments              200  200  403  200  403  403  401  401  401
GET    /api/v1/reports/experiments/{experiment} 404  404  403  404  403  403  401  401  401
GET    /api/v1/keys                             200  403  403  403  403  403  401  401  401
POST   /api/v1/keys                             201  403  403  403  403  403  401  401  401
DELETE /api/v1/keys/{key}                       204  403  403  403  403  403  401  401  401
GET    /api/v1/sources                          200  403  403  403  403  403  401  401  401
POST   /api/v1/sources                          201  403  403  403  403  403  401  401  401
DELETE /api/v1/sources/{source}                 204  403  403  403  403  403  401  401  401
"""

ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sales], hours: always}
  - {id: ben, teams: [sales], hours: always}
  - {id: cy, teams: [closers], hours: always}
pools:
  open: {members: [team:sales], order: fifo}
routing:
  - name: to ana
    when: {field: route, eq: ana}
    assign: {rep: ana, select: hunt}
  - name: offered to ana
    when: {field: route, eq: offer}
    assign: {rep: ana, select: hunt, offer: {timeout: 1h}}
  - name: pooled
    when: {field: route, eq: pool}
    pool: open
fallback: {pool: open}
"""

# What each call sends; a callable gets the caller, for calls whose body names a rep.
MANAGING = ("admin", "manager")
BODIES: dict[str, object] = {
    "POST /api/v1/leads": {"name": "New Lead", "email": "new@example.com", "route": "ana"},
    "POST /api/v1/leads/{owned}/events": {"type": "touched"},
    "POST /api/v1/leads/{owned}/assign": {"rep": "ben", "reason": "covering for ana"},
    "POST /api/v1/leads/{owned}/activities": {"type": "email_opened"},
    "POST /api/v1/pools/{pool}/claim": lambda who: {"rep": "ana"} if who in MANAGING else None,
    "POST /api/v1/leads/{pooled}/claim": lambda who: {"rep": "ana"} if who in MANAGING else None,
    "PUT /api/v1/routing": ROUTING + "# edited\n",
    "POST /api/v1/routing/preview": {"email": "p@example.com", "route": "pool"},
    "POST /api/v1/reps": {"id": "dee", "teams": ["sales"], "hours": "always"},
    "PATCH /api/v1/reps/{rep}": {"weight": 2},
    "PUT /api/v1/reps/{rep}/availability": {"status": "away"},
    "POST /api/v1/accounts": {"name": "Globex", "domains": ["globex.com"]},
    "PATCH /api/v1/accounts/{account}": {"name": "Acme Corporation"},
    "POST /api/v1/accounts/import": b"name,domains\nInitech,initech.com\n",
    "POST /api/v1/accounts/match": {"email": "someone@acme.com"},
    "POST /api/v1/webhooks": {"url": "http://127.0.0.1:9/other", "events": ["lead.won"]},
    "POST /api/v1/keys": {"role": "auditor"},
    "POST /api/v1/sources": {"name": "other-partner"},
}
QUERIES = {
    "GET /api/v1/reports/chart": {"by": "rep", "metric": "leads"},
}


@dataclass(frozen=True, kw_only=True)
class Row:
    method: str
    path: str
    expected: dict[str, int]

    @property
    def operation(self) -> str:
        return f"{self.method} {self.path}"


def rows() -> list[Row]:
    parsed = []
    for line in MATRIX.strip().splitlines():
        method, path, *codes = line.split()
        assert len(codes) == len(CALLERS), line
        parsed.append(
            Row(method=method, path=path, expected=dict(zip(CALLERS, map(int, codes), strict=True)))
        )
    return parsed


@dataclass(frozen=True, kw_only=True)
class Prepared:
    """A database file with every kind of caller's key and something of each kind to call on."""

    database: Path
    routing: Path
    headers: dict[str, dict[str, str]]
    ids: dict[str, str]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    folder = tmp_path_factory.mktemp("matrix")
    routing = folder / "routing.yaml"
    routing.write_text(ROUTING, encoding="utf-8")
    database = folder / "prepared.db"
    clock = Clock()
    settings = _settings(database, routing)
    runtime = start_migrated(settings, clock)
    headers: dict[str, dict[str, str]] = {"none": {}}
    with runtime.database.writing() as session:
        for name, role, rep in (
            ("admin", Role.ADMIN, None),
            ("manager", Role.MANAGER, None),
            ("intake", Role.INTAKE, None),
            ("auditor", Role.AUDITOR, None),
            ("rep:own", Role.REP, "ana"),
            ("rep:other", Role.REP, "cy"),
            ("revoked", Role.ADMIN, None),
            ("spare", Role.AUDITOR, None),
        ):
            made = create_key(session, role=role, rep_id=rep, now=clock.now, actor="test")
            headers[name] = {"Authorization": f"Bearer {made.secret}"}
            if name == "revoked":
                revoke_key(session, made.key_id, now=clock.now, actor="test")
            if name == "spare":
                spare_key = made.key_id
        expired = create_key(
            session,
            role=Role.ADMIN,
            now=clock.now,
            actor="test",
            expires_at=clock.now - timedelta(seconds=1),
        )
        headers["expired"] = {"Authorization": f"Bearer {expired.secret}"}
    client = TestClient(create_app(runtime, settings, clock=clock))
    admin = headers["admin"]

    def created(method: str, path: str, json: object, status: int = 201) -> dict[str, Any]:
        answer = client.request(method, path, json=json, headers=admin)
        assert answer.status_code == status, answer.text
        body: dict[str, Any] = answer.json()
        return body

    webhook = created("POST", "/api/v1/webhooks", {"url": "http://127.0.0.1:9/hook",
                                                 "events": ["lead.created"]})  # fmt: skip
    created("POST", "/api/v1/sources", {"name": "partner", "require_signature": False})
    account = created("POST", "/api/v1/accounts", {"name": "Acme", "domains": ["acme.com"]})
    owned = created("POST", "/api/v1/leads", {"email": "own@acme.com", "route": "ana"})
    pooled = created("POST", "/api/v1/leads", {"email": "pool@example.com", "route": "pool"})
    offered = created("POST", "/api/v1/leads", {"email": "offer@example.com", "route": "offer"})
    assert (owned["owner"], pooled["pool"], offered["status"]) == ("ana", "open", "offered")
    with runtime.database.reading() as session:
        delivery = session.scalars(select(DeliveryRow.id).order_by(DeliveryRow.id)).first()
    assert delivery is not None
    client.close()
    runtime.database.dispose()
    return Prepared(
        database=database,
        routing=routing,
        headers=headers,
        ids={
            "owned": owned["id"],
            "pooled": pooled["id"],
            "offered": offered["id"],
            "pool": "open",
            "version": "1",
            "rep": "ana",
            "account": account["id"],
            "webhook": webhook["id"],
            "delivery": delivery,
            "experiment": "nope",
            "key": spare_key,
            "source": "partner",
        },
    )


def _settings(database: Path, routing: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{database}",
        routing=routing,
        allow_private_urls=True,
        rate_limit_per_minute=0,
    )


class Copy:
    """A running app on a copy of the prepared database."""

    def __init__(self, prepared: Prepared, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        database = folder / "leadroute.db"
        shutil.copyfile(prepared.database, database)
        settings = _settings(database, prepared.routing)
        self.runtime = start(settings, clock=Clock())
        self.client = TestClient(create_app(self.runtime, settings, clock=Clock()))

    def close(self) -> None:
        self.client.close()
        self.runtime.database.dispose()


def call(client: TestClient, prepared: Prepared, row: Row, caller: str) -> int:
    path = row.path.format(**prepared.ids)
    headers = dict(prepared.headers[caller])
    body = BODIES.get(row.operation)
    if callable(body):
        body = body(caller)
    options: dict[str, Any] = {"params": QUERIES.get(row.operation)}
    if isinstance(body, bytes):
        options["files"] = {"file": ("accounts.csv", body, "text/csv")}
    elif isinstance(body, str):
        options["content"] = body.encode()
        headers["Content-Type"] = "application/yaml"
    elif body is not None:
        options["json"] = body
    return client.request(row.method, path, headers=headers, **options).status_code


def changes_state(row: Row, status: int) -> bool:
    return row.method != "GET" and 200 <= status < 300


@pytest.mark.parametrize("row", rows(), ids=lambda row: row.operation)
def test_every_caller_gets_the_answer_in_the_matrix(
    row: Row, prepared: Prepared, tmp_path: Path
) -> None:
    shared = Copy(prepared, tmp_path / "shared")
    seen: dict[str, int] = {}
    try:
        for number, caller in enumerate(CALLERS):
            if changes_state(row, row.expected[caller]):
                own = Copy(prepared, tmp_path / f"cell-{number}")
                try:
                    seen[caller] = call(own.client, prepared, row, caller)
                finally:
                    own.close()
            else:
                seen[caller] = call(shared.client, prepared, row, caller)
    finally:
        shared.close()
    wrong = {caller: f"{seen[caller]} (expected {code})"
             for caller, code in row.expected.items() if seen[caller] != code}  # fmt: skip
    assert not wrong, f"{row.operation}: {wrong}"


def test_the_matrix_covers_every_operation(prepared: Prepared) -> None:
    copy = Copy(prepared, prepared.database.parent / "schema")
    try:
        schema = copy.client.app.openapi()  # type: ignore[attr-defined]
    finally:
        copy.close()
    operations = {
        f"{method.upper()} {path}"
        for path, methods in schema["paths"].items()
        for method in methods
    }
    in_matrix = {f"{row.method} {_schema_path(row.path)}" for row in rows()}
    assert operations == in_matrix


def _schema_path(path: str) -> str:
    """The matrix names its sample objects; the schema names the parameters."""
    names = {"owned": "lead_id", "pooled": "lead_id", "offered": "lead_id", "rep": "rep_id",
             "account": "account_id", "webhook": "webhook_id", "delivery": "delivery_id",
             "experiment": "name", "key": "key_id", "source": "name", "pool": "pool",
             "version": "version"}  # fmt: skip
    for sample, parameter in names.items():
        path = path.replace("{" + sample + "}", "{" + parameter + "}")
    return path
