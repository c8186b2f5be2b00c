"""The dashboard tour: every page, as a manager and as a rep, on a server seeded with the demo
stream (the packaged default routing file), at desktop and phone widths.

`scripts/screenshots [DIR]` saves a PNG of each page at both widths (to look at them);
tests/browser/test_tour.py walks the same pages and checks each one: it answers without an
error, fits a phone without sideways scrolling, loads nothing from another host, and logs no
script error.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx
from playwright.sync_api import Browser, Error, Page, Request, sync_playwright

from tests.browser.live import ROOT, Server, chromium_path, launch, running, sign_in

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
MANAGER, REP, ADMIN = "maria", "sam", "ada"
DEFAULT_ROUTING = ROOT / "src" / "leadroute" / "defaults" / "routing.yaml"


@dataclass(frozen=True, kw_only=True)
class Stop:
    """One page of the tour: who looks at it, where, and what it is called in file names."""

    name: str
    who: str
    path: str


@dataclass(frozen=True, kw_only=True)
class Seen:
    stop: Stop
    width: str
    status: int
    overflow: int  # pixels the page is wider than the window
    foreign: list[str]  # requests to another host
    errors: list[str]  # script errors and failed requests


def seed(server: Server) -> dict[str, str]:
    """Users, the demo stream, two leads closed won and one lost; ids of leads to look at."""
    server.user(MANAGER, "manager")
    server.user(REP, "rep", rep="sam")
    server.user(ADMIN, "admin")
    server.leadroute("demo", "--count", "40")
    key = {"Authorization": f"Bearer {server.admin_key}"}
    listed = httpx.get(f"{server.url}/api/v1/leads?owner=sam&limit=10", headers=key).json()
    sams = [lead["id"] for lead in listed["leads"]]
    for lead_id, event in zip(
        sams, ({"type": "won", "amount": 1200}, {"type": "lost"}), strict=False
    ):
        httpx.post(f"{server.url}/api/v1/leads/{lead_id}/events", json=event, headers=key)
    pooled = httpx.get(f"{server.url}/api/v1/leads?pool=enterprise_queue&limit=1", headers=key)
    waiting = [lead["id"] for lead in pooled.json()["leads"]]
    return {"sams": sams[-1], "pooled": waiting[0] if waiting else sams[-1]}


def stops(ids: dict[str, str]) -> list[Stop]:
    lead, pooled = ids["sams"], ids["pooled"]
    return [
        Stop(name="login", who="", path="/login"),
        Stop(name="feed", who=MANAGER, path="/"),
        Stop(name="leads", who=MANAGER, path="/leads"),
        Stop(name="leads-filtered", who=MANAGER, path="/leads?status=routed&sort=score"),
        Stop(name="lead", who=MANAGER, path=f"/leads/{lead}"),
        Stop(name="lead-pooled", who=MANAGER, path=f"/leads/{pooled}"),
        Stop(name="reps", who=MANAGER, path="/reps"),
        Stop(name="pools", who=MANAGER, path="/pools"),
        Stop(name="pool", who=MANAGER, path="/pools/enterprise_queue"),
        Stop(name="routing", who=MANAGER, path="/routing"),
        Stop(name="preview", who=MANAGER, path="/routing/preview"),
        Stop(name="reports", who=MANAGER, path="/reports"),
        Stop(name="experiments", who=MANAGER, path="/experiments"),
        Stop(name="people", who=ADMIN, path="/people"),
        Stop(name="rep-home", who=REP, path="/"),
        Stop(name="rep-pools", who=REP, path="/pools"),
        Stop(name="rep-lead", who=REP, path=f"/leads/{lead}"),
    ]


def walk(browser: Browser, server: Server, tour: list[Stop], shots: Path | None) -> Iterator[Seen]:
    """Visit every stop at every width, signed in as its person; a screenshot each when asked."""
    host = urlparse(server.url).netloc
    for who in dict.fromkeys(stop.who for stop in tour):
        for width, (wide, high) in WIDTHS.items():
            context = browser.new_context(viewport={"width": wide, "height": high})
            page = context.new_page()
            watch = Watch(host=host)
            page.on("request", watch.request)
            page.on("pageerror", watch.page_error)
            page.on("requestfailed", watch.failed)
            if who:
                sign_in(page, server, who)
            for stop in (s for s in tour if s.who == who):
                watch.foreign, watch.errors = [], []
                status = _look(page, server, stop, width, shots)
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                yield Seen(
                    stop=stop,
                    width=width,
                    status=status,
                    overflow=int(overflow),
                    foreign=watch.foreign,
                    errors=watch.errors,
                )
            context.close()


@dataclass(kw_only=True)
class Watch:
    """What a page asked of other hosts, and the errors it hit, since the last stop."""

    host: str
    foreign: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def request(self, request: Request) -> None:
        parsed = urlparse(request.url)
        if parsed.scheme in ("http", "https", "ws", "wss") and parsed.netloc != self.host:
            self.foreign.append(request.url)

    def page_error(self, error: Error) -> None:
        self.errors.append(str(error))

    def failed(self, request: Request) -> None:
        # ERR_ABORTED is a request the browser dropped itself on leaving the page (the favicon
        # of a page left at once), not a failure of the server.
        if request.failure != "net::ERR_ABORTED":
            self.errors.append(f"{request.url}: {request.failure}")


def _look(page: Page, server: Server, stop: Stop, width: str, shots: Path | None) -> int:
    answer = page.goto(f"{server.url}{stop.path}")
    page.wait_for_load_state("networkidle")
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / f"{stop.name}-{width}.png"), full_page=True)
    return answer.status if answer is not None else 0


def main() -> None:
    shots = Path(sys.argv[1] if len(sys.argv) > 1 else "test-results/screenshots").resolve()
    path = chromium_path()
    if path is None:
        raise SystemExit("no Chromium: apt-get install chromium (or set LEADROUTE_CHROMIUM)")
    with (
        tempfile.TemporaryDirectory() as directory,
        running(Path(directory), routing=DEFAULT_ROUTING) as server,
        sync_playwright() as playwright,
    ):
        browser = launch(playwright, path)
        for seen in walk(browser, server, stops(seed(server)), shots):
            trouble = seen.status >= 400 or seen.overflow > 0 or seen.foreign or seen.errors
            mark = "!!" if trouble else "ok"
            print(
                f"{mark} {seen.stop.name}-{seen.width}: {seen.status}, overflow {seen.overflow}px"
                + (f", foreign {seen.foreign}" if seen.foreign else "")
                + (f", errors {seen.errors}" if seen.errors else "")
            )
        browser.close()
    print(f"screenshots in {shots}")


if __name__ == "__main__":
    main()
