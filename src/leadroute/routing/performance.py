"""Learned performance: P(win | rep, segment) from recorded results, with hierarchical shrinkage.

Each level is a Beta posterior whose prior is the level above, so a small sample is pulled
toward what the larger one says:

- overall rate p0 = (W + a) / (N + a + b), where Beta(a, b) is the rule's `prior`;
- rep rate p_r = (w_r + k·p0) / (n_r + k) and segment rate p_s = (w_s + k·p0) / (n_s + k);
- rep x segment: Beta(w_rs + k·m_rs, l_rs + k·(1 - m_rs)), with the prior mean
  m_rs = expit(logit p_r + logit p_s - logit p0): the rep's edge over the average, added on the
  logit scale to the segment's rate.

k is `shrinkage`, in pseudo-deals. A rep with no results has p_r = p0, so m_rs = p_s (an average
rep in that segment); a segment never seen has p_s = p0, so m_rs = p_r. Without segments (`by`
unset) a rep's posterior is Beta(w + a, l + b): their own record smoothed by the prior, what
top_performer always did.

The formulas take floats or numpy arrays alike: `leadroute simulate` values routings with the
same functions over whole histories (simulate/outcome_model.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from random import Random

import numpy as np
from numpy.typing import ArrayLike, NDArray

from leadroute.routing.config import Learning, Prior
from leadroute.routing.segments import Segment

Floats = NDArray[np.float64]


def shrink(won: ArrayLike, decided: ArrayLike, toward: ArrayLike, strength: float) -> Floats:
    """Posterior mean of a Beta prior with mean `toward` and `strength` pseudo-deals."""
    won_, decided_, toward_ = (np.asarray(x, dtype=np.float64) for x in (won, decided, toward))
    return (won_ + strength * toward_) / (decided_ + strength)


def cell_prior(rep_rate: ArrayLike, segment_rate: ArrayLike, overall: float) -> Floats:
    """m_rs: the rep's edge over the overall rate added, on the logit scale, to the segment's."""
    return _expit(_logit(rep_rate) + _logit(segment_rate) - _logit(overall))


def _logit(p: ArrayLike) -> Floats:
    value = np.asarray(p, dtype=np.float64)
    return np.log(value) - np.log1p(-value)


def _expit(x: Floats) -> Floats:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True, slots=True)
class Beta:
    """A win-rate posterior: Beta(alpha, beta), its mean, and the counts behind it. The mean is
    written out by the formula of its level (not alpha / (alpha + beta)), so a rule without
    segments ranks reps exactly as the prior's estimate always did."""

    alpha: float
    beta: float
    mean: float
    won: int
    lost: int

    def draw(self, rng: Random) -> float:
        """One Thompson sample."""
        return rng.betavariate(self.alpha, self.beta)


Records = Mapping[tuple[str, Segment], tuple[int, int]]


class Performance:
    """Posteriors for one rule at one moment, from `Ledger.outcomes_by(by, since)`."""

    def __init__(self, records: Records, *, prior: Prior, shrinkage: float, segmented: bool):
        self._records = records
        self._prior = prior
        self._k = shrinkage
        self._segmented = segmented
        reps: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
        segments: defaultdict[Segment, list[int]] = defaultdict(lambda: [0, 0])
        for (rep, segment), (won, lost) in records.items():
            reps[rep][0] += won
            reps[rep][1] += lost
            segments[segment][0] += won
            segments[segment][1] += lost
        self._reps = reps
        self._segments = segments
        won = sum(w for w, _ in reps.values())
        decided = won + sum(lost for _, lost in reps.values())
        self.overall = prior.estimate(won, decided - won)

    def of(self, rep: str, segment: Segment) -> Beta:
        """The posterior of the rep's win rate on a lead of `segment`."""
        if not self._segmented:
            won, lost = self._reps.get(rep, (0, 0))
            prior = self._prior
            a = prior.mean * prior.strength
            return Beta(
                alpha=won + a,
                beta=lost + prior.strength - a,
                mean=prior.estimate(won, lost),
                won=won,
                lost=lost,
            )
        k, p0 = self._k, self.overall
        rep_won, rep_lost = self._reps.get(rep, (0, 0))
        seg_won, seg_lost = self._segments.get(segment, (0, 0))
        p_rep = shrink(rep_won, rep_won + rep_lost, p0, k)
        p_seg = shrink(seg_won, seg_won + seg_lost, p0, k)
        mean = float(cell_prior(p_rep, p_seg, p0))
        won, lost = self._records.get((rep, segment), (0, 0))
        return Beta(
            alpha=won + k * mean,
            beta=lost + k * (1.0 - mean),
            mean=float(shrink(won, won + lost, mean, k)),
            won=won,
            lost=lost,
        )

    def rep_record(self, rep: str) -> tuple[int, int]:
        """The rep's (won, lost) over every segment."""
        won, lost = self._reps.get(rep, (0, 0))
        return won, lost


def performance_of(records: Records, *, prior: Prior, learning: Learning) -> Performance:
    return Performance(
        records, prior=prior, shrinkage=learning.shrinkage, segmented=bool(learning.by)
    )
