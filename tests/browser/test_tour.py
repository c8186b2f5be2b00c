"""Every dashboard page, as a manager and as a rep, at desktop and phone widths: it answers
without an error, fits a 390 px phone without sideways scrolling, loads nothing from another
host (no CDN), and raises no script error. `scripts/screenshots` saves the same tour as PNGs."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser

from tests.browser.live import running
from tests.browser.tour import DEFAULT_ROUTING, seed, stops, walk


def test_every_page_answers_fits_a_phone_and_loads_only_local_assets(
    browser: Browser, tmp_path: Path
) -> None:
    with running(tmp_path, routing=DEFAULT_ROUTING) as server:
        seen = list(walk(browser, server, stops(seed(server)), shots=None))
    assert len(seen) == 34
    trouble = [
        (each.stop.name, each.width, each.status, each.overflow, each.foreign, each.errors)
        for each in seen
        if each.status != 200 or each.overflow > 0 or each.foreign or each.errors
    ]
    assert trouble == []
