"""The report of an A/B experiment of routing: each arm's numbers, variant minus control with a
confidence interval and a two-proportion test, the sample-ratio-mismatch check, and a plain
verdict a sales manager can act on.

Conversion is won / decided (won + lost) as everywhere in reports; leads still open count in
an arm's leads and sales per lead but not in its conversion.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime

from leadroute.reports.facts import LeadFact, speeds_to_lead
from leadroute.reports.stats import leads_per_arm, percentile, sample_ratio_p, two_proportions
from leadroute.reports.stats import wilson as wilson_interval
from leadroute.routing.experiments import ARMS, CONTROL, VARIANT, Experiment

SRM_ALPHA = 0.001
"""Below this sample-ratio p-value the split is called broken."""
ALPHA = 0.05
"""Below this p-value a difference in conversion is called real."""

PLANNED, RUNNING, STOPPED = "planned", "running", "stopped"
_ROOM = 0.01


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True, kw_only=True, slots=True)
class ArmReport:
    """One arm's leads and results (rates to 4 decimals, money to 2, seconds to 1)."""

    arm: str
    flow: str
    intended_share: float
    leads: int
    decided: int
    won: int
    lost: int
    conversion: float | None
    conversion_low: float | None
    conversion_high: float | None
    speed_to_lead_median_s: float | None
    sales: float
    sales_per_lead: float | None

    def as_dict(self) -> dict[str, object]:
        return {item.name: getattr(self, item.name) for item in fields(self)}


@dataclass(frozen=True, kw_only=True, slots=True)
class Difference:
    """Variant minus control conversion, its 95% interval and the two-proportion p-value."""

    difference: float
    low: float
    high: float
    p_value: float

    def as_dict(self) -> dict[str, object]:
        return {
            "difference": self.difference,
            "low": self.low,
            "high": self.high,
            "p_value": self.p_value,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class ExperimentReport:
    """`needed`: decided leads still needed to detect `lift` (None when enough, or when it
    cannot be reckoned). `srm`: the split is broken (sample-ratio p below 0.001)."""

    name: str
    status: str
    split: float
    start: datetime | None
    stop: datetime | None
    arms: tuple[ArmReport, ...]
    comparison: Difference | None
    srm_p_value: float | None
    srm: bool
    lift: float
    needed: int | None
    verdict: str

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "status": self.status,
            "split": self.split,
            "start": self.start.isoformat() if self.start else None,
            "stop": self.stop.isoformat() if self.stop else None,
            "arms": [arm.as_dict() for arm in self.arms],
            "comparison": self.comparison.as_dict() if self.comparison else None,
            "srm_p_value": self.srm_p_value,
            "srm": self.srm,
            "lift": self.lift,
            "needed": self.needed,
            "verdict": self.verdict,
        }


def status_of(experiment: Experiment, now: datetime) -> str:
    if experiment.start is not None and now < experiment.start:
        return PLANNED
    if experiment.stop is not None and now >= experiment.stop:
        return STOPPED
    return RUNNING


def _arm(experiment: Experiment, arm: str, facts: Sequence[LeadFact]) -> ArmReport:
    won = [fact for fact in facts if fact.won]
    lost = sum(1 for fact in facts if fact.lost)
    decided = len(won) + lost
    interval = wilson_interval(len(won), decided)
    speeds = speeds_to_lead(facts)
    sales = float(sum(fact.amount for fact in won if fact.amount is not None))
    return ArmReport(
        arm=arm,
        flow=experiment.variant if arm == VARIANT else experiment.control,
        intended_share=round(experiment.share(arm), 4),
        leads=len(facts),
        decided=decided,
        won=len(won),
        lost=lost,
        conversion=_r(len(won) / decided if decided else None),
        conversion_low=_r(interval.low if interval else None),
        conversion_high=_r(interval.high if interval else None),
        speed_to_lead_median_s=_r(percentile(speeds, 50), 1),
        sales=round(sales, 2),
        sales_per_lead=_r(sales / len(facts) if facts else None, 2),
    )


