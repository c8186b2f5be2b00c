"""The leads table (/leads): search, filters, sorting both ways, pagination, empty states, who
may open it, and the htmx swap of the table alone."""

from __future__ import annotations

import re
from html import unescape

from leadroute.services.principals import Role
from tests.web.conftest import Browser, Site

_TBODY = re.compile(r"<tbody>(.*?)</tbody>", re.S)
_ROW_LINK = re.compile(r'<td class="col-name"><a href="/leads/([^"]+)">')


def listed(page: str) -> list[str]:
    """The lead ids of the table's rows, top to bottom (none without a table)."""
    body = _TBODY.search(page)
    return _ROW_LINK.findall(body.group(1)) if body else []


def post(site: Site, name: str, **fields: object) -> str:
    fields.setdefault("email", f"{name.lower().replace(' ', '.')}@mail.example")
    answer = site.client.post("/api/v1/leads", json={"name": name, **fields}, headers=site.admin)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def shown(browser: Browser, path: str) -> list[str]:
    answer = browser.get(path)
    assert answer.status_code == 200, answer.text
    return listed(answer.text)


def test_search_finds_name_email_company_and_id_in_any_case(site: Site) -> None:
    ada = post(site, "Ada Lovelace", email="ada@engines.example", company="Analytical Ltd")
    bea = post(site, "Bea Smith", email="bea@widgets.example", company="Widget Co")
    carl = post(site, "Carl Jones", email="carl@zephyr.example", company="Zephyr 100% Inc")
    manager = site.sign_in(Role.MANAGER)

    assert shown(manager, "/leads?q=LOVELACE") == [ada]
    assert shown(manager, "/leads?q=widgets.EXAMPLE") == [bea]
    assert shown(manager, "/leads?q=zephyr") == [carl]
    assert shown(manager, "/leads?q=analytical") == [ada]
    assert shown(manager, f"/leads?q={bea[-8:].lower()}") == [bea]
    # % and _ are searched for as such, not as wildcards
    assert shown(manager, "/leads?q=100%25") == [carl]
    assert shown(manager, "/leads?q=a_a") == []


def test_each_filter_narrows_the_table(site: Site) -> None:
    west = post(site, "West", country="US", region="US-CA", source="web_form")  # jordan
    site.clock.advance(minutes=1)
    junk = post(site, "Junk", email="x@example.invalid", source="partner")  # pool review
    site.clock.advance(days=2)
    big = post(site, "Big", company_size=2000, country="US", source="web_form")  # enterprise
    manager = site.sign_in(Role.MANAGER)
    owner_of_big = site.client.get(f"/api/v1/leads/{big}", headers=site.admin).json()["owner"]

    assert shown(manager, "/leads?owner=jordan") == [west]
    assert shown(manager, f"/leads?owner={owner_of_big}") == [big]
    assert shown(manager, "/leads?pool=review") == [junk]
    assert shown(manager, "/leads?source=web_form") == [big, west]
    assert shown(manager, "/leads?source=partner&status=routed") == [junk]
    assert shown(manager, "/leads?status=won") == []
    assert shown(manager, "/leads?from=2026-03-04") == [big]
    assert shown(manager, "/leads?to=2026-03-03") == [junk, west]  # "to" includes the day
    assert shown(manager, "/leads?from=2026-03-03&to=2026-03-03&source=web_form") == [west]


def test_the_selects_offer_what_exists(site: Site) -> None:
    post(site, "Someone", source="trade_show")
    page = site.sign_in(Role.MANAGER).get("/leads").text
    assert '<option value="trade_show">trade_show</option>' in page
    assert '<option value="grace">Grace Hopper (grace)</option>' in page
    assert '<option value="enterprise_queue">enterprise_queue</option>' in page
    assert '<option value="disqualified">disqualified</option>' in page


def test_score_bounds_are_inclusive(pool_site: Site) -> None:
    cold = post(pool_site, "Cold")  # 0 points
    pool_site.clock.advance(minutes=1)
    warm = post(pool_site, "Warm", timeframe="now")  # 30
    pool_site.clock.advance(minutes=1)
    hot = post(pool_site, "Hot", company_size=900, timeframe="now")  # 70
    manager = pool_site.sign_in(Role.MANAGER)

    assert shown(manager, "/leads?score_min=30") == [hot, warm]
    assert shown(manager, "/leads?score_max=30") == [warm, cold]
    assert shown(manager, "/leads?score_min=1&score_max=69") == [warm]
    page = manager.get("/leads?score_min=lots").text
    assert "score min: &#39;lots&#39; is not a number" in page
    assert listed(page) == [hot, warm, cold]


