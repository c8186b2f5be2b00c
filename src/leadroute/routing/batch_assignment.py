"""Optimal assignment of a batch of leads to reps within capacity and a fairness band.

A batch is n leads and m reps. Giving lead i to rep j is worth `values[i, j]` (P(win) x deal
value); rep j may take lead i only when `eligible[i, j]`, and must end the batch with a count
between `low[j]` and `min(high[j], capacity[j])`. The answer is lexicographically best: first as
many leads assigned as possible, then the largest sum of values.

Formulation: one 0/1 variable per eligible pair only (a sparse problem, so 500 leads x 200 reps
is fine), one row per lead (at most one rep) and one row per rep (its band). That constraint
matrix is the incidence matrix of a bipartite graph, which is totally unimodular, so with
integral bounds every vertex of the LP relaxation is integral: the problem is a transportation
problem. It is solved with `scipy.optimize.milp` (HiGHS) with integrality on anyway, so the
answer is integral by construction rather than by that argument.

The lexicographic order is one objective: each assigned lead earns a bonus B = n + 1 plus its
value divided by the batch's largest value (so every value term lies in [0, 1]). Any sum of
value terms is at most n < B, so one more assigned lead always beats any gain in value; among
assignments of equal size, the objective orders them by value. Normalising keeps the bonus and
the values on comparable scales whatever the currency, so the value terms are not lost in
rounding; value differences below HiGHS's optimality tolerance (about 1e-7 of the batch's
largest value) count as ties. The relative MIP gap is set to 0, since the default (1e-4) would
otherwise allow losing a lead's worth of objective in large batches. HiGHS's presolve is off:
it probes every binary variable and took seconds on 500 x 200 pairs (11 s with fairness lows),
while the root LP, integral here, takes a fraction of a second.

When no assignment reaches every rep's `low`, the batch is solved again with `low` = 0 and the
answer says `band_relaxed`: leads still go somewhere, and the trace says the band could not hold.

Determinism: the same problem gives the same answer. Variables are built in lead-major order,
HiGHS is deterministic for an identical model, nothing is random and no timing reaches the
answer. Ties are then broken by a post-pass: a lead moves to a lower-indexed rep offering exactly
the same value when that rep has room and the move keeps both reps within their bands (repeated
until nothing moves; each move lowers the sum of rep indexes, so it ends). Ties that would need
two leads to trade reps are left as HiGHS returned them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import LinearConstraint, milp
from scipy.sparse import csr_array

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]
Status = Literal["optimal", "band_relaxed"]


@dataclass(frozen=True, kw_only=True, slots=True, eq=False)
class BatchProblem:
    """n leads x m reps; validated on construction (ValueError naming the field). The arrays
    are copied and made read-only, so a problem cannot change after it was checked."""

    values: Floats
    eligible: Bools
    capacity: Ints
    low: Ints
    high: Ints

    def __post_init__(self) -> None:
        try:
            values = np.array(self.values, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ValueError(f"values: expected numbers ({error})") from None
        if values.ndim != 2:
            raise ValueError(f"values: expected a 2-d array (leads x reps), got {values.ndim}-d")
        if not np.all(np.isfinite(values)):
            raise ValueError("values: expected finite numbers")
        if np.any(values < 0):
            raise ValueError("values: expected non-negative numbers")
        eligible = np.array(self.eligible)
        if eligible.dtype != np.bool_:
            raise ValueError(f"eligible: expected booleans, got {eligible.dtype}")
        if eligible.shape != values.shape:
            raise ValueError(f"eligible: shape {eligible.shape} differs from values {values.shape}")
        reps = values.shape[1]
        capacity = _counts("capacity", self.capacity, reps)
        low = _counts("low", self.low, reps)
        high = _counts("high", self.high, reps)
        if np.any(low > high):
            raise ValueError(f"low: above high for reps {np.flatnonzero(low > high).tolist()}")
        for name, array in (
            ("values", values),
            ("eligible", eligible),
            ("capacity", capacity),
            ("low", low),
            ("high", high),
        ):
            array.setflags(write=False)
            object.__setattr__(self, name, array)

    @property
    def leads(self) -> int:
        return int(self.values.shape[0])

    @property
    def reps(self) -> int:
        return int(self.values.shape[1])

    @property
    def upper(self) -> Ints:
        """Each rep's effective maximum for the batch: min(high, capacity)."""
        return np.minimum(self.high, self.capacity)


