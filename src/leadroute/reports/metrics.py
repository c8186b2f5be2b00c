"""Metrics of leads over a period, one row per group (docs/REPORTS.md defines each).

Pure over `LeadFact`s and the routing config (its roster, rules, costs and lifetime-value
field). Rates and shares are rounded to 4 decimals, money to 2, seconds to 1, days to 2.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from itertools import product

from leadroute.reports.facts import LeadFact, speeds_to_lead
from leadroute.reports.fairness import Fairness, RepShare, fairness, shares_by_rep
from leadroute.reports.groups import (
    NONE,
    SEPARATOR,
    Key,
    keys_of,
    label_of,
    parse_by,
    reader,
    sort_key,
)
from leadroute.reports.stats import percentile, wilson
from leadroute.routing.config import RoutingConfig
from leadroute.scoring.points import ACTIVITY_TYPES

TOTAL = "(all)"
_DAY_S = 86400.0

NUMERIC_METRICS = (
    "leads",
    "routed",
    "pooled",
    "touched",
    "won",
    "lost",
    "decided",
    "conversion",
    "speed_to_lead_median_s",
    "speed_to_lead_p90_s",
    "sla_leads",
    "sla_hits",
    "sla_misses",
    "sla_hit_rate",
    "cycle_median_days",
    "sales",
    "avg_deal",
    "cost",
    "cost_per_lead",
    "cost_per_won",
    "avg_lifetime_value",
    "reassignments",
    "cap_hits",
    "share",
    "intended_share",
)
"""The metrics a chart can show (every number of a row)."""


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _ratio(top: float, bottom: float) -> float | None:
    return top / bottom if bottom else None


def _number(value: object) -> float | None:
    """A lead field as a finite number (numbers, and text that reads as one), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True, kw_only=True, slots=True)
class Metrics:
    """The metrics of one group of leads (or of all of them: the totals)."""

    group: str
    keys: Mapping[str, str] = field(default_factory=dict)
    leads: int = 0
    routed: int = 0
    pooled: int = 0
    touched: int = 0
    won: int = 0
    lost: int = 0
    decided: int = 0
    conversion: float | None = None
    conversion_low: float | None = None
    conversion_high: float | None = None
    speed_to_lead_median_s: float | None = None
    speed_to_lead_p90_s: float | None = None
    sla_leads: int = 0
    sla_hits: int = 0
    sla_misses: int = 0
    sla_hit_rate: float | None = None
    cycle_median_days: float | None = None
    sales: float = 0.0
    avg_deal: float | None = None
    cost: float = 0.0
    cost_per_lead: float | None = None
    cost_per_won: float | None = None
    avg_lifetime_value: float | None = None
    activities: Mapping[str, int] = field(default_factory=dict)
    reassignments: int = 0
    cap_hits: int = 0
    share: float | None = None
    intended_share: float | None = None

    def as_dict(self, *, shares: bool = False) -> dict[str, object]:
        """The row as JSON; `share` and `intended_share` only when `shares` (by=rep)."""
        out: dict[str, object] = {
            item.name: getattr(self, item.name)
            for item in fields(self)
            if item.name not in ("share", "intended_share") or shares
        }
        out["keys"] = dict(self.keys)
        out["activities"] = dict(self.activities)
        return out


def measure(
    facts: Sequence[LeadFact],
    config: RoutingConfig,
    *,
    group: str,
    keys: Mapping[str, str] | None = None,
    cap_hits: int | None = None,
    share: RepShare | None = None,
) -> Metrics:
    """The metrics of these leads. `cap_hits` defaults to the leads whose first decision
    skipped some rep for a full cap; `share` gives a rep row its shares."""
    won = [fact for fact in facts if fact.won]
    lost = sum(1 for fact in facts if fact.lost)
    decided = len(won) + lost
    interval = wilson(len(won), decided)
    speeds = speeds_to_lead(facts)
    cycles = [
        max(0.0, (fact.closed_at - fact.received_at).total_seconds()) / _DAY_S
        for fact in won
        if fact.closed_at is not None
    ]
    hits = sum(1 for f in facts if f.sla and f.touched_at is not None and not f.sla_missed)
    misses = sum(1 for fact in facts if fact.sla_missed)
    amounts = [fact.amount for fact in won if fact.amount is not None]
    cost = float(sum(config.reporting.cost_of(fact.source) for fact in facts))
    values = [
        number
        for fact in won
        if (number := _number(fact.fields.get(config.reporting.lifetime_value_field))) is not None
    ]
    return Metrics(
        group=group,
        keys=dict(keys or {}),
        leads=len(facts),
        routed=sum(1 for fact in facts if fact.routed_to is not None),
        pooled=sum(1 for fact in facts if fact.pooled_in is not None),
        touched=len(speeds),
        won=len(won),
        lost=lost,
        decided=decided,
        conversion=_round(_ratio(len(won), decided), 4),
        conversion_low=_round(interval.low if interval else None, 4),
        conversion_high=_round(interval.high if interval else None, 4),
        speed_to_lead_median_s=_round(percentile(speeds, 50), 1),
        speed_to_lead_p90_s=_round(percentile(speeds, 90), 1),
        sla_leads=sum(1 for fact in facts if fact.sla or fact.sla_missed),
        sla_hits=hits,
        sla_misses=misses,
        sla_hit_rate=_round(_ratio(hits, hits + misses), 4),
        cycle_median_days=_round(statistics.median(cycles) if cycles else None, 2),
        sales=round(float(sum(amounts)), 2),
        avg_deal=_round(statistics.fmean(amounts) if amounts else None, 2),
        cost=round(cost, 2),
        cost_per_lead=_round(_ratio(cost, len(facts)), 2),
        cost_per_won=_round(_ratio(cost, len(won)), 2),
        avg_lifetime_value=_round(statistics.fmean(values) if values else None, 2),
        activities=_activities(facts),
        reassignments=sum(fact.reassignments for fact in facts),
        cap_hits=sum(1 for f in facts if f.capped) if cap_hits is None else cap_hits,
        share=share.share if share is not None else None,
        intended_share=share.intended_share if share is not None else None,
    )


