"""The reps page: the roster with cap usage, open load and conversion; availability toggles
that routing obeys at once; adding a rep (a new routing version); who may do what."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadroute.services.principals import Role
from tests.api.calls import event, ok, post, reps
from tests.web.conftest import Site, make_site

EMPTY_ROSTER = """\
timezone: UTC
reps: []
routing: []
fallback: {pool: unassigned}
"""


def send(site: Site, n: int, **fields: object) -> dict[str, object]:
    """A lead with its own contact (so no two are duplicates), posted through the API."""
    return post(site, email=f"buyer{n}@company{n}.example.com", **fields)


def row(html: str, rep: str, *, tags: bool = False) -> str:
    """The roster row of one rep: its text, spaces squeezed (or its HTML, with `tags`)."""
    found = re.search(rf'<tr id="rep-{re.escape(rep)}">(.*?)</tr>', html, re.S)
    assert found is not None, f"no row for {rep}"
    return found.group(1) if tags else " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_the_roster_shows_cap_usage_load_and_conversion_after_leads_are_routed(
    site: Site,
) -> None:
    owners = Counter(
        str(send(site, n, name=f"Big {n}", company=f"Corp {n}", company_size=5000 - n)["owner"])
        for n in range(3)
    )
    inbound = send(site, 10, name="Walk in", country="DE")
    assert set(owners) <= {"grace", "alan"}
    assert inbound["owner"] in {"sam", "kim", "noor"}
    won = send(site, 11, name="Deal", company_size=2000)
    ok(event(site, won["id"], "won", amount=1200))
    owners[str(won["owner"])] += 1

    page = site.sign_in(Role.MANAGER).get("/reps")

    assert page.status_code == 200
    for rep, cap in (("grace", 25), ("alan", 15)):
        text = row(page.text, rep)
        assert f"{owners[rep]} / {cap} today" in text
        assert f"{owners[rep]} this month" in text  # no month cap: the count alone
        open_now = owners[rep] - (1 if rep == won["owner"] else 0)
        assert f"{open_now} open" in text
    closer = row(page.text, str(won["owner"]))
    assert "100.0% 1 won / 1 decided" in closer
    walk_in = row(page.text, str(inbound["owner"]))
    assert "1 / 40 open" in walk_in
    assert "nothing decided yet" in walk_in
    assert "in hours now" in row(page.text, "grace")
    assert "America/New_York" in row(page.text, "grace")


def test_a_manager_sets_a_rep_away_and_the_rep_gets_no_new_lead(site: Site) -> None:
    manager = site.sign_in(Role.MANAGER)
    answer = manager.post("/reps/grace/availability", {"status": "away"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/reps"
    page = manager.get("/reps")
    assert "Grace Hopper is away now" in page.text
    assert '<span class="badge avail-away">away</span>' in row(page.text, "grace", tags=True)
    assert 'aria-label="Set Grace Hopper available"' in row(page.text, "grace", tags=True)
    assert reps(site)["grace"]["availability"]["status"] == "away"
    owners = {str(send(site, n, company_size=3000 + n)["owner"]) for n in range(4)}
    assert owners == {"alan"}
    manager.post("/reps/grace/availability", {"status": "available"})
    assert reps(site)["grace"]["availability"]["status"] == "available"


def test_away_until_a_wall_clock_time_is_read_in_the_reps_timezone(site: Site) -> None:
    manager = site.sign_in(Role.MANAGER)
    answer = manager.post(
        "/reps/alan/availability", {"status": "offline", "until": "2026-03-04T09:30"}
    )
    assert answer.status_code == 303
    assert reps(site)["alan"]["availability"] == {
        "status": "offline",
        "until": "2026-03-04T09:30:00+00:00",  # London is on GMT in March
    }
    past = manager.post("/reps/alan/availability", {"status": "away", "until": "2020-01-01T00:00"})
    assert past.status_code == 303
    assert "must lie in the future" in manager.get("/reps").text


def test_a_manager_adds_a_rep_and_a_new_routing_version_holds_them(site: Site) -> None:
    manager = site.sign_in(Role.MANAGER)
    before = ok(site.client.get("/api/v1/routing", headers=site.admin))["version"]
    answer = manager.post(
        "/reps",
        {
            "id": "ines",
            "name": "Inés Silva",
            "email": "ines@example.com",
            "teams": "latam, inbound",
            "timezone": "America/Sao_Paulo",
            "hours": "mon-fri 09:00-17:00",
            "cap_day": "12",
            "cap_open": "",
        },
    )
    assert answer.status_code == 303
    page = manager.get("/reps")
    assert "Inés Silva added" in page.text
    text = row(page.text, "ines")
    assert "latam" in text
    assert "inbound" in text
    assert "0 / 12 today" in text
    added = reps(site)["ines"]
    assert added["caps"]["day"] == 12
    assert added["caps"]["open"] is None
    assert ok(site.client.get("/api/v1/routing", headers=site.admin))["version"] == before + 1


def test_a_rep_the_routing_file_refuses_is_not_added_and_the_reason_is_shown(
    site: Site,
) -> None:
    manager = site.sign_in(Role.MANAGER)
    bad = manager.post("/reps", {"id": "zed", "timezone": "Mars/Olympus", "hours": "whenever"})
    assert bad.status_code == 303
    page = manager.get("/reps").text
    assert "the rep was not added" in page
    assert "timezone" in page
    assert "hours" in page
    assert "zed" not in reps(site)
    taken = manager.post("/reps", {"id": "grace"})
    assert taken.status_code == 303
    assert "rep grace exists already" in manager.get("/reps").text
    spaced = manager.post("/reps", {"id": "two words", "cap_day": "many"})
    assert spaced.status_code == 303
    page = manager.get("/reps").text
    assert "id: a short id without spaces" in page
    assert "caps.day: a whole number of leads" in page


@pytest.fixture
def empty_site(database_url: str, tmp_path: Path) -> Iterator[Site]:
    path = tmp_path / "routing.yaml"
    path.write_text(EMPTY_ROSTER, encoding="utf-8")
    yield from make_site(database_url, path)


def test_no_reps_yet_tells_a_manager_how_to_add_them(empty_site: Site) -> None:
    manager = empty_site.sign_in(Role.MANAGER)
    page = manager.get("/reps").text
    assert "No reps yet" in page
    assert 'action="/reps"' in page
    assert 'href="/routing"' in page
    assert '<details class="add-rep" open>' in page
    auditor = empty_site.sign_in(Role.AUDITOR)
    seen = auditor.get("/reps").text
    assert "No reps yet" in seen
    assert 'action="/reps"' not in seen


def test_reps_and_auditors_may_not_change_availability_on_this_page(site: Site) -> None:
    auditor = site.sign_in(Role.AUDITOR)
    page = auditor.get("/reps")
    assert page.status_code == 200
    assert "/availability" not in page.text
    assert auditor.post("/reps/grace/availability", {"status": "away"}).status_code == 403
    rep = site.sign_in(Role.REP, rep="sam")
    assert rep.get("/reps").status_code == 403
    assert rep.post("/reps/grace/availability", {"status": "away"}).status_code == 403
    assert rep.post("/reps", {"id": "sneaky"}).status_code == 403
    assert reps(site)["grace"]["availability"]["status"] == "available"
    assert "sneaky" not in reps(site)
