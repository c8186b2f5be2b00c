"""Browser tests: a live `leadroute serve` on loopback (a subprocess on a free port, SQLite in a
temp directory, examples/pools) driven by Playwright in Debian's Chromium, headless.

Chromium comes from LEADROUTE_CHROMIUM or /usr/bin/chromium (scripts/test installs it). Without
it the tests skip, except on CI (CI=true) where they fail. A failing test leaves a screenshot of
its page in test-results/browser/.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.databases import in_ci

ROOT = Path(__file__).parents[2]
ROUTING = ROOT / "examples" / "pools" / "routing.yaml"
SHOTS = ROOT / "test-results" / "browser"
PASSWORD = "correct horse battery"
NO_CHROMIUM = (
    "no Chromium: scripts/test installs Debian's chromium with apt-get "
    "(or set LEADROUTE_CHROMIUM to a Chromium binary)"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_KEY = re.compile(r"lr_[0-9a-f]+_[A-Za-z0-9_-]+")


@dataclass(frozen=True, kw_only=True)
class Server:
    """A running `leadroute serve`: its address, database and the admin key it printed."""

    url: str
    database: str
    admin_key: str
    directory: Path

    def leadroute(self, *args: str) -> str:
        """Run a `leadroute` command on this server's database; its output."""
        done = subprocess.run(
            [sys.executable, "-m", "leadroute", *args, "--database", self.database],
            capture_output=True,
            text=True,
            cwd=self.directory,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr

    def user(self, username: str, role: str, rep: str | None = None) -> str:
        more = ["--rep", rep] if rep else []
        self.leadroute(
            "users", "create", "--username", username, "--password", PASSWORD, "--role", role, *more
        )
        return username

    def post_lead(self, **fields: object) -> dict[str, object]:
        answer = httpx.post(
            f"{self.url}/api/v1/leads",
            json=fields,
            headers={"Authorization": f"Bearer {self.admin_key}"},
        )
        assert answer.status_code == 201, answer.text
        body: dict[str, object] = answer.json()
        return body


def chromium_path() -> str | None:
    named = os.environ.get("LEADROUTE_CHROMIUM")
    if named:
        return named
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    path = chromium_path()
    if path is None:
        if in_ci():
            pytest.fail(NO_CHROMIUM, pytrace=False)
        pytest.skip(NO_CHROMIUM)
    with sync_playwright() as playwright:
        yield _launch(playwright, path)


def _launch(playwright: Playwright, path: str) -> Browser:
    return playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A fresh server per test: its own SQLite file and port."""
    port = _free_port()
    database = f"sqlite:///{tmp_path}/leadroute.db"
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "leadroute",
            "serve",
            "--routing",
            str(ROUTING),
            "--database",
            database,
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, tmp_path / "serve.log")
        found = _KEY.search((tmp_path / "serve.log").read_text())
        assert found is not None, "serve printed no admin key"
        yield Server(url=url, database=database, admin_key=found.group(0), directory=tmp_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A new browser context (no cookies) at desktop size; a screenshot when the test fails."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        for index, each in enumerate(context.pages):
            each.screenshot(path=str(SHOTS / f"{name}-{index}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if call.when == "call":
        item.report_call = report  # type: ignore[attr-defined]
    return report


def sign_in(page: Page, server: Server, username: str) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{server.url}/")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"leadroute serve exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"leadroute serve did not answer within 30 s:\n{log.read_text()}")
