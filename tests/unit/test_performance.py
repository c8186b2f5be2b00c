"""Learned performance (routing/performance.py) against closed-form Beta results."""

from __future__ import annotations

import math
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from leadroute.routing.config import Learning, Prior
from leadroute.routing.performance import Records, performance_of

FLAT = Learning()
BY_INDUSTRY = Learning(by=("industry",), shrinkage=10.0)


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_without_segments_a_rep_posterior_is_the_conjugate_beta_update_of_the_prior() -> None:
    prior = Prior(mean=0.3, strength=5.0)  # Beta(1.5, 3.5)
    records: Records = {("ana", ()): (7, 2), ("bo", ()): (0, 4)}
    performance = performance_of(records, prior=prior, learning=FLAT)
    ana = performance.of("ana", ())
    assert (ana.alpha, ana.beta) == pytest.approx((1.5 + 7, 3.5 + 2))
    assert ana.mean == pytest.approx(stats.beta(1.5 + 7, 3.5 + 2).mean())
    nobody = performance.of("cy", ())
    assert (nobody.alpha, nobody.beta, nobody.won, nobody.lost) == (1.5, 3.5, 0, 0)
    assert nobody.mean == pytest.approx(0.3)


@given(
    outcomes=st.lists(st.booleans(), max_size=40),
    mean=st.floats(0.05, 0.95),
    strength=st.floats(0.5, 50),
)
def test_results_one_at_a_time_end_where_the_closed_form_does(
    outcomes: list[bool], mean: float, strength: float
) -> None:
    """Updating the posterior result by result (alpha += won, beta += lost) ends at
    Beta(a + wins, b + losses), whatever the order."""
    prior = Prior(mean=mean, strength=strength)
    alpha, beta = mean * strength, (1 - mean) * strength
    won = lost = 0
    for result in outcomes:
        won, lost = won + result, lost + (not result)
        step = performance_of({("r", ()): (won, lost)}, prior=prior, learning=FLAT).of("r", ())
        alpha, beta = alpha + result, beta + (not result)
        assert (step.alpha, step.beta) == pytest.approx((alpha, beta))
        assert step.mean == pytest.approx(alpha / (alpha + beta))


def test_with_segments_each_level_shrinks_toward_the_level_above() -> None:
    """The hierarchy computed by hand: overall, rep, segment, then the rep x segment cell."""
    records: Records = {
        ("ana", ("saas",)): (6, 2),
        ("ana", ("retail",)): (1, 5),
        ("bo", ("saas",)): (1, 3),
        ("bo", ("retail",)): (2, 2),
    }
    k = 10.0
    performance = performance_of(records, prior=Prior(), learning=BY_INDUSTRY)
    won, decided = 10, 22
    p0 = (won + 1) / (decided + 2)  # Beta(1, 1) overall
    assert performance.overall == pytest.approx(p0)
    p_ana = (7 + k * p0) / (14 + k)
    p_saas = (7 + k * p0) / (12 + k)
    m = _expit(_logit(p_ana) + _logit(p_saas) - _logit(p0))
    cell = performance.of("ana", ("saas",))
    assert (cell.alpha, cell.beta) == pytest.approx((6 + k * m, 2 + k * (1 - m)))
    assert cell.mean == pytest.approx(stats.beta(6 + k * m, 2 + k * (1 - m)).mean())
    assert (cell.won, cell.lost) == (6, 2)


def test_an_unknown_rep_is_an_average_rep_of_the_segment_and_an_unknown_segment_the_rep() -> None:
    records: Records = {("ana", ("saas",)): (8, 2), ("bo", ("retail",)): (1, 9)}
    k = 10.0
    performance = performance_of(records, prior=Prior(), learning=BY_INDUSTRY)
    p0 = performance.overall
    p_saas = (8 + k * p0) / (10 + k)
    assert performance.of("new", ("saas",)).mean == pytest.approx(p_saas)
    p_ana = (8 + k * p0) / (10 + k)
    assert performance.of("ana", ("health",)).mean == pytest.approx(p_ana)


def test_a_strong_record_in_a_segment_beats_a_better_overall_record_elsewhere() -> None:
    """What `by` is for: bo converts saas leads, ana converts everything else."""
    records: Records = {
        ("ana", ("saas",)): (2, 8),
        ("ana", ("retail",)): (30, 10),
        ("bo", ("saas",)): (12, 3),
        ("bo", ("retail",)): (3, 12),
    }
    performance = performance_of(records, prior=Prior(), learning=BY_INDUSTRY)
    assert performance.of("bo", ("saas",)).mean > performance.of("ana", ("saas",)).mean
    assert performance.of("ana", ("retail",)).mean > performance.of("bo", ("retail",)).mean
    flat = performance_of(
        {("ana", ()): (32, 18), ("bo", ()): (15, 15)}, prior=Prior(), learning=FLAT
    )
    assert flat.of("ana", ()).mean > flat.of("bo", ()).mean  # without segments ana wins all


def test_thompson_draws_follow_the_posterior() -> None:
    """A seeded Kolmogorov-Smirnov check: the draws are the posterior's, not its mean."""
    posterior = performance_of({("r", ()): (12, 30)}, prior=Prior(), learning=FLAT).of("r", ())
    rng = Random(7)
    draws = [posterior.draw(rng) for _ in range(3000)]
    assert stats.kstest(draws, stats.beta(13, 31).cdf).pvalue > 0.01
    assert stats.kstest(draws, stats.beta(14, 31).cdf).pvalue < 0.01  # and not a neighbour's
    again = Random(7)
    assert [posterior.draw(again) for _ in range(3000)] == draws
