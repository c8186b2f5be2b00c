"""The A/B experiment report: per-arm numbers, the comparison, the sample-ratio check, the
status and each verdict."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from leadroute.reports.experiments import analyze, status_of
from leadroute.reports.facts import LeadFact
from leadroute.reports.stats import leads_per_arm
from leadroute.routing.experiments import Experiment

START = datetime(2026, 3, 1, tzinfo=UTC)
STOP = datetime(2026, 6, 1, tzinfo=UTC)
NOW = datetime(2026, 4, 1, tzinfo=UTC)
EXPERIMENT = Experiment(name="ab", control="routing", variant="top", start=START, stop=STOP)


def arm_facts(
    arm: str, *, won: int = 0, lost: int = 0, still_open: int = 0, experiment: str = "ab"
) -> list[LeadFact]:
    statuses = ["won"] * won + ["lost"] * lost + ["routed"] * still_open
    return [
        LeadFact(
            id=f"{experiment}-{arm}-{n}",
            received_at=START,
            status=status,
            experiment=experiment,
            arm=arm,
        )
        for n, status in enumerate(statuses)
    ]


def test_no_leads_yet() -> None:
    report = analyze(EXPERIMENT, arm_facts("control", won=3, experiment="other"), now=NOW)
    assert report.verdict == "no leads in the experiment yet"
    assert [arm.leads for arm in report.arms] == [0, 0]
    assert (report.comparison, report.srm_p_value, report.srm) == (None, None, False)


def test_sample_ratio_mismatch_on_600_to_400() -> None:
    facts = arm_facts("control", won=150, lost=450) + arm_facts("variant", won=100, lost=300)
    report = analyze(EXPERIMENT, facts, now=NOW)
    assert report.srm
    assert report.srm_p_value is not None
    assert report.srm_p_value < 0.001
    assert report.verdict == (
        "the split is broken: 600 control and 400 variant leads where 50% / 50% was intended "
        "(sample ratio mismatch, p < 0.001); the comparison can't be trusted until the cause "
        "is found"
    )


def test_a_split_within_chance_is_no_mismatch() -> None:
    facts = arm_facts("control", won=10, lost=10) + arm_facts("variant", won=12, lost=12)
    report = analyze(EXPERIMENT, facts, now=NOW)
    assert not report.srm
    assert report.srm_p_value == pytest.approx(0.5465, abs=1e-4)  # chi-square 4/11, 1 df


def test_variant_converts_better() -> None:
    facts = arm_facts("control", won=245, lost=755) + arm_facts("variant", won=310, lost=690)
    report = analyze(EXPERIMENT, facts, now=NOW)
    # difference 0.065; Newcombe's interval from the Wilson intervals [.2193, .2726] and
    # [.2821, .3394]: .065 - sqrt(.0279^2 + .0276^2) = .0258, .065 + sqrt(.0294^2 + .0257^2)
    # = .1040; pooled 0.2775: z = 0.065 / sqrt(.2775 * .7225 * .002) = 3.246, p = 0.0012
    assert report.verdict == (
        "variant converts better: 31.0% vs 24.5% (+6.5 points, 95% CI +2.6 to +10.4), p = 0.0012"
    )
    assert report.comparison is not None
    assert (report.comparison.difference, report.comparison.low, report.comparison.high) == (
        0.065,
        0.0258,
        0.104,
    )


def test_variant_converts_worse() -> None:
    facts = arm_facts("control", won=310, lost=690) + arm_facts("variant", won=245, lost=755)
    verdict = analyze(EXPERIMENT, facts, now=NOW).verdict
    assert verdict == (
        "variant converts worse: 24.5% vs 31.0% (-6.5 points, 95% CI -10.4 to -2.6), p = 0.0012"
    )


def test_not_enough_data_says_how_many_more() -> None:
    facts = arm_facts("control", won=3, lost=7, still_open=5) + arm_facts(
        "variant", won=4, lost=6, still_open=5
    )
    report = analyze(EXPERIMENT, facts, now=NOW)
    per_arm = leads_per_arm(0.3, 0.05)
    assert per_arm is not None
    assert report.needed == 2 * per_arm - 20
    assert report.verdict == (
        f"not enough data yet: need about {2 * per_arm - 20} more decided leads for a "
        "5-point lift (control converts 30.0%)"
    )


def test_uneven_split_sizes_by_the_smaller_arm() -> None:
    uneven = Experiment(name="ab", control="routing", variant="top", split=20.0)
    facts = arm_facts("control", won=24, lost=56) + arm_facts("variant", won=5, lost=15)
    report = analyze(uneven, facts, now=NOW, lift=0.10)
    per_arm = leads_per_arm(0.3, 0.10)
    assert per_arm is not None
    assert report.needed == math.ceil(per_arm / 0.2) - 100
    assert "for a 10-point lift (control converts 30.0%)" in report.verdict
    assert [arm.intended_share for arm in report.arms] == [0.8, 0.2]


def test_no_real_difference_with_enough_data() -> None:
    facts = arm_facts("control", won=500, lost=1500) + arm_facts("variant", won=510, lost=1490)
    report = analyze(EXPERIMENT, facts, now=NOW)
    assert report.needed is None
    # pooled 0.2525: z = 0.005 / sqrt(.2525 * .7475 * .001) = 0.364, p = 0.716
    assert report.verdict == (
        "no real difference: variant 25.5% vs control 25.0% (+0.5 points, 95% CI -2.2 to +3.2), "
        "p = 0.72; enough leads are decided to see a 5-point lift"
    )


def test_nothing_decided_yet() -> None:
    facts = arm_facts("control", still_open=3) + arm_facts("variant", still_open=3)
    report = analyze(EXPERIMENT, facts, now=NOW)
    assert report.verdict == "not enough data yet: no lead of the experiment is won or lost yet"


def test_arm_numbers() -> None:
    base = START
    facts = [
        LeadFact(
            id="c1",
            received_at=base,
            status="won",
            amount=1000.0,
            touched_at=base + timedelta(seconds=30),
            experiment="ab",
            arm="control",
        ),
        LeadFact(
            id="c2",
            received_at=base,
            status="lost",
            touched_at=base + timedelta(seconds=90),
            experiment="ab",
            arm="control",
        ),
        LeadFact(id="c3", received_at=base, experiment="ab", arm="control"),
        LeadFact(id="v1", received_at=base, status="won", experiment="ab", arm="variant"),
    ]
    control, variant = analyze(EXPERIMENT, facts, now=NOW).arms
    assert control.as_dict() == {
        "arm": "control",
        "flow": "routing",
        "intended_share": 0.5,
        "leads": 3,
        "decided": 2,
        "won": 1,
        "lost": 1,
        "conversion": 0.5,
        "conversion_low": 0.0945,
        "conversion_high": 0.9055,
        "speed_to_lead_median_s": 60.0,
        "sales": 1000.0,
        "sales_per_lead": 333.33,
    }
    assert (variant.flow, variant.sales, variant.sales_per_lead) == ("top", 0.0, 0.0)


def test_status() -> None:
    assert status_of(EXPERIMENT, START - timedelta(seconds=1)) == "planned"
    assert status_of(EXPERIMENT, START) == "running"
    assert status_of(EXPERIMENT, STOP) == "stopped"
    always = Experiment(name="x", control="routing", variant="top")
    assert status_of(always, NOW) == "running"
    assert analyze(EXPERIMENT, [], now=STOP).as_dict()["status"] == "stopped"
