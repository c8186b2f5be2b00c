"""The batch solver against brute force on small random batches.

Brute force enumerates every assignment (each lead to nobody or to one of its eligible reps),
keeps those within every rep's band and takes the lexicographic best: most leads assigned,
then most value. Values come from a coarse grid of binary fractions, so ties are common and
every sum is exact.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from leadroute.routing.batch_assignment import BatchAnswer, BatchProblem, solve, why

GRID = (0.0, 0.25, 0.5, 1.0)


@st.composite
def batches(draw: st.DrawFn) -> BatchProblem:
    n = draw(st.integers(0, 5))
    m = draw(st.integers(0, 4))
    values = [[draw(st.sampled_from(GRID)) for _ in range(m)] for _ in range(n)]
    eligible = [[draw(st.booleans()) for _ in range(m)] for _ in range(n)]
    low = [draw(st.sampled_from((0, 0, 1, 2))) for _ in range(m)]
    return BatchProblem(
        values=np.array(values, dtype=np.float64).reshape(n, m),
        eligible=np.array(eligible, dtype=np.bool_).reshape(n, m),
        capacity=np.array([draw(st.integers(0, 3)) for _ in range(m)], dtype=np.int64),
        low=np.array(low, dtype=np.int64),
        high=np.array([b + draw(st.integers(0, 3)) for b in low], dtype=np.int64),
    )


def assignments(problem: BatchProblem) -> Iterator[tuple[int | None, ...]]:
    choices = [[None, *np.flatnonzero(problem.eligible[i]).tolist()] for i in range(problem.leads)]
    return itertools.product(*choices)


def counts(problem: BatchProblem, rep_of: tuple[int | None, ...]) -> list[int]:
    return [sum(rep == j for rep in rep_of) for j in range(problem.reps)]


def brute_best(problem: BatchProblem, low: list[int]) -> tuple[int, float] | None:
    """(leads assigned, value) of the lexicographic best assignment within [low, upper];
    None when no assignment is within the band."""
    upper = [min(int(h), int(c)) for h, c in zip(problem.high, problem.capacity, strict=True)]
    best: tuple[int, float] | None = None
    for rep_of in assignments(problem):
        per_rep = counts(problem, rep_of)
        if any(not lo <= k <= up for lo, k, up in zip(low, per_rep, upper, strict=True)):
            continue
        chosen = [(i, j) for i, j in enumerate(rep_of) if j is not None]
        score = (len(chosen), sum(float(problem.values[i, j]) for i, j in chosen))
        if best is None or score > best:
            best = score
    return best


def check_answer(problem: BatchProblem, answer: BatchAnswer) -> None:
    assert len(answer.rep_of) == problem.leads
    for lead, rep in enumerate(answer.rep_of):
        assert rep is None or problem.eligible[lead, rep]
    floor = problem.low.tolist() if answer.status == "optimal" else [0] * problem.reps
    per_rep = counts(problem, answer.rep_of)
    upper = problem.upper.tolist()
    assert all(lo <= k <= up for lo, k, up in zip(floor, per_rep, upper, strict=True))
    chosen = [float(problem.values[i, j]) for i, j in enumerate(answer.rep_of) if j is not None]
    assert answer.objective == sum(chosen)
    # The documented tie rule: no lead could move to a lower rep of equal value with room.
    for lead, rep in enumerate(answer.rep_of):
        if rep is None or per_rep[rep] <= floor[rep]:
            continue
        for other in range(rep):
            assert not (
                problem.eligible[lead, other]
                and problem.values[lead, other] == problem.values[lead, rep]
                and per_rep[other] < upper[other]
            )


@settings(max_examples=300, deadline=None)
@given(batches())
def test_solver_matches_brute_force(problem: BatchProblem) -> None:
    answer = solve(problem, time_limit=10.0)
    assert answer is not None
    check_answer(problem, answer)
    within_band = brute_best(problem, problem.low.tolist())
    if answer.status == "band_relaxed":
        assert within_band is None
        expected = brute_best(problem, [0] * problem.reps)
    else:
        expected = within_band
    assert expected is not None
    assigned = sum(rep is not None for rep in answer.rep_of)
    assert assigned == expected[0]
    assert abs(answer.objective - expected[1]) <= 1e-9
    assert solve(problem, time_limit=10.0) == answer


@settings(max_examples=100, deadline=None)
@given(batches())
def test_every_lead_below_its_best_rep_has_a_limit_as_reason(problem: BatchProblem) -> None:
    answer = solve(problem, time_limit=10.0)
    assert answer is not None
    for lead, rep in enumerate(answer.rep_of):
        said = why(problem, answer, lead)
        options = problem.values[lead][problem.eligible[lead]]
        if rep is None:
            assert ("no eligible rep" in said) == (len(options) == 0)
        elif problem.values[lead, rep] < options.max():
            assert "at its" in said or "band minimum" in said, said
        else:
            assert said.endswith("the best value for this lead)"), said
