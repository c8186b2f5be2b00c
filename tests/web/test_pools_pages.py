"""The pools pages on examples/pools: reps cherry-pick from `nurture` (team sdr, WIP limit 2)
and take the next lead from the blind `hot` (team closers); a manager sees every pool and takes
leads for reps; refusals come back as the page's message."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadroute.services.principals import Role
from tests.api.calls import lead, post
from tests.web.conftest import Site, make_site

NO_POOLS = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr]}
routing:
  - name: everyone
    assign: {team: sdr}
"""


def nurture(site: Site, n: int, **fields: object) -> str:
    """A low-score lead: the routing of examples/pools parks it in `nurture`."""
    posted = post(site, name=f"Nurture {n}", email=f"n{n}@slow{n}.example.com", **fields)
    assert posted["pool"] == "nurture", posted
    return str(posted["id"])


def hot(site: Site, n: int) -> str:
    """A lead scoring 90 (size, timeframe, demo): it waits in the blind `hot` pool."""
    posted = post(
        site,
        name=f"Hot {n}",
        email=f"h{n}@big{n}.example.com",
        company_size=800,
        timeframe="now",
        wants_demo=True,
    )
    assert posted["pool"] == "hot", posted
    return str(posted["id"])


def test_a_rep_claims_from_a_cherry_pick_pool_and_a_second_claim_shows_the_conflict(
    pool_site: Site,
) -> None:
    first, second = nurture(pool_site, 1, company="Acme"), nurture(pool_site, 2)
    sara = pool_site.sign_in(Role.REP, rep="sara")
    page = sara.get("/pools/nurture").text
    assert "Nurture 1" in page
    assert "Acme" in page
    assert "Nurture 2" in page
    assert page.index("Nurture 1") < page.index("Nurture 2")  # fifo: claim order
    assert f'action="/pools/nurture/claim/{first}"' in page

    answer = sara.post(f"/pools/nurture/claim/{first}")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/leads/{first}"
    assert lead(pool_site, first)["owner"] == "sara"

    owen = pool_site.sign_in(Role.REP, rep="owen")
    owen.post(
        f"/pools/nurture/claim/{first}", headers={"referer": "https://testserver/pools/nurture"}
    )
    after = owen.get("/pools/nurture").text
    assert "flash-error" in after
    assert f"lead {first} is not waiting in a pool: claimed by sara" in after
    assert "Nurture 1" not in after
    assert "Nurture 2" in after
    assert lead(pool_site, second)["owner"] is None


def test_the_wip_limit_refuses_a_third_claim_with_its_reason(pool_site: Site) -> None:
    leads = [nurture(pool_site, n) for n in range(3)]
    sara = pool_site.sign_in(Role.REP, rep="sara")
    for lead_id in leads[:2]:
        assert sara.post(f"/pools/nurture/claim/{lead_id}").status_code == 303
    answer = sara.post(
        f"/pools/nurture/claim/{leads[2]}",
        headers={"referer": "https://testserver/pools/nurture"},
    )
    assert answer.headers["location"] == "/pools/nurture"
    refused = sara.get("/pools/nurture").text
    assert "sara may not claim from pool nurture: wip limit 2/2" in refused
    assert "You cannot pull from this pool now: wip limit 2/2" in refused
    assert lead(pool_site, leads[2])["owner"] is None


def test_take_next_from_a_blind_pool_then_the_pool_is_empty(pool_site: Site) -> None:
    lead_id = hot(pool_site, 1)
    cleo = pool_site.sign_in(Role.REP, rep="cleo")
    page = cleo.get("/pools/hot").text
    assert "Hot 1" not in page  # blind: only the count
    assert '<span class="blind-count">1</span>' in page
    assert 'action="/pools/hot/take"' in page

    taken = cleo.post("/pools/hot/take")
    assert taken.status_code == 303
    assert taken.headers["location"] == f"/leads/{lead_id}"
    assert lead(pool_site, lead_id)["owner"] == "cleo"

    empty = cleo.post("/pools/hot/take")
    assert empty.headers["location"] == "/pools/hot"
    assert "the pool hot is empty" in cleo.get("/pools/hot").text


def test_a_rep_sees_only_the_pools_they_are_a_member_of(pool_site: Site) -> None:
    hot_lead = hot(pool_site, 1)
    sara = pool_site.sign_in(Role.REP, rep="sara")
    listing = sara.get("/pools").text
    assert 'href="/pools/nurture"' in listing
    assert 'href="/pools/hot"' not in listing
    assert 'href="/pools/recycled"' not in listing
    assert 'href="/pools/triage"' not in listing
    assert sara.get("/pools/hot").status_code == 404
    assert sara.get("/pools/recycled").status_code == 404
    refused = sara.post(f"/pools/hot/claim/{hot_lead}")
    assert refused.status_code == 303
    assert lead(pool_site, hot_lead)["owner"] is None
    assert sara.post("/pools/hot/take", {"rep": "cleo"}).status_code == 403
    assert lead(pool_site, hot_lead)["owner"] is None


def test_a_manager_sees_every_pool_with_its_wait_and_takes_leads_for_reps(
    pool_site: Site,
) -> None:
    hot_lead, nurture_lead = hot(pool_site, 1), nurture(pool_site, 1)
    pool_site.clock.advance(minutes=12)
    manager = pool_site.sign_in(Role.MANAGER)
    listing = manager.get("/pools").text
    for name in ("hot", "nurture", "recycled", "unassigned", "triage"):
        assert f'href="/pools/{name}"' in listing
    hot_row = re.search(r'<tr id="pool-hot">(.*?)</tr>', listing, re.S)
    assert hot_row is not None
    assert "blind" in hot_row.group(1)
    assert "12 min" in hot_row.group(1)

    blind = manager.get("/pools/hot").text
    assert "Hot 1" in blind  # a manager sees what waits even in a blind pool
    assert '<option value="cleo">Cleo Grant</option>' in blind
    assert '<option value="sara">' not in blind  # only members may take from it
    given = manager.post("/pools/hot/take", {"rep": "cleo"})
    assert given.headers["location"] == "/pools/hot"
    assert f"Hot 1 ({hot_lead}) went to cleo" in manager.get("/pools/hot").text
    assert lead(pool_site, hot_lead)["owner"] == "cleo"

    cherry = manager.get("/pools/nurture").text
    assert "12 min" in cherry
    assert manager.post(f"/pools/nurture/claim/{nurture_lead}", {"rep": "owen"}).status_code == 303
    assert lead(pool_site, nurture_lead)["owner"] == "owen"
    assert "Nothing waiting" in manager.get("/pools/nurture").text


def test_an_auditor_reads_the_pools_but_gets_no_buttons(pool_site: Site) -> None:
    nurture(pool_site, 1)
    auditor = pool_site.sign_in(Role.AUDITOR)
    page = auditor.get("/pools/nurture")
    assert page.status_code == 200
    assert "Nurture 1" in page.text
    assert "/claim/" not in page.text
    assert "/take" not in page.text


@pytest.fixture
def bare_site(database_url: str, tmp_path: Path) -> Iterator[Site]:
    path = tmp_path / "routing.yaml"
    path.write_text(NO_POOLS, encoding="utf-8")
    yield from make_site(database_url, path)


def test_without_pools_the_page_points_at_the_pools_section(bare_site: Site) -> None:
    page = bare_site.sign_in(Role.MANAGER).get("/pools").text
    assert "No pools of your own yet" in page
    assert "docs/POOLS.md" in page
    assert 'href="/routing"' in page
    assert 'href="/pools/unassigned"' in page