def _activities(facts: Sequence[LeadFact]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for fact in facts:
        counts.update(fact.activities)
    known = {kind: counts.get(kind, 0) for kind in ACTIVITY_TYPES}
    return {**known, **{kind: counts[kind] for kind in sorted(counts) if kind not in known}}


@dataclass(frozen=True, kw_only=True, slots=True)
class Summary:
    """Rows in natural group order, the totals (each lead once, whatever the grouping) and
    the fairness of the whole period."""

    by: tuple[str, ...]
    rows: tuple[Metrics, ...]
    totals: Metrics
    fairness: Fairness

    def as_dict(self) -> dict[str, object]:
        shares = self.by == ("rep",)
        return {
            "by": ",".join(self.by),
            "rows": [row.as_dict(shares=shares) for row in self.rows],
            "totals": self.totals.as_dict(),
            "fairness": self.fairness.as_dict(),
        }


def known_fields(facts: Sequence[LeadFact]) -> set[str]:
    """Every field name some lead has (bare names in `by` may group by them)."""
    return {name for fact in facts for name in fact.fields}


def summarize(facts: Sequence[LeadFact], config: RoutingConfig, *, by: str) -> Summary:
    """The summary of the leads grouped by `by` ("rep", "rep,source", "field:segment", ...;
    InvalidInput for an unknown grouping)."""
    keys = parse_by(by, fields=known_fields(facts))
    reps = {rep.id: rep for rep in config.reps}
    groups: dict[Key, list[LeadFact]] = {}
    for fact, found in keys_of(facts, keys, timezone=config.timezone, reps=reps):
        for key in found:
            groups.setdefault(key, []).append(fact)
    for key in _everyone(keys, config):
        groups.setdefault(key, [])
    caps = _rep_cap_hits(facts, keys, config)
    for key in caps:
        groups.setdefault(key, [])
    fair = fairness(facts, config)
    shares = shares_by_rep(fair) if keys == ("rep",) else {}
    rows = tuple(
        measure(
            groups[key],
            config,
            group=SEPARATOR.join(key),
            keys={label_of(name): part for name, part in zip(keys, key, strict=True)},
            cap_hits=caps.get(key, 0) if "rep" in keys else None,
            share=shares.get(key[0]) if shares and key[0] != NONE else None,
        )
        for key in sorted(groups, key=sort_key)
    )
    return Summary(by=keys, rows=rows, totals=measure(facts, config, group=TOTAL), fairness=fair)


def _everyone(keys: tuple[str, ...], config: RoutingConfig) -> list[Key]:
    """By rep (or team) alone, every rep (team) of the roster has a row, with zeros if need be."""
    if keys == ("rep",):
        return [(rep.id,) for rep in config.reps]
    if keys == ("team",):
        teams = {team for rep in config.reps for team in rep.teams} | set(config.teams)
        return [(team,) for team in sorted(teams)]
    return []


def _rep_cap_hits(
    facts: Sequence[LeadFact], keys: tuple[str, ...], config: RoutingConfig
) -> Counter[Key]:
    """When grouping by rep: per group key, the leads whose first decision skipped that rep
    for a full cap (the other keys read from the lead as usual)."""
    counts: Counter[Key] = Counter()
    if "rep" not in keys:
        return counts
    reps = {rep.id: rep for rep in config.reps}
    readers = [reader(key, timezone=config.timezone, reps=reps) for key in keys]
    where = keys.index("rep")
    for fact in facts:
        for rep_id in dict.fromkeys(fact.capped):
            parts = [
                (rep_id,) if index == where else read(fact) for index, read in enumerate(readers)
            ]
            counts.update(product(*parts))
    return counts