def analyze(
    experiment: Experiment, facts: Sequence[LeadFact], *, now: datetime, lift: float = 0.05
) -> ExperimentReport:
    """Report on the leads of `facts` that took part in `experiment` (others are ignored).
    `lift` is the difference in conversion worth detecting (0.05: five points)."""
    taking_part = [fact for fact in facts if fact.experiment == experiment.name]
    by_arm = {arm: [fact for fact in taking_part if fact.arm == arm] for arm in ARMS}
    control, variant = (_arm(experiment, arm, by_arm[arm]) for arm in ARMS)
    compared = two_proportions((control.won, control.decided), (variant.won, variant.decided))
    comparison = (
        Difference(
            difference=round(compared.difference, 4),
            low=round(compared.interval.low, 4),
            high=round(compared.interval.high, 4),
            p_value=round(compared.p_value, 4),
        )
        if compared is not None
        else None
    )
    srm_p = sample_ratio_p(
        [control.leads, variant.leads], [experiment.share(CONTROL), experiment.share(VARIANT)]
    )
    srm = srm_p is not None and srm_p < SRM_ALPHA
    needed = _needed(experiment, control, variant, lift)
    report = ExperimentReport(
        name=experiment.name,
        status=status_of(experiment, now),
        split=experiment.split,
        start=experiment.start,
        stop=experiment.stop,
        arms=(control, variant),
        comparison=comparison,
        srm_p_value=_r(srm_p, 6),
        srm=srm,
        lift=lift,
        needed=needed,
        verdict="",
    )
    return _with_verdict(report, compared.p_value if compared else None)


def _baseline(control: ArmReport, variant: ArmReport) -> float | None:
    """The control's conversion, else both arms' together, else None (nothing decided)."""
    if control.decided:
        return control.won / control.decided
    decided = control.decided + variant.decided
    return (control.won + variant.won) / decided if decided else None


def _needed(
    experiment: Experiment, control: ArmReport, variant: ArmReport, lift: float
) -> int | None:
    """Decided leads still needed for the test to see `lift` with 80% power: the per-arm
    sample size over the smaller arm's share (so the smaller arm gets its due), minus the
    decided leads there are. None when there are enough or it cannot be reckoned."""
    baseline = _baseline(control, variant)
    if baseline is None:
        return None
    # A baseline too close to 100% to be lifted (often a handful of lucky wins) is sized as
    # if it left a point of room: the estimate stays finite and honest about needing more.
    per_arm = leads_per_arm(min(baseline, 1 - lift - _ROOM), lift) if lift < 1 - _ROOM else None
    smaller = min(experiment.share(CONTROL), experiment.share(VARIANT))
    if per_arm is None or smaller <= 0:
        return None
    missing = math.ceil(per_arm / smaller) - control.decided - variant.decided
    return missing if missing > 0 else None


def _pct(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def _points(value: float) -> str:
    return f"{value * 100:+.1f}"


def _p(value: float) -> str:
    return "p < 0.001" if value < 0.001 else f"p = {value:.2g}"


def _with_verdict(report: ExperimentReport, p_value: float | None) -> ExperimentReport:
    control, variant = report.arms
    lift_text = f"{report.lift * 100:g}-point lift"
    if control.leads + variant.leads == 0:
        verdict = "no leads in the experiment yet"
    elif report.srm:
        verdict = (
            f"the split is broken: {control.leads} control and {variant.leads} variant leads "
            f"where {control.intended_share:.0%} / {variant.intended_share:.0%} was intended "
            f"(sample ratio mismatch, {_p(report.srm_p_value or 0.0)}); the comparison can't "
            "be trusted until the cause is found"
        )
    elif report.comparison is not None and p_value is not None and p_value < ALPHA:
        difference = report.comparison
        direction = "better" if difference.difference > 0 else "worse"
        verdict = (
            f"variant converts {direction}: {_pct(variant.won / variant.decided)} vs "
            f"{_pct(control.won / control.decided)} ({_points(difference.difference)} points, "
            f"95% CI {_points(difference.low)} to {_points(difference.high)}), {_p(p_value)}"
        )
    elif report.needed is not None:
        baseline = _baseline(control, variant) or 0.0
        who = "control converts" if control.decided else "both arms convert"
        verdict = (
            f"not enough data yet: need about {report.needed} more decided leads for a "
            f"{lift_text} ({who} {_pct(baseline)})"
        )
    elif control.decided + variant.decided == 0:
        verdict = "not enough data yet: no lead of the experiment is won or lost yet"
    elif report.comparison is None or p_value is None:
        empty = "control" if control.decided == 0 else "variant"
        verdict = f"not enough data yet: no {empty} lead is won or lost yet"
    else:
        difference = report.comparison
        verdict = (
            f"no real difference: variant {_pct(variant.won / variant.decided)} vs control "
            f"{_pct(control.won / control.decided)} ({_points(difference.difference)} points, "
            f"95% CI {_points(difference.low)} to {_points(difference.high)}), {_p(p_value)}; "
            f"enough leads are decided to see a {lift_text}"
        )
    return replace(report, verdict=verdict)
