"""A Comparison as plain JSON data: everything the table shows and more (the model's rates,
every rep's load), floats rounded to 4 decimals so equal runs print equal bytes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict

from leadroute.simulate.comparison import Comparison, ConfigResult
from leadroute.simulate.outcome_model import OutcomeModel
from leadroute.simulate.valuation import Estimate

Data = dict[str, object]


def comparison_data(comparison: Comparison) -> Data:
    """The whole comparison: history, settings, model, one entry per routing, caveats."""
    history, settings, model = comparison.history, comparison.settings, comparison.model
    arrivals = history.arrivals
    sample = model.sample
    first = comparison.configs[0].name
    return {
        "history": {
            "file": history.source,
            "rows": history.rows,
            "arrivals": len(arrivals),
            "without_time": history.without_time,
            "from": arrivals[0].at.isoformat(),
            "to": arrivals[-1].at.isoformat(),
            "won": int(sample.won.sum()),
            "lost": int((sample.decided & ~sample.won).sum()),
            "open": int((~sample.decided).sum()),
            "reps": len(sample.reps),
            "segments": len(sample.segments),
            "as_assigned": None
            if comparison.as_assigned is None
            else {
                "expected_wins": _round(comparison.as_assigned[0]),
                "expected_revenue": _round(comparison.as_assigned[1]),
            },
        },
        "settings": {
            "seed": settings.seed,
            "bootstrap": settings.bootstrap,
            "prior_strength": settings.strength,
            "capacity": settings.capacity,
            "close_after_days": settings.close_after.total_seconds() / 86400,
        },
        "model": model_data(model),
        "configs": [config_data(result, first) for result in comparison.configs],
        "caveats": list(comparison.caveats),
    }


def model_data(model: OutcomeModel) -> Data:
    """The fitted rates with the decided counts behind each."""
    sample = model.sample
    sizes = model.deal_sizes
    return {
        "global_rate": _round(model.global_rate),
        "rep_effect": model.rep_effect,
        "global_deal_size": _round(model.global_size),
        "segments": [
            {
                "segment": segment,
                "decided": int(model.segment_decided[s]),
                "rate": _round(float(model.segment_rates[s])),
                "deal_size": _round(float(sizes[s])) if sizes is not None else None,
            }
            for s, segment in enumerate(sample.segments)
        ],
        "reps": [
            {
                "rep": rep,
                "decided": int(model.rep_decided[r]),
                "won": int(model.rep_won[r]),
                "rate": _round(float(model.rep_rates[r])),
            }
            for r, rep in enumerate(sample.reps)
        ],
        "cells": [
            {
                "rep": rep,
                "segment": segment,
                "decided": int(model.cell_decided[r, s]),
                "rate": _round(float(model.cell_rates[r, s])),
            }
            for r, rep in enumerate(sample.reps)
            for s, segment in enumerate(sample.segments)
        ],
    }


def config_data(result: ConfigResult, first: str) -> Data:
    """One routing's measures; `first` names the routing differences are taken from."""
    value = result.value
    rep_wins: Mapping[str, float] = value.rep_wins if value is not None else {}
    reps = []
    for load in result.reps:
        entry: Data = {
            key: _round(item) if isinstance(item, float) else item
            for key, item in asdict(load).items()
        }
        entry["history_name"] = result.history_names.get(load.rep)
        entry["expected_wins"] = _round(rep_wins.get(load.rep)) if value is not None else None
        reps.append(entry)
    feasibility = result.feasibility
    return {
        "name": result.name,
        "leads": result.leads,
        "routed": result.routed,
        "left_in_pools": result.left_in_pools,
        "pools": dict(result.pools),
        "unplaced": result.unplaced,
        "cap_hits": result.cap_hits,
        "cap_skips": result.cap_skips,
        "reassigned": result.reassigned,
        "gini": _round(result.gini),
        "shares": None if result.shares is None else [_round(share) for share in result.shares],
        "sla": None
        if feasibility is None
        else {
            key: _round(v) if isinstance(v, float) else v for key, v in asdict(feasibility).items()
        },
        "expected_wins": None
        if value is None
        else {
            **value.wins.as_dict(),
            "routed": _round(value.wins_routed),
            "pooled": _round(value.wins_pooled),
        },
        "expected_revenue": _estimate(value.revenue if value else None),
        "difference_from_first": None
        if value is None or value.wins_difference is None
        else {
            "from": first,
            "wins": _estimate(value.wins_difference),
            "revenue": _estimate(value.revenue_difference),
        },
        "reps": reps,
        "caveats": list(result.caveats),
    }


def _estimate(estimate: Estimate | None) -> Data | None:
    return None if estimate is None else dict(estimate.as_dict())


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
