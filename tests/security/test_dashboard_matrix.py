"""The dashboard's pages, each opened by every kind of visitor; the answer of each cell is in
PAGES below. `rep:own` is owen, who owns the lead and is a member of its pool; `rep:other` is
cleo, who is neither. Signed-out visitors are sent to the sign-in page (303). Form posts are
covered page by page in tests/web (a post the role may not make answers 403)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from leadroute.services.principals import Role
from tests.web.conftest import POOLS, Browser, Site, make_site

VISITORS = ("admin", "manager", "auditor", "rep:own", "rep:other", "signed-out")

# page                                   admin mgr audit own other out
PAGES = """
/                                         200  200  200  200  200  303
/feed/rows                                200  200  200  403  403  303
/leads                                    200  200  200  403  403  303
/leads/{lead}                             200  200  200  200  404  303
/me/desk                                  403  403  403  200  200  303
/pools                                    200  200  200  200  200  303
/pools/recycled                           200  200  200  200  404  303
/reps                                     200  200  200  403  403  303
/routing                                  200  200  200  403  403  303
/routing/preview                          200  200  200  403  403  303
/routing/versions/1                       200  200  200  403  403  303
/reports                                  200  200  200  403  403  303
/reports/chart.svg                        200  200  200  403  403  303
/reports/summary.csv                      200  200  200  403  403  303
/experiments                              200  200  200  403  403  303
/experiments/none                         404  404  404  403  403  303
/experiments/none/chart.svg               404  404  404  403  403  303
/people                                   200  403  403  403  403  303
/login                                    303  303  303  303  303  200
"""


@pytest.fixture(scope="module")
def visitors(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[dict[str, Browser], str]]:
    folder = tmp_path_factory.mktemp("dashboard-matrix")
    for site in make_site(f"sqlite:///{folder}/leadroute.db", POOLS):
        lead = _recycled_lead_owned_by_owen(site)
        yield (
            {
                "admin": site.sign_in(Role.ADMIN),
                "manager": site.sign_in(Role.MANAGER),
                "auditor": site.sign_in(Role.AUDITOR),
                "rep:own": site.sign_in(Role.REP, rep="owen"),
                "rep:other": site.sign_in(Role.REP, rep="cleo"),
                "signed-out": site.browser(),
            },
            lead,
        )


def _recycled_lead_owned_by_owen(site: Site) -> str:
    posted = site.post_lead(email="kept@example.com", source="recycled")
    lead = str(posted["id"])
    owen = site.key(Role.REP, rep="owen")
    claimed = site.client.post(f"/api/v1/leads/{lead}/claim", headers=owen)
    assert claimed.status_code == 200, claimed.text
    return lead


def pages() -> list[tuple[str, dict[str, int]]]:
    rows = []
    for line in PAGES.strip().splitlines():
        path, *codes = line.split()
        rows.append((path, dict(zip(VISITORS, map(int, codes), strict=True))))
    return rows


@pytest.mark.parametrize(("path", "expected"), pages(), ids=[path for path, _ in pages()])
def test_every_visitor_gets_the_answer_in_the_table(
    visitors: tuple[dict[str, Browser], str], path: str, expected: dict[str, int]
) -> None:
    browsers, lead = visitors
    seen = {
        visitor: browsers[visitor].get(path.format(lead=lead), follow_redirects=False).status_code
        for visitor in VISITORS
    }
    wrong = {who: f"{seen[who]} (expected {code})" for who, code in expected.items()
             if seen[who] != code}  # fmt: skip
    assert not wrong, f"{path}: {wrong}"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/leads?page={2**63}", 200),  # read as page 1
        ("/leads?page=" + "9" * 5000, 200),
        ("/leads?to=9999-12-31", 200),  # no day after it: the filter is left out
        ("/leads?from=0001-01-01", 200),
        (f"/routing?load={2**31}", 422),
        (f"/routing/versions/{2**31}", 422),
    ],
)
def test_values_past_the_calendar_or_the_database_are_not_server_errors(
    database_url: str, path: str, status: int
) -> None:
    """Found by fuzzing: each of these was a 500 (on PostgreSQL, or on both databases)."""
    for site in make_site(database_url):
        assert site.sign_in(Role.MANAGER).get(path).status_code == status
