"""Expected wins and revenue of simulated routings under the outcome model, with bootstrap
intervals.

Expected wins of a routing = sum over its routed leads of P(win | chosen rep, lead's segment),
plus each lead left in a pool at its segment's rate (as if an average rep worked it later).
Leads disqualified or merged by the routing file count for nothing. Revenue weighs each lead's
P(win) by its segment's deal size.

The bootstrap resamples history rows with replacement, refits the model and re-values every
routing on the same resample, so a difference between two routings gets a paired interval.
The routings themselves stay as simulated: the intervals are the outcome model's uncertainty.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from leadroute.simulate.outcome_model import Floats, OutcomeModel, fit

INTERVAL = (2.5, 97.5)


@dataclass(frozen=True, kw_only=True, slots=True)
class Estimate:
    """A point estimate (the model fitted on the whole history) and its 95% bootstrap
    percentile interval (None without a bootstrap)."""

    value: float
    low: float | None = None
    high: float | None = None

    def as_dict(self) -> dict[str, float | None]:
        return {"value": _round(self.value), "low": _round(self.low), "high": _round(self.high)}


@dataclass(frozen=True, kw_only=True, slots=True, eq=False)
class Tally:
    """One routing's leads by segment: per rep (with the model row that values them: the
    history's rep, or the last row for a rep the history does not know) and left in pools."""

    reps: Mapping[str, Floats]
    rows: Mapping[str, int]
    pooled: Floats

    def routed(self, n_rows: int) -> Floats:
        """Leads by (model row, segment)."""
        table = np.zeros((n_rows, len(self.pooled)))
        for rep, counts in self.reps.items():
            table[self.rows[rep]] += counts
        return table


@dataclass(frozen=True, kw_only=True, slots=True)
class Value:
    """One routing's expected wins (split into routed and pooled leads), revenue, the
    difference from the first routing (None for the first) and each rep's expected wins."""

    wins: Estimate
    wins_routed: float
    wins_pooled: float
    revenue: Estimate | None
    wins_difference: Estimate | None
    revenue_difference: Estimate | None
    rep_wins: Mapping[str, float]


def tally_of(
    model: OutcomeModel,
    history_names: Mapping[str, str | None],
    reps: Sequence[str | None],
    pools: Sequence[str | None],
    segments: Sequence[int],
) -> Tally:
    """Count a routing's leads: `reps[i]`/`pools[i]` is where lead i went, `segments[i]` its
    segment index in the model's sample; `history_names` maps each config rep to the name the
    history knows them by (None: unknown to the history)."""
    n_seg = len(model.sample.segments)
    known = {name: i for i, name in enumerate(model.sample.reps)}
    unknown_row = len(model.sample.reps)
    by_rep: dict[str, Floats] = {rep: np.zeros(n_seg) for rep in history_names}
    pooled = np.zeros(n_seg)
    for rep, pool, segment in zip(reps, pools, segments, strict=True):
        if rep is not None:
            by_rep.setdefault(rep, np.zeros(n_seg))[segment] += 1
        elif pool is not None:
            pooled[segment] += 1
    rows = {}
    for rep in by_rep:
        name = history_names.get(rep)
        rows[rep] = known.get(name, unknown_row) if name is not None else unknown_row
    return Tally(reps=by_rep, rows=rows, pooled=pooled)


def value_all(
    model: OutcomeModel,
    tallies: Sequence[Tally],
    *,
    bootstrap: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
) -> list[Value]:
    """Value every routing with the model, then `bootstrap` paired resamples (seeded)."""
    point = [_totals(model, tally) for tally in tallies]
    draws = _draws(model, tallies, bootstrap, seed, progress)
    has_revenue = model.deal_sizes is not None
    rates = model.rates()
    out: list[Value] = []
    for c, tally in enumerate(tallies):
        wins, revenue = point[c]
        pooled = float(tally.pooled @ model.segment_rates)
        out.append(
            Value(
                wins=_estimate(wins, draws[:, c, 0] if draws is not None else None),
                wins_routed=wins - pooled,
                wins_pooled=pooled,
                revenue=_estimate(revenue, draws[:, c, 1] if draws is not None else None)
                if has_revenue
                else None,
                wins_difference=_difference(point, draws, c, 0),
                revenue_difference=_difference(point, draws, c, 1) if has_revenue else None,
                rep_wins={
                    rep: float(counts @ rates[tally.rows[rep]])
                    for rep, counts in tally.reps.items()
                },
            )
        )
    return out


def expected(model: OutcomeModel, tally: Tally) -> tuple[float, float | None]:
    """Expected wins and revenue (None without deal sizes) of a tally, no interval."""
    wins, revenue = _totals(model, tally)
    return wins, revenue if model.deal_sizes is not None else None


def _totals(model: OutcomeModel, tally: Tally) -> tuple[float, float]:
    rates = model.rates()
    routed = tally.routed(len(rates))
    wins = float((routed * rates).sum() + tally.pooled @ model.segment_rates)
    if model.deal_sizes is None:
        return wins, 0.0
    sizes = model.deal_sizes
    revenue = float((routed * rates * sizes).sum() + tally.pooled @ (model.segment_rates * sizes))
    return wins, revenue


def _draws(
    model: OutcomeModel,
    tallies: Sequence[Tally],
    bootstrap: int,
    seed: int,
    progress: Callable[[int], None] | None,
) -> Floats | None:
    """(resample, routing, wins|revenue) totals; None without resamples."""
    if bootstrap <= 0:
        return None
    rng = np.random.default_rng(seed)
    sample = model.sample
    out = np.zeros((bootstrap, len(tallies), 2))
    for b in range(bootstrap):
        counts = np.bincount(rng.integers(0, sample.size, sample.size), minlength=sample.size)
        refit = fit(
            sample,
            strength=model.strength,
            weights=counts.astype(np.float64),
            rep_effect=model.rep_effect,
        )
        for c, tally in enumerate(tallies):
            out[b, c] = _totals(refit, tally)
        if progress is not None:
            progress(b + 1)
    return out


def _estimate(value: float, draws: Floats | None) -> Estimate:
    if draws is None:
        return Estimate(value=value)
    low, high = np.percentile(draws, INTERVAL)
    return Estimate(value=value, low=float(low), high=float(high))


def _difference(
    point: Sequence[tuple[float, float]], draws: Floats | None, c: int, what: int
) -> Estimate | None:
    if c == 0:
        return None
    # Rounded to 9 places: routings that value the same (say, with no rep level) then show an
    # exact 0 instead of the float noise of summing in another order.
    value = round(point[c][what] - point[0][what], 9) + 0.0
    spread = np.round(draws[:, c, what] - draws[:, 0, what], 9) + 0.0 if draws is not None else None
    return _estimate(value, spread)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
