"""The outcome model of history simulation: Beta posterior means shrunk level by level (global,
rep, segment, rep x segment), checked against the formulas worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from leadroute.simulate.outcome_model import Observation, fit, sample_of


def rows(rep: str | None, segment: str, won: int, lost: int) -> list[Observation]:
    wins: list[Observation] = [(rep, segment, "won", None)] * won
    losses: list[Observation] = [(rep, segment, "lost", None)] * lost
    return wins + losses


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# ana: retail 3-1, tech 2-0; bob: retail 1-3; nobody named: tech 0-1; one open lead.
HISTORY = [
    *rows("ana", "retail", 3, 1),
    *rows("bob", "retail", 1, 3),
    *rows("ana", "tech", 2, 0),
    *rows(None, "tech", 0, 1),
    ("bob", "tech", None, None),
]
K = 4.0
P0 = (6 + 1) / (11 + 2)  # 6 won of 11 decided, Beta(1, 1)
ANA = (5 + K * P0) / (6 + K)
BOB = (1 + K * P0) / (4 + K)
RETAIL = (4 + K * P0) / (8 + K)
TECH = (2 + K * P0) / (3 + K)


def test_each_level_is_the_beta_posterior_mean_shrunk_to_the_level_above() -> None:
    model = fit(sample_of(HISTORY), strength=K)
    assert model.global_rate == pytest.approx(P0)
    assert model.rep_effect
    reps = dict(zip(model.sample.reps, model.rep_rates, strict=True))
    assert reps == pytest.approx({"ana": ANA, "bob": BOB})
    segments = dict(zip(model.sample.segments, model.segment_rates, strict=True))
    assert segments == pytest.approx({"retail": RETAIL, "tech": TECH})
    prior = expit(logit(ANA) + logit(RETAIL) - logit(P0))
    assert model.win_rate("ana", "retail") == pytest.approx((3 + K * prior) / (4 + K))
    prior = expit(logit(ANA) + logit(TECH) - logit(P0))
    assert model.win_rate("ana", "tech") == pytest.approx((2 + K * prior) / (2 + K))


def test_a_pair_never_observed_gets_its_prior_and_a_rep_never_seen_the_segment_rate() -> None:
    model = fit(sample_of(HISTORY), strength=K)
    # bob never closed a tech lead (his one tech lead is open): the prior alone.
    assert model.win_rate("bob", "tech") == pytest.approx(
        expit(logit(BOB) + logit(TECH) - logit(P0))
    )
    assert model.win_rate("zoe", "retail") == pytest.approx(RETAIL)
    assert model.win_rate(None, "tech") == pytest.approx(TECH)
    assert model.win_rate("ana", "finance") == pytest.approx(P0)


def test_eight_won_of_ten_beats_one_won_of_one() -> None:
    history = [*rows("steady", "a", 8, 2), *rows("lucky", "a", 1, 0), *rows("rest", "a", 10, 20)]
    model = fit(sample_of(history))
    assert model.win_rate("steady", "a") > model.win_rate("lucky", "a")
    rates = dict(zip(model.sample.reps, model.rep_rates, strict=True))
    assert rates["steady"] > rates["lucky"]


def test_more_strength_pulls_harder_toward_the_global_rate() -> None:
    weak = fit(sample_of(HISTORY), strength=1)
    strong = fit(sample_of(HISTORY), strength=100)
    assert abs(strong.rep_rates[0] - strong.global_rate) < abs(weak.rep_rates[0] - weak.global_rate)


def test_reps_only_on_won_leads_leave_the_rep_level_unestimated() -> None:
    history = [*rows("ana", "web", 5, 0), *rows("bob", "web", 1, 0), *rows(None, "web", 0, 30)]
    model = fit(sample_of(history), strength=K)
    assert not model.rep_effect
    web = (6 + K * (7 / 38)) / (36 + K)
    assert model.win_rate("ana", "web") == pytest.approx(web)
    assert model.win_rate("bob", "web") == pytest.approx(web)


def test_deal_size_by_segment_is_shrunk_to_the_global_mean() -> None:
    history: list[Observation] = [
        ("ana", "a", "won", 100.0),
        ("ana", "a", "won", 200.0),
        ("bob", "b", "won", 1000.0),
        ("bob", "b", "lost", 5000.0),  # a lost deal's amount is no deal size
        ("bob", "b", "won", None),
    ]
    model = fit(sample_of(history), strength=2)
    mean = 1300 / 3
    assert model.global_size == pytest.approx(mean)
    assert model.deal_size("a") == pytest.approx((300 + 2 * mean) / (2 + 2))
    assert model.deal_size("b") == pytest.approx((1000 + 2 * mean) / (1 + 2))
    assert fit(sample_of(HISTORY)).deal_sizes is None


def test_weights_count_a_row_that_many_times() -> None:
    history = [*HISTORY, ("bob", "retail", "won", 40.0)]
    weights = np.ones(len(history))
    weights[0] = 3.0
    weights[-1] = 0.0
    weighted = fit(sample_of(history), strength=K, weights=weights)
    repeated = fit(sample_of([history[0], history[0], *history[:-1]]), strength=K)
    assert weighted.cell_rates == pytest.approx(repeated.cell_rates)
    assert weighted.segment_rates == pytest.approx(repeated.segment_rates)
    assert weighted.global_rate == pytest.approx(repeated.global_rate)


def test_the_strength_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        fit(sample_of(HISTORY), strength=0)