def test_sorting_goes_both_ways(pool_site: Site) -> None:
    first = post(pool_site, "bravo", timeframe="now")  # 30
    pool_site.clock.advance(minutes=1)
    second = post(pool_site, "Alpha", company_size=900, timeframe="now")  # 70
    pool_site.clock.advance(minutes=1)
    third = post(pool_site, "Charlie")  # 0
    manager = pool_site.sign_in(Role.MANAGER)

    assert shown(manager, "/leads") == [third, second, first]
    assert shown(manager, "/leads?sort=received&descending=false") == [first, second, third]
    assert shown(manager, "/leads?sort=name") == [second, first, third]  # case-insensitive
    assert shown(manager, "/leads?sort=name&descending=true") == [third, first, second]
    assert shown(manager, "/leads?sort=score") == [second, first, third]
    assert shown(manager, "/leads?sort=score&descending=false") == [third, first, second]


def test_the_sorted_heading_links_to_the_other_direction(site: Site) -> None:
    post(site, "Someone")
    manager = site.sign_in(Role.MANAGER)
    page = unescape(manager.get("/leads?sort=name&status=routed").text)
    assert 'aria-sort="ascending"' in page
    assert 'href="/leads?status=routed&sort=name&descending=true"' in page
    assert 'href="/leads?status=routed&sort=score"' in page  # another key: its own direction
    assert "unknown sort" in manager.get("/leads?sort=colour").text


def test_pages_of_25_with_links_that_keep_the_filters(site: Site) -> None:
    ids = []
    for number in range(30):
        ids.append(post(site, f"Lead {number:02}", source="web_form"))
        site.clock.advance(minutes=1)
    post(site, "Other source", source="partner")
    manager = site.sign_in(Role.MANAGER)

    first = manager.get("/leads?source=web_form&sort=name").text
    assert listed(first) == ids[:25]
    assert "page 1 of 2" in first
    assert 'href="/leads?source=web_form&amp;sort=name&amp;page=2"' in first
    second = manager.get("/leads?source=web_form&sort=name&page=2").text
    assert listed(second) == ids[25:]
    assert "page 2 of 2" in second
    assert 'href="/leads?source=web_form&amp;sort=name"' in second  # previous: page 1
    past_the_end = manager.get("/leads?source=web_form&sort=name&page=9").text
    assert listed(past_the_end) == ids[25:]


def test_empty_states_say_what_to_do(site: Site) -> None:
    manager = site.sign_in(Role.MANAGER)
    empty = manager.get("/leads").text
    assert "No leads yet" in empty
    assert "POST /api/v1/leads" in empty
    assert "leadroute demo" in empty
    post(site, "Someone")
    nothing = manager.get("/leads?q=nobody-by-that-name").text
    assert "No leads match" in nothing
    assert "No leads yet" not in nothing
    assert '<a href="/leads">clear filters</a>' in nothing


def test_an_htmx_request_gets_the_table_alone_and_the_address_to_show(site: Site) -> None:
    lead = post(site, "Someone", source="web_form")
    manager = site.sign_in(Role.MANAGER)
    answer = manager.get(
        "/leads?q=some&status=&owner=&source=web_form&sort=received&descending=true",
        headers={"HX-Request": "true", "HX-Target": "leads-results"},
    )
    assert answer.status_code == 200
    assert "<html" not in answer.text
    assert listed(answer.text) == [lead]
    assert answer.headers["HX-Push-Url"] == "/leads?q=some&source=web_form"
    assert 'id="leads-sort"' in answer.text
    assert 'hx-swap-oob="true"' in answer.text


def test_auditors_read_the_table_and_reps_may_not(site: Site) -> None:
    lead = post(site, "Someone")
    assert shown(site.sign_in(Role.AUDITOR), "/leads") == [lead]
    refused = site.sign_in(Role.REP, rep="sam").get("/leads")
    assert refused.status_code == 403
    assert lead not in refused.text
