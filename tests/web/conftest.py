"""The whole site (API + dashboard) per test, on SQLite and PostgreSQL, with signed-in browsers
(TestClient over https so the Secure session cookie is sent back)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from leadroute.services.principals import Role
from leadroute.services.users import create_user
from leadroute.settings import Settings
from leadroute.web.site import create_site
from tests.api.conftest import Clock, Service, start_migrated

ROOT = Path(__file__).parents[2]
POOLS = ROOT / "examples" / "pools" / "routing.yaml"
PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass(kw_only=True)
class Browser:
    """One signed-in person: a cookie jar and the CSRF token of their session."""

    client: TestClient
    csrf: str = ""

    def get(self, path: str, **options: Any) -> httpx2.Response:
        return self.client.get(path, **options)

    def post(
        self, path: str, data: dict[str, Any] | None = None, **options: Any
    ) -> httpx2.Response:
        """A form post with the session's CSRF token, not following the redirect."""
        return self.client.post(
            path, data={"csrf": self.csrf, **(data or {})}, follow_redirects=False, **options
        )

    def htmx(self, path: str, data: dict[str, Any] | None = None) -> httpx2.Response:
        """A post as htmx sends it: the CSRF token in a header."""
        return self.client.post(
            path,
            data=data or {},
            headers={"HX-Request": "true", "X-CSRF-Token": self.csrf},
            follow_redirects=False,
        )


@dataclass(kw_only=True)
class Site(Service):
    app: FastAPI
    users: list[str] = field(default_factory=list)

    def browser(self) -> Browser:
        return Browser(client=TestClient(self.app, base_url="https://testserver"))

    def sign_in(self, role: Role | str, rep: str | None = None) -> Browser:
        """A new user of this role (and rep) signed in through the login form."""
        username = f"{Role(role).value}-{rep or len(self.users)}"
        with self.runtime.database.writing() as session:
            create_user(
                session,
                username=username,
                password=PASSWORD,
                role=Role(role),
                rep_id=rep,
                now=self.clock.now,
                actor="test",
            )
        self.users.append(username)
        browser = self.browser()
        form = browser.get("/login")
        token = _CSRF.search(form.text)
        assert token is not None, form.text
        answer = browser.client.post(
            "/login",
            data={"csrf": token.group(1), "username": username, "password": PASSWORD},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        page = browser.get("/")
        found = _CSRF.search(page.text)
        assert found is not None, page.text
        browser.csrf = found.group(1)
        return browser


def make_site(database_url: str, routing: Path | None = None, **options: Any) -> Iterator[Site]:
    settings = Settings(database_url=database_url, routing=routing, **options)
    clock = Clock()
    runtime = start_migrated(settings, clock)
    app = create_site(runtime, settings, clock=clock)
    client = TestClient(app, base_url="https://testserver")
    site = Site(runtime=runtime, client=client, clock=clock, app=app)
    site.admin = site.key(Role.ADMIN)
    try:
        yield site
    finally:
        client.close()
        runtime.database.dispose()


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    """The site on the packaged default routing file."""
    yield from make_site(database_url)


@pytest.fixture
def pool_site(database_url: str) -> Iterator[Site]:
    """The site on examples/pools (cherry-pick and blind pools)."""
    yield from make_site(database_url, POOLS)
