"""reports/stats.py against scipy's and numpy's own implementations, and the textbook."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from leadroute.reports.stats import (
    gini,
    leads_per_arm,
    percentile,
    sample_ratio_p,
    two_proportions,
    wilson,
    z_of,
)

trials = st.integers(min_value=1, max_value=2000)


@st.composite
def proportions(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(trials)
    return draw(st.integers(min_value=0, max_value=n)), n


def test_z_of_95_percent() -> None:
    assert z_of() == pytest.approx(1.959964, abs=1e-6)


@given(proportions(), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_equals_scipy(counts: tuple[int, int], confidence: float) -> None:
    successes, n = counts
    ours = wilson(successes, n, confidence)
    theirs = scipy_stats.binomtest(successes, n).proportion_ci(
        confidence_level=confidence, method="wilson"
    )
    assert ours is not None
    assert ours.low == pytest.approx(theirs.low, abs=1e-12)
    assert ours.high == pytest.approx(theirs.high, abs=1e-12)


def test_wilson_without_trials() -> None:
    assert wilson(0, 0) is None


@given(proportions(), proportions())
def test_two_proportion_p_equals_chi_square_without_correction(
    control: tuple[int, int], variant: tuple[int, int]
) -> None:
    (wins_a, n_a), (wins_b, n_b) = control, variant
    # chi2_contingency needs every expected count above zero: some wins and some losses.
    assume(0 < wins_a + wins_b < n_a + n_b)
    compared = two_proportions(control, variant)
    table = [[wins_a, n_a - wins_a], [wins_b, n_b - wins_b]]
    expected = scipy_stats.chi2_contingency(table, correction=False)
    assert compared is not None
    assert compared.p_value == pytest.approx(float(expected.pvalue), rel=1e-7, abs=1e-12)
    assert compared.difference == pytest.approx(wins_b / n_b - wins_a / n_a)
    assert compared.interval.low <= compared.difference <= compared.interval.high


def test_two_proportions_by_hand() -> None:
    # 30/100 vs 45/100: pooled 0.375, z = 0.15 / sqrt(0.375 * 0.625 * 0.02) = 2.1909
    compared = two_proportions((30, 100), (45, 100))
    assert compared is not None
    assert compared.z == pytest.approx(2.19089, abs=1e-5)
    assert compared.p_value == pytest.approx(0.028459, abs=1e-6)
    assert two_proportions((1, 0), (1, 2)) is None


def test_the_difference_interval_is_newcombes() -> None:
    """Newcombe (1998), Statistics in Medicine 17:873, table II, method 10: 56/70 vs 48/80
    gives 0.2 with the interval 0.0524 to 0.3339; 9/10 vs 3/10 gives 0.6, 0.1705 to 0.8090."""
    first = two_proportions((48, 80), (56, 70))
    assert first is not None
    assert (first.difference, first.interval.low, first.interval.high) == pytest.approx(
        (0.2, 0.0524, 0.3339), abs=5e-5
    )
    second = two_proportions((3, 10), (9, 10))
    assert second is not None
    assert (second.interval.low, second.interval.high) == pytest.approx((0.1705, 0.8090), abs=5e-5)
    # Where the plain interval collapses to a point, this one keeps its width.
    extreme = two_proportions((0, 5), (5, 5))
    assert extreme is not None
    assert extreme.interval.low < 1.0 == extreme.difference
    assert extreme.interval.high == pytest.approx(1.0)


@given(st.lists(st.integers(min_value=0, max_value=5000), min_size=2, max_size=5), st.data())
def test_sample_ratio_equals_scipy_chisquare(observed: list[int], data: st.DataObject) -> None:
    assume(sum(observed) > 0)
    weights = data.draw(
        st.lists(
            st.integers(min_value=1, max_value=9), min_size=len(observed), max_size=len(observed)
        )
    )
    shares = [weight / sum(weights) for weight in weights]
    ours = sample_ratio_p(observed, shares)
    expected = [sum(observed) * share for share in shares]
    theirs = scipy_stats.chisquare(observed, f_exp=expected)
    assert ours == pytest.approx(float(theirs.pvalue), rel=1e-7, abs=1e-12)


def test_sample_ratio_mismatch_of_600_to_400() -> None:
    p_value = sample_ratio_p([600, 400], [0.5, 0.5])
    assert p_value is not None
    assert p_value < 1e-9  # chi-square 40 on one degree of freedom
    assert sample_ratio_p([0, 0], [0.5, 0.5]) is None


def brute_gini(values: list[float]) -> float:
    """Mean absolute difference over all ordered pairs, over twice the mean."""
    n = len(values)
    mean = sum(values) / n
    return sum(abs(a - b) for a in values for b in values) / (n * n) / (2 * mean)


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=30))
def test_gini_equals_mean_absolute_difference(values: list[float]) -> None:
    assume(sum(values) > 1e-9)
    assert gini(values) == pytest.approx(brute_gini(values), rel=1e-9, abs=1e-12)


def test_gini_bounds() -> None:
    assert gini([5, 5, 5, 5]) == pytest.approx(0.0)
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)  # one of four takes all: (n-1)/n
    assert gini([]) is None
    assert gini([0, 0]) is None


@given(
    st.lists(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), min_size=1, max_size=50),
    st.floats(min_value=0, max_value=100),
)
def test_percentile_equals_numpy(values: list[float], q: float) -> None:
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_percentile_of_nothing() -> None:
    assert percentile([], 50) is None


def test_leads_per_arm_textbook() -> None:
    # Fleiss (no continuity correction): 10% -> 15% at alpha 0.05, power 0.8 needs 686 each.
    assert leads_per_arm(0.10, 0.05) == 686
    assert leads_per_arm(0.5, 0.05) == 1565
    assert leads_per_arm(0.97, 0.05) is None  # 102% cannot be reached
    assert leads_per_arm(0.3, 0.0) is None


@pytest.mark.parametrize("baseline", [0.05, 0.2, 0.5])
def test_leads_per_arm_gives_the_power_asked(baseline: float) -> None:
    """With the sample size it gives, the z-test's power (normal approximation) is 0.8."""
    n = leads_per_arm(baseline, 0.05)
    assert n is not None
    target = baseline + 0.05
    mean = (baseline + target) / 2
    spread0 = (2 * mean * (1 - mean) / n) ** 0.5
    spread1 = ((baseline * (1 - baseline) + target * (1 - target)) / n) ** 0.5
    power = scipy_stats.norm.sf((1.959964 * spread0 - 0.05) / spread1)
    assert 0.8 <= power < 0.805
