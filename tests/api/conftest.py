"""A running service per test (SQLite and PostgreSQL): runtime, app, HTTP client, keys."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from leadroute.api.app import create_app
from leadroute.bootstrap import start
from leadroute.services.keys import create_key
from leadroute.services.principals import Role
from leadroute.services.runtime import Runtime
from leadroute.settings import Settings
from leadroute.storage.database import connect
from leadroute.storage.migrations.runner import upgrade

# A Tuesday, 17:00 UTC: inside every default rep's working hours (Los Angeles to London).
T0 = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)


@dataclass(kw_only=True)
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass(kw_only=True)
class Service:
    runtime: Runtime
    client: TestClient
    clock: Clock
    admin: dict[str, str] = field(default_factory=dict)

    def key(self, role: Role | str, rep: str | None = None) -> dict[str, str]:
        """Authorization headers for a new key of this role (and rep)."""
        with self.runtime.database.writing() as session:
            made = create_key(
                session, role=Role(role), rep_id=rep, now=self.clock.now, actor="test"
            )
        return {"Authorization": f"Bearer {made.secret}"}

    def post_lead(
        self, headers: dict[str, str] | None = None, **fields: object
    ) -> dict[str, object]:
        response = self.client.post("/api/v1/leads", json=fields, headers=headers or self.admin)
        assert response.status_code == 201, response.text
        body: dict[str, object] = response.json()
        return body


def make_service(
    database_url: str, routing: Path | None = None, **options: Any
) -> Iterator[Service]:
    settings = Settings(database_url=database_url, routing=routing, **options)
    clock = Clock()
    runtime = start_migrated(settings, clock)
    client = TestClient(create_app(runtime, settings, clock=clock))
    service = Service(runtime=runtime, client=client, clock=clock)
    service.admin = service.key(Role.ADMIN)
    try:
        yield service
    finally:
        client.close()
        runtime.database.dispose()


def start_migrated(settings: Settings, clock: Clock) -> Runtime:
    """`start`, after migrating (PostgreSQL is not migrated by start itself)."""
    database = connect(settings.database_url)
    upgrade(database)
    database.dispose()
    return start(settings, clock=clock)


@pytest.fixture
def service(database_url: str) -> Iterator[Service]:
    """The service on the packaged default routing file, on SQLite and on PostgreSQL."""
    yield from make_service(database_url)
