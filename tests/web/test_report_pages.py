"""The reports and experiments pages: metrics by group over a period with a chart and CSV,
errors shown on the page, and the A/B experiments of the routing file."""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest

from leadroute.services.principals import Role
from tests.web.conftest import ROOT, Site, make_site

EXPERIMENTS = ROOT / "examples" / "experiments" / "routing.yaml"


@pytest.fixture
def experiment_site(database_url: str) -> Iterator[Site]:
    """The site on examples/experiments (top performer against round robin, 50/50)."""
    yield from make_site(database_url, EXPERIMENTS)


def _close(site: Site, lead_id: object, outcome: str, amount: float | None = None) -> None:
    body: dict[str, object] = {"type": outcome}
    if amount is not None:
        body["amount"] = amount
    answer = site.client.post(f"/api/v1/leads/{lead_id}/events", json=body, headers=site.admin)
    assert answer.status_code == 200, answer.text


def _row(page: str, group: str) -> str:
    """The table row of one group, tags and all."""
    start = page.index(f'<th scope="row">{group}</th>')
    return page[start : page.index("</tr>", start)]


def test_a_won_lead_shows_in_its_reps_conversion_and_sales(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    won = site.post_lead(email="ana@acme.example", country="US", region="US-CA")
    lost = site.post_lead(email="bo@acme.example", country="US", region="US-WA")
    assert (won["owner"], lost["owner"]) == ("jordan", "jordan")
    before = browser.get("/reports?by=rep")
    assert 'value="2026-03-01"' in before.text  # this month by default (the clock: 2026-03-03)
    assert 'value="2026-04-01"' in before.text
    assert "<strong>0</strong><span>won of 0 decided</span>" in before.text
    _close(site, won["id"], "won", 100)
    page = browser.get("/reports?by=rep").text
    assert "<strong>1</strong><span>won of 1 decided</span>" in page
    jordan = _row(page, "jordan")
    assert '<td class="num">2</td>' in jordan  # leads
    assert "100.0%" in jordan
    assert '<td class="num">100</td>' in jordan  # sales
    assert "100.0%" not in _row(page, "priya")
    _close(site, lost["id"], "lost")
    after = browser.get("/reports?by=rep").text
    assert "50.0%" in _row(after, "jordan")
    assert "Fairness:" in after
    assert "<strong>2</strong><span>leads</span>" in after
    assert "All leads" in after


def test_the_chart_is_an_svg_of_the_chosen_metric(site: Site) -> None:
    browser = site.sign_in(Role.AUDITOR)
    site.post_lead(email="ana@acme.example", country="US", region="US-CA")
    page = browser.get("/reports?by=source&metric=leads").text
    assert (
        'src="/reports/chart.svg?by=source&amp;from=2026-03-01&amp;to=2026-04-01&amp;metric=leads"'
        in page
    )
    chart = browser.get("/reports/chart.svg?by=source&metric=leads&from=2026-03-01&to=2026-04-01")
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in chart.content
    assert browser.get("/reports/chart.svg?metric=nothing").status_code == 422
    assert site.sign_in(Role.REP, rep="sam").get("/reports/chart.svg").status_code == 403


def test_the_summary_downloads_as_csv(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    site.post_lead(email="ana@acme.example", country="US", region="US-CA", source="webinar")
    answer = browser.get("/reports/summary.csv?by=source&from=2026-03-01&to=2026-04-01")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    lines = answer.text.splitlines()
    assert lines[0].startswith("group,")
    assert any(line.startswith("webinar,") for line in lines)


def test_a_bad_grouping_or_period_is_shown_on_the_page(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    bad_by = browser.get("/reports?by=reps")
    assert bad_by.status_code == 422
    text = html.unescape(bad_by.text)
    assert "This report cannot be made" in text
    assert "unknown grouping 'reps' (did you mean 'rep'?)" in text
    assert 'value="reps"' in bad_by.text
    bad_period = browser.get("/reports?from=yesterday&to=2026-03-01")
    assert bad_period.status_code == 422
    assert "is neither a date" in html.unescape(bad_period.text)
    by_field = browser.get("/reports?by=country,source")
    assert by_field.status_code == 200
    assert "This report cannot be made" not in by_field.text
    backwards = browser.get("/reports?from=2026-03-05&to=2026-03-01")
    assert backwards.status_code == 422
    assert "is not before to" in backwards.text


def test_an_empty_period_says_how_to_get_data(site: Site) -> None:
    page = site.sign_in(Role.MANAGER).get("/reports")
    assert page.status_code == 200
    assert "No leads in this period" in page.text
    assert "leadroute demo" in page.text
    assert "<img" not in page.text


def test_reps_cannot_read_reports(site: Site) -> None:
    rep = site.sign_in(Role.REP, rep="sam")
    assert rep.get("/reports").status_code == 403
    assert rep.get("/reports/summary.csv").status_code == 403
    assert rep.get("/experiments").status_code == 403


def test_without_experiments_the_page_says_how_to_add_one(site: Site) -> None:
    page = site.sign_in(Role.MANAGER).get("/experiments")
    assert page.status_code == 200
    assert "No experiment in the routing file" in page.text
    assert "examples/experiments" in page.text
    assert site.sign_in(Role.MANAGER).get("/experiments/nope").status_code == 404


def test_an_experiment_shows_its_arms_test_and_verdict(experiment_site: Site) -> None:
    site = experiment_site
    browser = site.sign_in(Role.MANAGER)
    listing = browser.get("/experiments")
    assert listing.status_code == 200
    assert '<a href="/experiments/top-vs-rotation">top-vs-rotation</a>' in listing.text
    assert ">running</span>" in listing.text
    empty = browser.get("/experiments/top-vs-rotation").text
    assert "no leads in the experiment yet" in empty
    assert "No lead in this experiment yet" in empty
    arms: dict[str, int] = {"control": 0, "variant": 0}
    for index in range(12):
        lead = site.post_lead(email=f"lead{index}@shop.example")
        decision = lead["decision"]
        assert isinstance(decision, dict)
        arms[str(decision["arm"])] += 1
        _close(
            site, lead["id"], "won" if index % 3 == 0 else "lost", 50.0 if index % 3 == 0 else None
        )
    page = browser.get("/experiments/top-vs-rotation")
    assert page.status_code == 200
    text = html.unescape(page.text)
    for arm, flow in (("control", "routing"), ("variant", "top")):
        row = _row(text, arm)
        assert f"<td>{flow}</td>" in row
        assert f'<td class="num">{arms[arm]}</td>' in row
    assert "Verdict:" in text
    assert "p-value" in text
    assert "Sample ratio" in text
    assert 'src="/experiments/top-vs-rotation/chart.svg?metric=conversion"' in page.text
    chart = browser.get("/experiments/top-vs-rotation/chart.svg?metric=conversion")
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert browser.get("/experiments/top-vs-rotation/chart.svg?metric=gini").status_code == 422
    by_arm = browser.get("/reports?by=arm").text
    assert "control" in by_arm
    assert "variant" in by_arm
