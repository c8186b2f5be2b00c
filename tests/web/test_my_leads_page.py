"""A rep's start page: open leads soonest SLA due first with a countdown, offers with accept /
decline, one-click outcomes, away / back, and the pools they may pull from."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from leadroute.services.principals import Role
from tests.api.calls import assign, fire, lead, ok, post, reps
from tests.web.conftest import ROOT, Site, make_site

# Two rules with different first-touch targets, so due order differs from arrival order.
TWO_SPEEDS = """\
timezone: UTC
reps:
  - {id: ana, name: Ana Souza, teams: [sdr]}
  - {id: bob, name: Bob Stone, teams: [backup]}
pools:
  spare: {members: [team:sdr]}
routing:
  - name: callbacks
    when: {field: kind, eq: callback}
    assign: {team: sdr}
    sla: {first_touch: 1h}
  - name: demo requests
    when: {field: kind, eq: demo}
    assign: {team: sdr}
    sla: {first_touch: 5m}
  - name: leftovers
    when: {field: kind, eq: spare}
    pool: spare
  - name: backup
    assign: {team: backup}
"""


def site_on(database_url: str, path: Path) -> Iterator[Site]:
    yield from make_site(database_url, path)


@pytest.fixture
def speeds_site(database_url: str, tmp_path: Path) -> Iterator[Site]:
    path = tmp_path / "routing.yaml"
    path.write_text(TWO_SPEEDS, encoding="utf-8")
    yield from site_on(database_url, path)


@pytest.fixture
def sla_site(database_url: str) -> Iterator[Site]:
    yield from site_on(database_url, ROOT / "examples" / "sla" / "routing.yaml")


@pytest.fixture
def offers_site(database_url: str) -> Iterator[Site]:
    yield from site_on(database_url, ROOT / "examples" / "offers" / "routing.yaml")


def send(site: Site, name: str, **fields: object) -> str:
    posted = post(site, name=name, email=f"{name.lower().replace(' ', '.')}@example.com", **fields)
    return str(posted["id"])


def desk_order(html: str) -> list[str]:
    """The lead ids of the page's lists, top to bottom."""
    return re.findall(r'<li (?:class="offer" )?id="lead-([^"]+)"', html)


def test_my_leads_are_sorted_by_sla_due_time_with_a_countdown(speeds_site: Site) -> None:
    start = speeds_site.clock.now
    slow = send(speeds_site, "Slow Callback", kind="callback")
    speeds_site.clock.advance(minutes=1)
    fast = send(speeds_site, "Fast Demo", kind="demo")
    by_hand = send(speeds_site, "By Hand", kind="other")
    ok(assign(speeds_site, by_hand, rep="ana", reason="knows them"))
    speeds_site.clock.advance(minutes=2)

    page = speeds_site.sign_in(Role.REP, rep="ana").get("/")

    assert page.status_code == 200
    assert desk_order(page.text) == [fast, slow, by_hand]
    fast_due = (start + timedelta(minutes=6)).isoformat()
    assert f'data-due="{fast_due}">3 min left</span>' in page.text
    slow_due = (start + timedelta(hours=1)).isoformat()
    assert f'data-due="{slow_due}">57 min left</span>' in page.text
    assert "no SLA" in page.text  # the lead assigned by hand
    assert page.text.count("why I got this lead") == 3


def test_the_due_time_stays_after_the_reminder_and_turns_overdue(sla_site: Site) -> None:
    start = sla_site.clock.now
    demo = send(sla_site, "Demo Asker", wants_demo=True)
    assert lead(sla_site, demo)["owner"] == "ana"
    ana = sla_site.sign_in(Role.REP, rep="ana")
    due = (start + timedelta(minutes=5)).isoformat()
    for minutes, text in ((4, "1 min left"), (6, "1 min overdue")):
        sla_site.clock.now = start + timedelta(minutes=minutes)
        fire(sla_site)  # the reminder at 3 min, the missed target at 5 min
        page = ana.get("/").text
        assert f'data-due="{due}">{text}</span>' in page
    assert 'class="countdown due-late"' in page
    assert "1 overdue</span>" in page
    assert "first touch" in page


