"""Browser tests: a live `leadroute serve` on loopback (tests/browser/live.py) driven by
Playwright in Debian's Chromium, headless.

Chromium comes from LEADROUTE_CHROMIUM or /usr/bin/chromium (scripts/test installs it). Without
it the tests skip, except on CI (CI=true) where they fail. A failing test leaves a screenshot of
its pages in test-results/browser/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.live import ROOT, Server, chromium_path, launch, running
from tests.databases import in_ci

SHOTS = ROOT / "test-results" / "browser"
NO_CHROMIUM = (
    "no Chromium: scripts/test installs Debian's chromium with apt-get "
    "(or set LEADROUTE_CHROMIUM to a Chromium binary)"
)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    path = chromium_path()
    if path is None:
        if in_ci():
            pytest.fail(NO_CHROMIUM, pytrace=False)
        pytest.skip(NO_CHROMIUM)
    with sync_playwright() as playwright:
        yield launch(playwright, path)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A fresh server per test on examples/pools: its own SQLite file and port."""
    with running(tmp_path) as live:
        yield live


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
