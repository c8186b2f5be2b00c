"""The statistics reports use: proportions with Wilson intervals, the two-proportion z-test, the
sample-ratio-mismatch check, sample size for a lift, percentiles and the Gini index.

Each is the textbook formula; tests hold them against scipy's own implementations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


@dataclass(frozen=True, kw_only=True, slots=True)
class Interval:
    low: float
    high: float


def z_of(confidence: float = CONFIDENCE) -> float:
    """The two-sided normal quantile: 1.96 for 95%."""
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson(successes: int, trials: int, confidence: float = CONFIDENCE) -> Interval | None:
    """The Wilson score interval of a proportion (None without trials): unlike the plain
    normal interval it stays inside [0, 1] and is honest for small counts."""
    if trials <= 0:
        return None
    return _wilson(successes, trials, z_of(confidence))


def _wilson(successes: int, trials: int, z: float) -> Interval:
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return Interval(low=max(0.0, centre - half), high=min(1.0, centre + half))


@dataclass(frozen=True, kw_only=True, slots=True)
class Comparison:
    """Variant minus control: the difference of two proportions, its interval, the p-value."""

    difference: float
    interval: Interval
    z: float
    p_value: float


def two_proportions(
    control: tuple[int, int], variant: tuple[int, int], confidence: float = CONFIDENCE
) -> Comparison | None:
    """Compare (successes, trials) of two groups: the pooled two-proportion z-test (its
    p-value equals the chi-square test of the 2x2 table without correction) and Newcombe's
    hybrid score interval of the difference (built from the two Wilson intervals: it stays
    inside [-1, 1] and keeps a width at 0% or 100%, where the plain Wald interval has none).
    None when either group has no trials."""
    (wins_a, n_a), (wins_b, n_b) = control, variant
    if n_a <= 0 or n_b <= 0:
        return None
    p_a, p_b = wins_a / n_a, wins_b / n_b
    pooled = (wins_a + wins_b) / (n_a + n_b)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    difference = p_b - p_a
    if spread == 0:
        z, p_value = 0.0, 1.0
    else:
        z = difference / spread
        p_value = float(2 * stats.norm.sf(abs(z)))
    z_level = z_of(confidence)
    around_a, around_b = _wilson(wins_a, n_a, z_level), _wilson(wins_b, n_b, z_level)
    below = math.sqrt((p_b - around_b.low) ** 2 + (around_a.high - p_a) ** 2)
    above = math.sqrt((around_b.high - p_b) ** 2 + (p_a - around_a.low) ** 2)
    return Comparison(
        difference=difference,
        interval=Interval(low=difference - below, high=difference + above),
        z=z,
        p_value=p_value,
    )


def sample_ratio_p(observed: Sequence[int], expected_shares: Sequence[float]) -> float | None:
    """The chi-square goodness-of-fit p-value of arm counts against the intended split (None
    without leads). A tiny p-value (below 0.001) means the split is broken: a sample ratio
    mismatch, and the experiment's numbers cannot be trusted."""
    total = sum(observed)
    if total <= 0 or len(observed) < 2:
        return None
    expected = [total * share for share in expected_shares]
    if any(value <= 0 for value in expected):
        return None
    statistic = sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=True))
    return float(stats.chi2.sf(statistic, df=len(observed) - 1))


def leads_per_arm(
    baseline: float, lift: float, *, alpha: float = 0.05, power: float = 0.8
) -> int | None:
    """Leads each arm needs for a two-sided test at `alpha` to detect `baseline` → `baseline +
    lift` with probability `power` (the normal-approximation formula). None when the lifted
    rate leaves (0, 1) or there is no lift."""
    target = baseline + lift
    if lift == 0 or not 0 < target < 1 or not 0 <= baseline < 1:
        return None
    z_alpha = float(stats.norm.ppf(1 - alpha / 2))
    z_beta = float(stats.norm.ppf(power))
    mean = (baseline + target) / 2
    top = z_alpha * math.sqrt(2 * mean * (1 - mean)) + z_beta * math.sqrt(
        baseline * (1 - baseline) + target * (1 - target)
    )
    return math.ceil((top / lift) ** 2)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0 to 100) with linear interpolation (numpy's default), or None."""
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), q))


def gini(values: Sequence[float]) -> float | None:
    """The Gini index of non-negative amounts (0: all equal; near 1: one takes all), or None
    when there is nothing to share. Mean absolute difference over twice the mean."""
    if not values:
        return None
    data = np.sort(np.asarray(values, dtype=float))
    total = float(data.sum())
    if total <= 0:
        return None
    n = len(data)
    ranks = np.arange(1, n + 1)
    return float((2 * np.sum(ranks * data) / (n * total)) - (n + 1) / n)