def _counts(name: str, raw: object, reps: int) -> Ints:
    array = np.array(raw)
    if array.shape != (reps,):
        raise ValueError(f"{name}: expected shape ({reps},) (one per rep), got {array.shape}")
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{name}: expected whole numbers, got {array.dtype}")
    if not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
        raise ValueError(f"{name}: expected whole numbers")
    if np.any(array < 0):
        raise ValueError(f"{name}: expected non-negative counts")
    return array.astype(np.int64)


@dataclass(frozen=True, kw_only=True, slots=True)
class BatchAnswer:
    """Per lead the rep index (None: unassigned), the sum of the chosen values, and whether
    the fairness minimums held (`optimal`) or had to be dropped (`band_relaxed`)."""

    rep_of: tuple[int | None, ...]
    objective: float
    status: Status


def solve(problem: BatchProblem, *, time_limit: float = 1.0) -> BatchAnswer | None:
    """The lexicographically best assignment (most leads, then most value) within eligibility
    and every rep's [low, min(high, capacity)]; with low = 0 (`band_relaxed`) when no
    assignment meets every low. None when the solver fails or runs out of `time_limit` seconds
    (the caller falls back to its plain selector)."""
    deadline = time.monotonic() + time_limit
    leads, reps = np.nonzero(problem.eligible)
    upper = problem.upper
    no_low = np.zeros(problem.reps, dtype=np.int64)
    if _band_reachable(problem, upper):
        chosen = _optimum(problem, leads, reps, problem.low, upper, deadline)
        if isinstance(chosen, np.ndarray):
            return _answer(problem, leads, reps, chosen, problem.low, "optimal")
        if chosen == "failed":
            return None
    relaxed = _optimum(problem, leads, reps, no_low, upper, deadline)
    if not isinstance(relaxed, np.ndarray):
        return None
    return _answer(problem, leads, reps, relaxed, no_low, "band_relaxed")


def _band_reachable(problem: BatchProblem, upper: Ints) -> bool:
    """False when a low is plainly out of reach (above the rep's maximum, above its eligible
    leads, or the lows together above the batch); the solver decides the rest."""
    low = problem.low
    return bool(
        np.all(low <= upper)
        and np.all(low <= problem.eligible.sum(axis=0))
        and int(low.sum()) <= problem.leads
    )


def _optimum(
    problem: BatchProblem, leads: Ints, reps: Ints, low: Ints, upper: Ints, deadline: float
) -> Bools | Literal["infeasible", "failed"]:
    """Which eligible pairs (in `leads`, `reps` order) the best assignment uses."""
    pairs = len(leads)
    if pairs == 0:
        return np.zeros(0, dtype=np.bool_) if not np.any(low) else "infeasible"
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return "failed"
    n, m = problem.leads, problem.reps
    picked = problem.values[leads, reps]
    scale = float(picked.max()) or 1.0
    gain = (n + 1) + picked / scale
    columns = np.arange(pairs)
    matrix = csr_array(
        (np.ones(2 * pairs), (np.concatenate([leads, n + reps]), np.concatenate([columns] * 2))),
        shape=(n + m, pairs),
    )
    lower = np.concatenate([np.zeros(n), low]).astype(np.float64)
    upper_rows = np.concatenate([np.ones(n), upper]).astype(np.float64)
    result = milp(
        -gain,
        integrality=np.ones(pairs),
        bounds=(0, 1),
        constraints=LinearConstraint(matrix, lower, upper_rows),
        options={"time_limit": remaining, "mip_rel_gap": 0.0, "presolve": False},
    )
    if result.status == 2:
        return "infeasible"
    if result.status != 0 or result.x is None:
        return "failed"
    chosen: Bools = np.asarray(result.x) > 0.5
    if not _within(problem, leads, reps, chosen, low, upper):
        return "failed"
    return chosen


