"""The lead page (/leads/{id}): fields, "why it went here" from the real decision, timeline,
and the actions posted from it (assign, lifecycle events, claim, accept, decline)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from html import unescape
from typing import Any, Protocol

import pytest

from leadroute.services.principals import Role
from leadroute.services.trace_view import timeline_lines, trace_lines
from tests.web.conftest import ROOT, Browser, Site, make_site

OFFERS = ROOT / "examples" / "offers" / "routing.yaml"
SLA = ROOT / "examples" / "sla" / "routing.yaml"
QUALIFICATION = ROOT / "examples" / "qualification" / "routing.yaml"


@pytest.fixture
def offer_site(database_url: str) -> Iterator[Site]:
    yield from make_site(database_url, OFFERS)


@pytest.fixture
def sla_site(database_url: str) -> Iterator[Site]:
    yield from make_site(database_url, SLA)


@pytest.fixture
def qualifying_site(database_url: str) -> Iterator[Site]:
    yield from make_site(database_url, QUALIFICATION)


class Page(Protocol):
    """What these tests read of an answer (httpx's Response, whichever build TestClient uses)."""

    @property
    def status_code(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, str]: ...


def post(site: Site, **fields: object) -> dict[str, Any]:
    fields.setdefault("email", "pat@lead.example")
    answer = site.client.post("/api/v1/leads", json=fields, headers=site.admin)
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def stored(site: Site, lead_id: str) -> dict[str, Any]:
    answer = site.client.get(f"/api/v1/leads/{lead_id}", headers=site.admin)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def text_of(answer: Page) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", answer.text)).split())


def section(answer: Page, heading_id: str) -> str:
    """The text of one <article> of the page, by the id of its heading."""
    found = re.search(rf'<h2 id="{heading_id}">(.*?)</article>', answer.text, re.S)
    assert found is not None, answer.text
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def flash_after(browser: Browser, answer: Page) -> str:
    """Follow a form post's redirect and return the message shown on the page."""
    assert answer.status_code == 303, answer.text
    page = browser.get(answer.headers["location"])
    found = re.search(r'<p class="flash flash-(\w+)"[^>]*>(.*?)</p>', page.text, re.S)
    assert found is not None, page.text
    return f"{found.group(1)}: {unescape(found.group(2))}"


def test_the_page_shows_the_fields_and_why_it_went_here(site: Site) -> None:
    lead = post(
        site,
        name="Dana West",
        email="dana@west.example",
        phone="+1 415 555 0101",
        company="West Labs",
        country="US",
        region="US-CA",
        source="webinar",
        favourite_colour="teal",
    )
    page = site.sign_in(Role.MANAGER).get(f"/leads/{lead['id']}")
    assert page.status_code == 200
    text = text_of(page)
    for value in ("Dana West", "dana@west.example", "West Labs", "US-CA", "webinar", "teal"):
        assert value in text
    why = section(page, "why-h")
    assert "north america" in why
    assert "jordan (round robin: never served by this rule)" in why  # the decision's reason
    assert "Rule junk no match condition failed" in why  # a rule tried that did not match
    assert "Jordan Lee (jordan) chosen: round robin" in why  # the rep chosen, and why
    assert "Priya Shah (priya) skipped: a more specific territory wins" in why
    assert "decided" in why
    timeline = section(page, "timeline-h")
    assert "received" in timeline
    assert "assigned · Jordan Lee" in timeline
    assert "Raw payload" in page.text
    assert "favourite_colour" in page.text


def test_skipped_reps_say_why_they_were_skipped(site: Site) -> None:
    site.clock.advance(days=5)  # a Sunday: the desks are outside their working hours
    lead = post(site, name="Ana", language="es", country="MX")
    why = section(site.sign_in(Role.MANAGER).get(f"/leads/{lead['id']}"), "why-h")
    assert "latam desk matched, nobody chosen" in why
    assert "Lucía Torres (lucia) skipped: outside hours" in why
    assert "Mateo Rojas (mateo) skipped: outside hours" in why


def test_intake_and_qualification_steps_read_as_checks(qualifying_site: Site) -> None:
    lead = post(
        qualifying_site, name="Zed", email="zed@acme.example", country="US", company_size=500
    )
    page = qualifying_site.sign_in(Role.MANAGER).get(f"/leads/{lead['id']}")
    why = section(page, "why-h")
    assert "Intake checks checked score 20" in why
    assert "Qualification" in why
    facts = section(page, "where-h")
    assert "Score 20" in facts


def test_a_rep_sees_why_they_got_their_lead_and_not_another_reps_lead(site: Site) -> None:
    mine = post(site, name="Mine", country="US", region="US-CA")  # jordan
    theirs = post(site, name="Theirs", email="t@big.example", company_size=2000, country="US")
    jordan = site.sign_in(Role.REP, rep="jordan")
    page = jordan.get(f"/leads/{mine['id']}")
    assert page.status_code == 200
    assert "Why I got this lead" in page.text
    assert "Re-assign" not in page.text  # managers only
    assert 'value="touched"' in page.text
    other = jordan.get(f"/leads/{theirs['id']}")
    assert other.status_code == 404
    assert "Theirs" not in other.text


def test_a_manager_assigns_with_a_reason_and_the_timeline_says_so(site: Site) -> None:
    lead = post(site, name="Move Me", country="US", region="US-CA")
    manager = site.sign_in(Role.MANAGER)
    page = manager.get(f"/leads/{lead['id']}").text
    assert '<option value="sam">Sam Okafor (sam)</option>' in page
    answer = manager.post(
        f"/leads/{lead['id']}/assign", {"rep": "sam", "reason": "speaks their language"}
    )
    assert answer.headers["location"] == f"/leads/{lead['id']}"
    assert flash_after(manager, answer) == "ok: Move Me assigned to sam."
    assert stored(site, lead["id"])["owner"] == "sam"
    after = manager.get(f"/leads/{lead['id']}")
    assert "reassigned · Sam Okafor" in section(after, "timeline-h")
    assert "speaks their language" in section(after, "timeline-h")
    assert "assigned it by hand to Sam Okafor" in section(after, "why-h")


def test_an_assignment_without_a_reason_is_refused(site: Site) -> None:
    lead = post(site, name="Keep", country="US", region="US-CA")
    manager = site.sign_in(Role.MANAGER)
    answer = manager.post(
        f"/leads/{lead['id']}/assign",
        {"rep": "sam", "reason": "  "},
        headers={"referer": f"https://testserver/leads/{lead['id']}"},
    )
    assert answer.headers["location"] == f"/leads/{lead['id']}"
    assert "say why the lead is assigned" in flash_after(manager, answer)
    assert stored(site, lead["id"])["owner"] == "jordan"


def test_won_with_an_amount_closes_the_lead(site: Site) -> None:
    lead = post(site, name="Deal", country="US", region="US-CA")
    jordan = site.sign_in(Role.REP, rep="jordan")
    answer = jordan.post(f"/leads/{lead['id']}/events", {"type": "won", "amount": "1,250.50"})
    assert flash_after(jordan, answer) == "ok: Deal marked won (1,250.5)."
    closed = stored(site, lead["id"])
    assert (closed["status"], closed["amount"]) == ("won", 1250.5)
    assert closed["closed_at"] is not None
    page = jordan.get(f"/leads/{lead['id']}")
    assert "1,250.5" in section(page, "where-h")
    assert "Record what happened" not in page.text  # a closed lead has no actions left
    assert 'name="type"' not in page.text


def test_an_action_the_status_does_not_allow_shows_the_error(site: Site) -> None:
    lead = post(site, name="Twice", country="US", region="US-CA")
    jordan = site.sign_in(Role.REP, rep="jordan")
    jordan.post(f"/leads/{lead['id']}/events", {"type": "qualified"})
    page = jordan.get(f"/leads/{lead['id']}").text
    assert 'value="qualified"' not in page  # not offered again
    answer = jordan.post(
        f"/leads/{lead['id']}/events",
        {"type": "qualified"},
        headers={"referer": f"https://testserver/leads/{lead['id']}"},
    )
    assert answer.headers["location"] == f"/leads/{lead['id']}"
    assert flash_after(jordan, answer) == f"error: lead {lead['id']} is qualified already"
    bad_amount = jordan.post(f"/leads/{lead['id']}/events", {"type": "won", "amount": "lots"})
    assert "is not a number" in flash_after(jordan, bad_amount)
    assert stored(site, lead["id"])["status"] == "qualified"


def test_a_post_without_the_csrf_token_changes_nothing(site: Site) -> None:
    lead = post(site, name="Safe", country="US", region="US-CA")
    manager = site.sign_in(Role.MANAGER)
    for path, data in (
        (f"/leads/{lead['id']}/events", {"type": "lost"}),
        (f"/leads/{lead['id']}/assign", {"rep": "sam", "reason": "forged"}),
    ):
        answer = manager.client.post(path, data=data, follow_redirects=False)
        assert answer.status_code == 303
        assert "security token" in flash_after(manager, answer)
        forged = manager.client.post(path, data={**data, "csrf": "forged"}, follow_redirects=False)
        assert "security token" in flash_after(manager, forged)
    unchanged = stored(site, lead["id"])
    assert (unchanged["status"], unchanged["owner"]) == ("routed", "jordan")


def test_back_returns_to_a_local_page_only(site: Site) -> None:
    lead = post(site, name="Back", country="US", region="US-CA")
    jordan = site.sign_in(Role.REP, rep="jordan")
    touched = jordan.post(f"/leads/{lead['id']}/events", {"type": "touched", "back": "/?x=1"})
    assert touched.headers["location"] == "/?x=1"
    for elsewhere in ("//evil.example/", "https://evil.example/", "leads"):
        answer = jordan.post(f"/leads/{lead['id']}/events", {"type": "touched", "back": elsewhere})
        assert answer.headers["location"] == f"/leads/{lead['id']}"


def test_a_rep_claims_a_pooled_lead_from_its_page(pool_site: Site) -> None:
    lead = post(pool_site, name="Pooled")  # score 0: the nurture pool (sara, owen)
    sara = pool_site.sign_in(Role.REP, rep="sara")
    page = sara.get(f"/leads/{lead['id']}").text
    assert f'action="/leads/{lead["id"]}/claim"' in page
    assert 'value="touched"' not in page  # not hers yet
    answer = sara.post(f"/leads/{lead['id']}/claim")
    assert flash_after(sara, answer) == "ok: Pooled claimed: it is yours now."
    assert stored(pool_site, lead["id"])["owner"] == "sara"
    assert 'value="touched"' in sara.get(f"/leads/{lead['id']}").text
    assert pool_site.sign_in(Role.REP, rep="cleo").get(f"/leads/{lead['id']}").status_code == 404


def test_a_manager_may_close_a_pooled_lead_but_not_win_it(pool_site: Site) -> None:
    lead = post(pool_site, name="Pooled")
    page = pool_site.sign_in(Role.MANAGER).get(f"/leads/{lead['id']}").text
    assert 'value="lost"' in page
    assert 'value="disqualified"' in page
    assert 'value="won"' not in page
    assert 'value="touched"' not in page
    assert "Assign by hand" in page


def test_an_offered_rep_accepts_or_declines(offer_site: Site) -> None:
    first = post(offer_site, name="First", email="first@lead.example", wants_demo=True)
    second = post(offer_site, name="Second", email="second@lead.example", wants_demo=True)
    assert (first["owner"], second["owner"]) == ("ana", "bob")
    ana = offer_site.sign_in(Role.REP, rep="ana")
    page = ana.get(f"/leads/{first['id']}")
    assert "This lead is offered to Ana Souza" in text_of(page)
    assert "time to answer" in text_of(page)
    assert 'value="touched"' not in page.text
    accepted = ana.post(f"/leads/{first['id']}/accept")
    assert flash_after(ana, accepted) == "ok: Offer accepted: First belongs to ana now."
    assert stored(offer_site, first["id"])["status"] == "routed"

    bob = offer_site.sign_in(Role.REP, rep="bob")
    declined = bob.post(f"/leads/{second['id']}/decline", {"reason": "on holiday"})
    assert declined.headers["location"] == "/"  # no longer his to see
    after = stored(offer_site, second["id"])
    assert after["owner"] not in ("bob", None)
    assert "on holiday" in [event["reason"] for event in after["timeline"]]


def test_the_sla_clock_shows_the_next_stage(sla_site: Site) -> None:
    lead = post(sla_site, name="Fast", wants_demo=True)
    page = sla_site.sign_in(Role.MANAGER).get(f"/leads/{lead['id']}")
    clocks = section(page, "where-h")
    assert "SLA started" in clocks
    assert "First touch not yet" in clocks
    assert "SLA reminder (ana): 3 min left" in clocks


def test_an_auditor_reads_the_page_without_actions(site: Site) -> None:
    lead = post(site, name="Read Only", country="US", region="US-CA")
    page = site.sign_in(Role.AUDITOR).get(f"/leads/{lead['id']}")
    assert page.status_code == 200
    assert "Why it went here" in page.text
    assert "Actions" not in page.text
    assert 'method="post" action="/leads/' not in page.text


def test_an_unknown_lead_is_a_404_page(site: Site) -> None:
    answer = site.sign_in(Role.MANAGER).get("/leads/NOPE")
    assert answer.status_code == 404
    assert "no lead NOPE" in answer.text


def test_every_kind_of_trace_step_reads_sensibly() -> None:
    steps = trace_lines(
        [
            {"rule": "intake", "matched": True, "why": "score 12"},
            {"rule": "qualify", "matched": False, "why": "score 12 below 40: nurture"},
            {"rule": "junk", "matched": False, "why": "condition failed: x"},
            {
                "rule": "desk",
                "matched": True,
                "why": "matched; no eligible rep; next rule",
                "candidates": [{"rep": "ana", "skipped": "away"}],
            },
            {
                "rule": "desk 2",
                "matched": True,
                "why": "matched; chose bo",
                "candidates": [
                    {"rep": "bo", "chosen": True, "why": "round robin"},
                    {"rep": "cy", "eligible": True, "why": "eligible"},
                    {"rep": "di", "mood": "grumpy"},
                ],
            },
            {"kind": "from a newer version", "text": "something new"},
            "a plain sentence",
        ],
        rule="desk 2",
    )
    assert [(s.kind, s.title, s.outcome) for s in steps] == [
        ("check", "Intake checks", "checked"),
        ("check", "Qualification", "stopped here"),
        ("rule", "junk", "no match"),
        ("rule", "desk", "matched, nobody chosen"),
        ("rule", "desk 2", "matched"),
        ("text", "Step", "note"),
        ("text", "Step", "note"),
    ]
    assert [s.decided for s in steps] == [False, False, False, False, True, False, False]
    assert [(c.rep, c.why) for c in steps[3].skipped] == [("ana", "away")]
    assert [(c.rep, c.why) for c in steps[4].chosen] == [("bo", "round robin")]
    assert [c.rep for c in steps[4].passed_over] == ["cy"]
    assert [(c.rep, c.why) for c in steps[4].notes] == [("di", '{"mood": "grumpy"}')]
    assert steps[5].why == '{"kind": "from a newer version", "text": "something new"}'
    assert steps[6].why == "a plain sentence"
    assert trace_lines(None) == ()


def test_timeline_events_read_as_words() -> None:
    (offered,) = timeline_lines(
        [
            {
                "type": "lead.offered",
                "at": "2026-03-03T17:00:00+00:00",
                "actor": "worker",
                "rep": "ana",
                "reason": None,
                "data": {"number": 1, "of": 2, "expires": "2026-03-03T17:05:00.5+00:00"},
            }
        ]
    )
    assert offered.what == "offered"
    assert offered.facts == (("offer", "1 of 2"), ("expires", "2026-03-03 17:05 UTC"))
