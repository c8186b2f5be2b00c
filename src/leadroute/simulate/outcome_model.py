"""P(win | rep, segment) fitted on history with Bayesian shrinkage, and the deal size by segment.

Each level is a Beta posterior mean that pulls small samples toward the level above (the
formulas are routing/performance.py's, which the top_performer and bandit selectors learn with):

- global rate p0 = (W + 1) / (N + 2) (Beta(1, 1) prior) over every decided (won or lost) lead;
- rep rate p_r = (w_r + k·p0) / (n_r + k), segment rate p_s = (w_s + k·p0) / (n_s + k);
- rep x segment p_rs = (w_rs + k·m_rs) / (n_rs + k), with the prior mean
  m_rs = expit(logit p_r + logit p_s - logit p0): the rep's edge over the average, added on the
  logit scale to the segment's rate.

k is the prior strength in pseudo-deals. A rep the history never saw has p_r = p0, so m_rs = p_s:
they are taken for an average rep in that segment. When no decided lead with a rep was lost (or
none won), as in Olist where reps appear only on won deals, the rep level cannot be estimated:
`rep_effect` is False and every rep gets the segment's rate.

Deal size by segment: the mean amount of won leads with one, shrunk to the global mean with the
same strength: (sum_s + k·g) / (n_s + k).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from leadroute.routing.performance import cell_prior, shrink

DEFAULT_STRENGTH = 10.0

Observation = tuple[str | None, str, str | None, float | None]  # rep, segment, result, amount
Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


@dataclass(frozen=True, kw_only=True, slots=True, eq=False)
class Sample:
    """History as the model sees it: one entry per lead, reps and segments as indexes into
    `reps` and `segments` (rep -1: the history names nobody)."""

    reps: tuple[str, ...]
    segments: tuple[str, ...]
    rep_index: Ints
    segment_index: Ints
    decided: NDArray[np.bool_]
    won: NDArray[np.bool_]
    amount: Floats

    @property
    def size(self) -> int:
        return len(self.rep_index)

    @property
    def rep_effect(self) -> bool:
        """Whether per-rep conversion can be estimated: decided leads with a rep include both
        wins and losses."""
        named = self.decided & (self.rep_index >= 0)
        return bool(np.any(named & self.won)) and bool(np.any(named & ~self.won))


def sample_of(observations: Iterable[Observation]) -> Sample:
    """Index (rep, segment, result, amount) rows; result is "won", "lost" or None (open)."""
    rows = list(observations)
    reps = tuple(sorted({rep for rep, _, _, _ in rows if rep is not None}))
    segments = tuple(sorted({segment for _, segment, _, _ in rows}))
    rep_at = {rep: i for i, rep in enumerate(reps)}
    segment_at = {segment: i for i, segment in enumerate(segments)}
    return Sample(
        reps=reps,
        segments=segments,
        rep_index=np.array([rep_at.get(r, -1) if r else -1 for r, _, _, _ in rows], np.int64),
        segment_index=np.array([segment_at[s] for _, s, _, _ in rows], dtype=np.int64),
        decided=np.array([res in ("won", "lost") for _, _, res, _ in rows], dtype=np.bool_),
        won=np.array([res == "won" for _, _, res, _ in rows], dtype=np.bool_),
        amount=np.array([np.nan if a is None else a for _, _, _, a in rows], dtype=np.float64),
    )


@dataclass(frozen=True, kw_only=True, slots=True, eq=False)
class OutcomeModel:
    """The fitted rates (see the module docstring) and the counts behind them."""

    sample: Sample
    strength: float
    rep_effect: bool
    global_rate: float
    rep_rates: Floats
    segment_rates: Floats
    cell_rates: Floats
    rep_decided: Floats
    rep_won: Floats
    segment_decided: Floats
    cell_decided: Floats
    deal_sizes: Floats | None
    global_size: float | None

    def win_rate(self, rep: str | None, segment: str) -> float:
        """P(win) of a lead of `segment` worked by `rep` (None or a rep the history never saw:
        the segment's rate; a segment never seen: the global rate)."""
        s = _find(self.sample.segments, segment)
        if s is None:
            return self.global_rate
        r = _find(self.sample.reps, rep)
        return float(self.segment_rates[s] if r is None else self.cell_rates[r, s])

    def deal_size(self, segment: str) -> float | None:
        if self.deal_sizes is None:
            return None
        s = _find(self.sample.segments, segment)
        return self.global_size if s is None else float(self.deal_sizes[s])

    def rates(self) -> Floats:
        """P(win) by (rep, segment) with one more row last: a rep the history does not know (or
        no rep, a lead left in a pool), which gets the segment's rate."""
        return np.vstack([self.cell_rates, self.segment_rates[np.newaxis, :]])


def fit(
    sample: Sample,
    *,
    strength: float = DEFAULT_STRENGTH,
    weights: Floats | None = None,
    rep_effect: bool | None = None,
) -> OutcomeModel:
    """Fit the rates; `weights` count each lead that many times (a bootstrap resample),
    `rep_effect` overrides whether the rep level is estimated (a resample keeps the decision
    made on the whole history)."""
    if strength <= 0:
        raise ValueError("the prior strength must be positive")
    k = strength
    count = np.ones(sample.size) if weights is None else np.asarray(weights, dtype=np.float64)
    decided = count * sample.decided
    won = count * sample.won
    p0 = float((won.sum() + 1.0) / (decided.sum() + 2.0))
    n_seg, n_rep = len(sample.segments), len(sample.reps)
    seg = sample.segment_index
    segment_decided = _sums(seg, decided, n_seg)
    segment_rates = shrink(_sums(seg, won, n_seg), segment_decided, p0, k)
    named = sample.rep_index >= 0
    rep, cell = sample.rep_index[named], sample.rep_index[named] * n_seg + seg[named]
    rep_decided = _sums(rep, decided[named], n_rep)
    rep_won = _sums(rep, won[named], n_rep)
    cell_decided = _sums(cell, decided[named], n_rep * n_seg).reshape(n_rep, n_seg)
    cell_won = _sums(cell, won[named], n_rep * n_seg).reshape(n_rep, n_seg)
    effect = sample.rep_effect if rep_effect is None else rep_effect
    if effect:
        rep_rates = shrink(rep_won, rep_decided, p0, k)
        prior = cell_prior(rep_rates[:, None], segment_rates[None, :], p0)
        cell_rates = shrink(cell_won, cell_decided, prior, k)
    else:
        rep_rates = np.full(n_rep, p0)
        cell_rates = np.tile(segment_rates, (n_rep, 1))
    sizes, global_size = _deal_sizes(sample, count, k)
    return OutcomeModel(
        sample=sample,
        strength=k,
        rep_effect=effect,
        global_rate=float(p0),
        rep_rates=rep_rates,
        segment_rates=segment_rates,
        cell_rates=cell_rates,
        rep_decided=rep_decided,
        rep_won=rep_won,
        segment_decided=segment_decided,
        cell_decided=cell_decided,
        deal_sizes=sizes,
        global_size=global_size,
    )


def _deal_sizes(sample: Sample, count: Floats, k: float) -> tuple[Floats | None, float | None]:
    known = sample.won & np.isfinite(sample.amount)
    if not known.any():
        return None, None
    weight = count[known]
    amount = sample.amount[known]
    total = weight.sum()
    # A resample may draw none of the won leads with an amount: the whole sample's mean stands in.
    g = float((weight * amount).sum() / total) if total > 0 else float(amount.mean())
    n_seg = len(sample.segments)
    seg = sample.segment_index[known]
    sums = _sums(seg, weight * amount, n_seg)
    counts = _sums(seg, weight, n_seg)
    return (sums + k * g) / (counts + k), g


def _sums(index: Ints, weights: Floats, size: int) -> Floats:
    """The weights summed by index (0 to size - 1)."""
    return np.bincount(index, weights, size).astype(np.float64)


def _find(names: tuple[str, ...], name: str | None) -> int | None:
    if name is None:
        return None
    index = bisect_left(names, name)  # sample_of sorts the names
    return index if index < len(names) and names[index] == name else None
