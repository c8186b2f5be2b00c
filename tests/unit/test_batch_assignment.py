"""The batch solver on small cases whose best assignment is worked out in the test, plus
validation, determinism, ties, and a large batch checked against `linear_sum_assignment` on
reps expanded into capacity slots."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from leadroute.routing.batch_assignment import BatchAnswer, BatchProblem, solve, why

BIG = 1000


def problem(
    values: list[list[float]],
    *,
    eligible: list[list[bool]] | None = None,
    capacity: list[int] | None = None,
    low: list[int] | None = None,
    high: list[int] | None = None,
) -> BatchProblem:
    """A problem from nested lists; reps unconstrained (capacity and high BIG) unless said."""
    array = np.array(values, dtype=np.float64).reshape(len(values), -1)
    m = array.shape[1]
    return BatchProblem(
        values=array,
        eligible=np.ones(array.shape, dtype=np.bool_) if eligible is None else np.array(eligible),
        capacity=np.array(capacity if capacity is not None else [BIG] * m, dtype=np.int64),
        low=np.array(low if low is not None else [0] * m, dtype=np.int64),
        high=np.array(high if high is not None else [BIG] * m, dtype=np.int64),
    )


def solved(batch: BatchProblem) -> BatchAnswer:
    answer = solve(batch, time_limit=10.0)
    assert answer is not None
    return answer


def test_capacity_binds_and_the_lead_with_more_to_lose_keeps_the_strong_rep() -> None:
    values = [[0.9, 0.5], [0.8, 0.1]]
    batch = problem(values, capacity=[1, BIG])
    # Rep 0 takes one lead; the other goes to rep 1. Both ways, worked out:
    first_keeps = values[0][0] + values[1][1]
    second_keeps = values[1][0] + values[0][1]
    expected = (0, 1) if first_keeps > second_keeps else (1, 0)
    answer = solved(batch)
    assert answer.rep_of == expected
    assert answer.objective == pytest.approx(max(first_keeps, second_keeps))
    assert answer.status == "optimal"
    moved = expected.index(1)
    said = why(batch, answer, moved)
    assert f"best alone would be rep 0 at {values[moved][0]:.4g}, at its capacity of 1" in said


def test_band_low_forces_the_weaker_rep_to_get_the_lead_it_loses_least_on() -> None:
    values = [[0.9, 0.2], [0.7, 0.6], [0.8, 0.1]]
    batch = problem(values, low=[0, 1])
    losses = [row[0] - row[1] for row in values]
    given_away = losses.index(min(losses))
    answer = solved(batch)
    assert answer.rep_of == tuple(1 if i == given_away else 0 for i in range(3))
    expected = sum(row[0] for row in values) - min(losses)
    assert answer.objective == pytest.approx(expected)
    assert "band minimum" in why(batch, answer, given_away)


def test_band_high_caps_the_strong_rep_below_its_capacity() -> None:
    values = [[0.9, 0.5], [0.6, 0.5], [0.95, 0.2]]
    batch = problem(values, high=[1, BIG])
    edges = [row[0] - row[1] for row in values]
    kept = edges.index(max(edges))
    answer = solved(batch)
    assert answer.rep_of == tuple(0 if i == kept else 1 for i in range(3))
    assert answer.objective == pytest.approx(
        values[kept][0] + sum(row[1] for i, row in enumerate(values) if i != kept)
    )
    others = [i for i in range(3) if i != kept]
    assert all("at its band maximum of 1" in why(batch, answer, i) for i in others)


def test_ineligible_pairs_are_never_chosen_even_when_worth_most() -> None:
    values = [[5.0, 0.1, 0.2], [5.0, 5.0, 0.3]]
    eligible = [[False, True, True], [True, False, True]]
    batch = problem(values, eligible=eligible)
    answer = solved(batch)
    assert answer.rep_of == (2, 0)  # lead 0: 0.2 beats 0.1; lead 1: 5.0 at its only big rep
    assert answer.objective == pytest.approx(0.2 + 5.0)


def test_more_leads_assigned_beats_more_value() -> None:
    # Lead 0 is worth 10 with rep 0, but rep 0 is lead 1's only rep and takes one lead.
    batch = problem(
        [[10.0, 0.0], [1.0, 0.0]], eligible=[[True, True], [True, False]], capacity=[1, 1]
    )
    answer = solved(batch)
    assert answer.rep_of == (1, 0)
    assert answer.objective == pytest.approx(1.0)


def test_a_lead_with_no_eligible_rep_is_left_unassigned() -> None:
    batch = problem([[0.5, 0.4], [0.3, 0.9]], eligible=[[False, False], [True, True]])
    answer = solved(batch)
    assert answer.rep_of == (None, 1)
    assert why(batch, answer, 0).endswith("unassigned, no eligible rep")


def test_a_lead_is_left_unassigned_when_every_eligible_rep_is_full() -> None:
    batch = problem([[0.5, 0.4], [0.6, 0.9], [0.7, 0.8]], capacity=[1, 3], high=[BIG, 1])
    answer = solved(batch)
    # One slot per rep: the best pair of distinct leads (to rep 0, to rep 1).
    values = batch.values.tolist()
    first, second = max(
        itertools.permutations(range(3), 2), key=lambda p: values[p[0]][0] + values[p[1]][1]
    )
    left_out = ({0, 1, 2} - {first, second}).pop()
    assert answer.rep_of[first] == 0
    assert answer.rep_of[second] == 1
    assert answer.objective == pytest.approx(values[first][0] + values[second][1])
    assert left_out == 0
    said = why(batch, answer, 0)
    assert "rep 0 at its capacity of 1" in said
    assert "rep 1 at its band maximum of 1" in said


@pytest.mark.parametrize(
    ("eligible", "capacity", "low"),
    [
        # Both reps need lead 0, the only one eligible for either: only the solver can tell.
        ([[True, True, False], [False, False, True]], [BIG] * 3, [1, 1, 0]),
        # A low above the rep's capacity: plainly out of reach.
        ([[True, True, True], [True, True, True]], [0, BIG, BIG], [1, 0, 0]),
        # The lows together above the batch size.
        ([[True, True, True], [True, True, True]], [BIG] * 3, [1, 1, 1]),
    ],
)
def test_an_unreachable_band_is_relaxed_and_says_so(
    eligible: list[list[bool]], capacity: list[int], low: list[int]
) -> None:
    values = [[0.3, 0.2, 0.4], [0.5, 0.1, 0.6]]
    batch = problem(values, eligible=eligible, capacity=capacity, low=low)
    answer = solved(batch)
    assert answer.status == "band_relaxed"
    assert "fairness minimums relaxed" in why(batch, answer, 0)
    # Without lows every lead takes its best eligible rep with room.
    best = max(
        (
            a
            for a in itertools.product(*[[j for j in range(3) if row[j]] for row in eligible])
            if all(a.count(j) <= capacity[j] for j in range(3))
        ),
        key=lambda a: sum(values[i][j] for i, j in enumerate(a)),
    )
    assert answer.rep_of == best


@pytest.mark.parametrize(("n", "m", "low"), [(0, 0, 0), (0, 3, 0), (3, 0, 0), (0, 2, 1)])
def test_empty_batches(n: int, m: int, low: int) -> None:
    batch = BatchProblem(
        values=np.zeros((n, m)),
        eligible=np.ones((n, m), dtype=np.bool_),
        capacity=np.full(m, 2, dtype=np.int64),
        low=np.full(m, low, dtype=np.int64),
        high=np.full(m, 2, dtype=np.int64),
    )
    answer = solved(batch)
    assert answer.rep_of == (None,) * n
    assert answer.objective == 0.0
    assert answer.status == ("band_relaxed" if low and m else "optimal")


def test_equal_values_go_to_the_lower_rep_index() -> None:
    batch = problem([[0.5, 0.5, 0.5], [0.2, 0.7, 0.7], [0.4, 0.4, 0.4]], capacity=[1, 5, 5])
    answer = solved(batch)
    # Lead 1 prefers reps 1 and 2 equally: rep 1. Leads 0 and 2 are worth the same with every
    # rep: one fills rep 0's single slot, the other goes to rep 1; rep 2 gets nothing.
    assert answer.rep_of[1] == 1
    assert {answer.rep_of[0], answer.rep_of[2]} == {0, 1}
    assert answer.objective == pytest.approx(0.5 + 0.7 + 0.4)
    assert all(why(batch, answer, i).endswith("the best value for this lead)") for i in range(3))


GOOD = {
    "values": np.ones((2, 3)),
    "eligible": np.ones((2, 3), dtype=np.bool_),
    "capacity": np.array([1, 1, 1]),
    "low": np.array([0, 0, 0]),
    "high": np.array([1, 1, 1]),
}


@pytest.mark.parametrize(
    ("field", "bad", "message"),
    [
        ("values", np.ones(3), "2-d"),
        ("values", np.array([[1.0, -0.1, 0.0], [0.0, 0.0, 0.0]]), "non-negative"),
        ("values", np.array([[1.0, np.nan, 0.0], [0.0, 0.0, 0.0]]), "finite"),
        ("values", np.array([[1.0, np.inf, 0.0], [0.0, 0.0, 0.0]]), "finite"),
        ("eligible", np.ones((2, 3), dtype=np.int64), "booleans"),
        ("eligible", np.ones((3, 2), dtype=np.bool_), "shape"),
        ("capacity", np.array([1, 1]), "shape"),
        ("capacity", np.array([1, -1, 1]), "non-negative"),
        ("capacity", np.array([1.5, 1, 1]), "whole numbers"),
        ("low", np.array([0, -1, 0]), "non-negative"),
        ("high", np.array([1, 1, 1, 1]), "shape"),
        ("high", np.array([True, True, True]), "whole numbers"),
        ("low", np.array([2, 0, 0]), "above high"),
    ],
)
def test_validation_names_the_field(field: str, bad: NDArray[np.generic], message: str) -> None:
    arrays = {**GOOD, field: bad}
    with pytest.raises(ValueError, match=rf"^{field}: .*{re.escape(message)}"):
        BatchProblem(**arrays)


def test_a_problem_is_frozen_and_copies_its_arrays() -> None:
    values = np.ones((2, 3))
    batch = BatchProblem(**{**GOOD, "values": values})
    values[0, 0] = 99.0
    assert batch.values[0, 0] == 1.0
    with pytest.raises(ValueError, match="read-only"):
        batch.values[0, 0] = 5.0


def test_no_time_left_gives_none_for_the_fallback() -> None:
    assert solve(problem([[0.5, 0.4]]), time_limit=0.0) is None


def random_batch(seed: int, n: int, m: int) -> BatchProblem:
    rng = np.random.default_rng(seed)
    capacity = rng.integers(0, 6, m)
    low = rng.integers(0, 2, m)
    return BatchProblem(
        values=rng.choice([0.0, 0.1, 0.2, 0.3], size=(n, m)),  # a coarse grid: many ties
        eligible=rng.random((n, m)) < 0.4,
        capacity=capacity,
        low=low,
        high=low + rng.integers(0, 5, m),
    )


def test_same_problem_same_answer() -> None:
    batch = random_batch(7, 60, 15)
    first = solved(batch)
    again = solved(random_batch(7, 60, 15))
    assert first == again
    assert why(batch, first, 3) == why(batch, again, 3)


def test_a_large_batch_matches_assignment_on_capacity_slots() -> None:
    rng = np.random.default_rng(11)
    n, m = 500, 200
    values = rng.random((n, m)).round(3) * rng.integers(1, 50, (n, 1))
    capacity = rng.integers(0, 4, m)
    batch = BatchProblem(
        values=values,
        eligible=np.ones((n, m), dtype=np.bool_),
        capacity=capacity,
        low=np.zeros(m, dtype=np.int64),
        high=np.full(m, 9, dtype=np.int64),
    )
    answer = solve(batch, time_limit=30.0)
    assert answer is not None
    # Each rep as `capacity` identical slots: a rectangular assignment of size
    # min(n, slots) with the largest sum is exactly "most leads, then most value".
    slots = np.repeat(np.arange(m), capacity)
    rows, columns = linear_sum_assignment(values[:, slots], maximize=True)
    assert sum(rep is not None for rep in answer.rep_of) == min(n, len(slots)) == len(rows)
    assert answer.objective == pytest.approx(float(values[rows, slots[columns]].sum()), abs=1e-6)
    counts = np.bincount([r for r in answer.rep_of if r is not None], minlength=m)
    assert np.all(counts <= capacity)


def test_why_names_reps_when_given_names() -> None:
    batch = problem([[0.9, 0.3], [0.8, 0.4]], capacity=[1, BIG])
    answer = solved(batch)
    moved = answer.rep_of.index(1)
    said = why(batch, answer, moved, rep_names=["ana", "bob"])
    assert said.startswith("optimal batch of 2: bob (value ")
    assert f"best alone would be ana at {batch.values[moved, 0]:.4g}, at its capacity of 1" in said