def _within(
    problem: BatchProblem, leads: Ints, reps: Ints, chosen: Bools, low: Ints, upper: Ints
) -> bool:
    """Whether the rounded solution keeps every constraint (a guard on the solver)."""
    per_lead = np.bincount(leads[chosen], minlength=problem.leads)
    per_rep = np.bincount(reps[chosen], minlength=problem.reps)
    return bool(np.all(per_lead <= 1) and np.all(per_rep >= low) and np.all(per_rep <= upper))


def _answer(
    problem: BatchProblem, leads: Ints, reps: Ints, chosen: Bools, low: Ints, status: Status
) -> BatchAnswer:
    rep_of: list[int | None] = [None] * problem.leads
    for lead, rep in zip(leads[chosen].tolist(), reps[chosen].tolist(), strict=True):
        rep_of[lead] = rep
    _prefer_lower_reps(problem, rep_of, low)
    objective = math.fsum(
        float(problem.values[lead, rep]) for lead, rep in enumerate(rep_of) if rep is not None
    )
    return BatchAnswer(rep_of=tuple(rep_of), objective=objective, status=status)


def _prefer_lower_reps(problem: BatchProblem, rep_of: list[int | None], low: Ints) -> None:
    """Move leads to the lowest-indexed rep of exactly equal value that has room, while the
    rep left stays at or above its low. Count and objective are unchanged by each move."""
    count = np.bincount([r for r in rep_of if r is not None], minlength=problem.reps)
    upper = problem.upper
    moved = True
    while moved:
        moved = False
        for lead, rep in enumerate(rep_of):
            if rep is None or count[rep] <= low[rep]:
                continue
            same = problem.eligible[lead, :rep] & (
                problem.values[lead, :rep] == problem.values[lead, rep]
            )
            room = np.flatnonzero(same & (count[:rep] < upper[:rep]))
            if len(room):
                target = int(room[0])
                count[rep] -= 1
                count[target] += 1
                rep_of[lead] = target
                moved = True


def why(
    problem: BatchProblem,
    answer: BatchAnswer,
    lead: int,
    *,
    rep_names: Sequence[str] | None = None,
) -> str:
    """One line for the trace: where the lead went and, when that is not its individually best
    rep, what stopped it going there (that rep's capacity or band maximum, or the band minimum
    of the rep it went to)."""

    def name(rep: int) -> str:
        return rep_names[rep] if rep_names is not None else f"rep {rep}"

    values = problem.values[lead]
    head = f"optimal batch of {problem.leads}"
    if answer.status == "band_relaxed":
        head += " (fairness minimums relaxed: no assignment met them)"
    options = np.flatnonzero(problem.eligible[lead])
    counts = np.bincount([r for r in answer.rep_of if r is not None], minlength=problem.reps)
    rep = answer.rep_of[lead]
    if rep is None:
        if not len(options):
            return f"{head}: unassigned, no eligible rep"
        limits = ", ".join(f"{name(r)} {_limit(problem, r)}" for r in options.tolist())
        return f"{head}: unassigned, every eligible rep is at its limit ({limits})"
    best = int(options[np.argmax(values[options])])
    said = f"{head}: {name(rep)} (value {values[rep]:.4g}"
    if values[rep] >= values[best]:
        return f"{said}; the best value for this lead)"
    alone = f"best alone would be {name(best)} at {values[best]:.4g}"
    if counts[best] >= problem.upper[best]:
        return f"{said}; {alone}, {_limit(problem, best)})"
    floor = problem.low[rep] if answer.status == "optimal" else 0
    if counts[rep] <= floor:
        return f"{said}; {alone}, but {name(rep)} must get at least {floor} (band minimum))"
    return f"{said}; {alone}, within the solver's tolerance)"


def _limit(problem: BatchProblem, rep: int) -> str:
    capacity, high = int(problem.capacity[rep]), int(problem.high[rep])
    if capacity <= high:
        return f"at its capacity of {capacity}"
    return f"at its band maximum of {high}"