def test_won_from_my_leads_closes_the_lead(speeds_site: Site) -> None:
    won = send(speeds_site, "Buyer", kind="demo")
    other = send(speeds_site, "Browser", kind="callback")
    ana = speeds_site.sign_in(Role.REP, rep="ana")
    page = ana.get("/").text
    assert f'action="/leads/{won}/events"' in page

    answer = ana.post(f"/leads/{won}/events", {"type": "won", "amount": "1500", "back": "/"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    closed = lead(speeds_site, won)
    assert (closed["status"], closed["amount"]) == ("won", 1500)
    after = ana.get("/").text
    assert desk_order(after) == [other]
    assert "Buyer marked won" in after

    touched = ana.post(f"/leads/{other}/events", {"type": "touched", "back": "/"})
    assert touched.headers["location"] == "/"
    assert lead(speeds_site, other)["status"] == "touched"
    assert "no SLA" in ana.get("/").text  # touched: nothing due any more


def test_a_rep_presses_away_gets_no_lead_then_back(speeds_site: Site) -> None:
    ana = speeds_site.sign_in(Role.REP, rep="ana")
    away = ana.post("/me/availability", {"status": "away"})
    assert away.status_code == 303
    assert away.headers["location"] == "/"
    page = ana.get("/").text
    assert "You are away: no new leads come to you" in page
    assert "Press\n  <strong>Back</strong>" in page
    assert 'name="status" value="available"' in page
    assert reps(speeds_site)["ana"]["availability"]["status"] == "away"
    missed = send(speeds_site, "While Away", kind="demo")
    assert lead(speeds_site, missed)["owner"] == "bob"

    ana.post("/me/availability", {"status": "available"})
    assert "You are back" in ana.get("/").text
    assert lead(speeds_site, send(speeds_site, "Back Again", kind="demo"))["owner"] == "ana"


def test_availability_here_is_only_the_signed_in_reps_own(speeds_site: Site) -> None:
    ana = speeds_site.sign_in(Role.REP, rep="ana")
    assert ana.post("/me/availability", {"status": "offline"}).status_code == 303
    assert ana.post("/reps/bob/availability", {"status": "away"}).status_code == 403
    states = {rep: view["availability"]["status"] for rep, view in reps(speeds_site).items()}
    assert states == {"ana": "available", "bob": "available"}
    manager = speeds_site.sign_in(Role.MANAGER)
    assert manager.post("/me/availability", {"status": "away"}).status_code == 403
    assert manager.get("/me/desk").status_code == 403


def test_nothing_waiting_points_at_the_pools_to_pull_from(speeds_site: Site) -> None:
    send(speeds_site, "Spare One", kind="spare")
    page = speeds_site.sign_in(Role.REP, rep="ana").get("/").text
    assert "Nothing waiting for you" in page
    assert 'Or pull one now: <a href="/pools/spare">spare</a> (1 waiting)' in page
    assert "Pools I can pull from" in page


def test_an_offer_sits_on_top_with_accept_and_decline(offers_site: Site) -> None:
    pushed = send(offers_site, "Given Lead", wants_demo=True)
    offered_lead = lead(offers_site, pushed)
    assert offered_lead["status"] == "offered"
    assert offered_lead["owner"] == "ana"
    ana = offers_site.sign_in(Role.REP, rep="ana")
    page = ana.get("/").text
    assert desk_order(page) == [pushed]
    assert "Offered to you" in page
    assert "to answer the offer" in page
    assert f'action="/leads/{pushed}/accept"' in page
    assert f'action="/leads/{pushed}/decline"' in page
    assert 'name="back" value="/"' in page

    accepted = ana.post(f"/leads/{pushed}/accept", {"back": "/"})
    assert accepted.headers["location"] == "/"
    after = ana.get("/").text
    assert "Offered to you" not in after
    assert desk_order(after) == [pushed]


def test_the_desk_refreshes_as_a_fragment(speeds_site: Site) -> None:
    send(speeds_site, "Polled", kind="demo")
    ana = speeds_site.sign_in(Role.REP, rep="ana")
    rows = ana.get("/me/desk", headers={"HX-Request": "true"})
    assert rows.status_code == 200
    assert "Polled" in rows.text
    assert "<html" not in rows.text
