"""`select: optimal`: the leads of a batch placed together for the most expected value.

A batch is the leads waiting in a pool, or those arriving within a short window; a lone lead
is a batch of one. Each `select: optimal` rule's share of the batch becomes one
BatchProblem (routing/batch_assignment.py): value of lead i to rep j = P(win | rep j, lead i's
segment) (routing/performance.py, the rule's `by`) x the lead's `value_field` (1 without one),
eligibility = the rule's own candidates for that lead, capacity = what each rep's caps and open
limit still allow, and the fairness band = each rep's share of the rule's leads over
`share_window`, this batch included, kept between `min_share` and `max_share`.

Two passes over the same engine, so a batch lead meets exactly the rules, filters and caps a
lone lead would:

1. `plan_batch` routes every lead with a probing BatchPlan: when a lead reaches a
   `select: optimal` rule, the selector notes the rule and the eligible reps instead of choosing
   (the probe decisions are thrown away); then each rule's problem is solved.
2. The caller routes the leads again, in order, with the solved plan, recording each decision
   before routing the next: the optimal selector gives each lead its planned rep, or, when that
   rep is no longer eligible (an earlier lead of the batch filled a cap the plan did not see) or
   the solver failed, solves the lead alone; the trace says which.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from random import Random
from typing import TYPE_CHECKING

import numpy as np

from leadroute.domain.leads import Lead
from leadroute.domain.reps import Rep
from leadroute.routing.batch_assignment import BatchAnswer, BatchProblem, solve, why
from leadroute.routing.config import Assign, RoutingConfig, Rule
from leadroute.routing.flows import MAIN
from leadroute.routing.ledger import Ledger
from leadroute.routing.moment import Moment
from leadroute.routing.performance import performance_of
from leadroute.routing.segments import segment_of

if TYPE_CHECKING:
    from leadroute.routing.engine import Router

TIME_LIMIT = 2.0  # seconds the solver may take on one rule's batch before the fallback


@dataclass(frozen=True, kw_only=True, slots=True)
class Probe:
    """What the optimal selector saw of one lead: its rule, and the eligible candidates."""

    rule: str
    ask: Assign
    candidates: tuple[Rep, ...]
    fields: Mapping[str, object]


@dataclass(kw_only=True, slots=True)
class BatchPlan:
    """Probing, then placing: the leads each optimal rule saw, and the rep planned for each."""

    probing: bool = True
    seen: dict[str, Probe] = field(default_factory=dict)
    chosen: dict[str, tuple[str, str]] = field(default_factory=dict)  # lead -> (rep, why)
    failed: set[str] = field(default_factory=set)  # leads whose rule's solve failed


def all_rules(config: RoutingConfig) -> list[Rule]:
    """Every rule of the routing: main, fallback, escalations, flows and the hand-off."""
    rules: list[Rule] = [*config.rules, config.fallback, *config.escalations.values()]
    for flow in config.flows.values():
        rules.extend(flow)
    if config.handoff is not None:
        rules.extend(config.handoff.rules)
    return rules


def is_optimal(rule: Rule | None) -> bool:
    """Whether the rule assigns with `select: optimal` (and so places leads in batches)."""
    return rule is not None and rule.assign is not None and rule.assign.select == "optimal"


def window_of(rule: Rule | None) -> timedelta | None:
    """The `batch_window` new leads of this rule wait for (None: placed at once)."""
    if rule is None or rule.assign is None or not is_optimal(rule):
        return None
    return rule.assign.learning.batch_window


def batch_window(config: RoutingConfig) -> timedelta | None:
    """The longest `batch_window` of the routing's optimal rules (None: no rule batches)."""
    windows = [window for rule in all_rules(config) if (window := window_of(rule)) is not None]
    return max(windows) if windows else None


def plan_batch(
    router: Router, leads: Sequence[Lead], *, now: datetime, ledger: Ledger, flow: str = MAIN
) -> BatchPlan:
    """Probe every lead, then solve each optimal rule's batch (see the module docstring).
    `flow`: the flow the leads are routed in (a pool's escalation, for overdue leads)."""
    plan = BatchPlan()
    probe_rng = Random(0)  # probe decisions are discarded; eligibility draws nothing
    for lead in leads:
        router.route(lead, now=now, ledger=ledger, rng=probe_rng, batch=plan, flow=flow)
    plan.probing = False
    by_rule: dict[str, list[tuple[str, Probe]]] = {}
    for lead_id, probe in plan.seen.items():
        by_rule.setdefault(probe.rule, []).append((lead_id, probe))
    moment = Moment(now=now, ledger=ledger)
    for rule, entries in by_rule.items():
        probes = [probe for _, probe in entries]
        solved = solve_probes(rule, probes, moment)
        for index, (lead_id, _) in enumerate(entries):
            chosen = None if solved is None else solved[index]
            if solved is None:
                plan.failed.add(lead_id)
            elif chosen is not None:
                plan.chosen[lead_id] = chosen
    return plan


def solve_probes(
    rule: str, probes: Sequence[Probe], moment: Moment
) -> list[tuple[str, str] | None] | None:
    """(rep, why) for each probe, in order; None for a lead the batch has no room for (its
    reps' caps are taken by the others: it is placed alone, after them); None in all when the
    solver failed or timed out. When the band's maximums leave leads without a rep, the batch
    is solved again without them (the fairness maximum gives way before a lead waits)."""
    reps = _reps_of(probes)
    names = [rep.id for rep in reps]
    problem = problem_of(rule, probes, reps, moment)
    answer = solve(problem, time_limit=TIME_LIMIT)
    note = ""
    if answer is not None and None in answer.rep_of:
        roomy = replace(problem, high=problem.capacity)
        wider = solve(roomy, time_limit=TIME_LIMIT)
        if wider is not None and wider.rep_of.count(None) < answer.rep_of.count(None):
            problem, answer, note = roomy, wider, "fairness maximum relaxed to place every lead; "
    if answer is None:
        return None
    return [
        None if answer.rep_of[index] is None else _chosen(problem, answer, index, names, note)
        for index in range(len(probes))
    ]


def _chosen(
    problem: BatchProblem, answer: BatchAnswer, index: int, names: list[str], note: str
) -> tuple[str, str]:
    rep = answer.rep_of[index]
    assert rep is not None
    return names[rep], note + why(problem, answer, index, rep_names=names)


def _reps_of(probes: Sequence[Probe]) -> list[Rep]:
    """Every candidate of the batch, in the order first met (deterministic)."""
    seen: dict[str, Rep] = {}
    for probe in probes:
        for rep in probe.candidates:
            seen.setdefault(rep.id, rep)
    return list(seen.values())


def problem_of(
    rule: str, probes: Sequence[Probe], reps: Sequence[Rep], moment: Moment
) -> BatchProblem:
    ask = probes[0].ask
    learning = ask.learning
    since = moment.now - ask.lookback if ask.lookback else None
    records = moment.ledger.outcomes_by(learning.by, since)
    performance = performance_of(records, prior=ask.prior, learning=learning)
    index = {rep.id: j for j, rep in enumerate(reps)}
    n, m = len(probes), len(reps)
    worth = _lead_values(probes, learning.value_field)
    values = np.zeros((n, m))
    eligible = np.zeros((n, m), dtype=np.bool_)
    for i, probe in enumerate(probes):
        segment = segment_of(probe.fields, learning.by)
        for rep in probe.candidates:
            j = index[rep.id]
            eligible[i, j] = True
            values[i, j] = performance.of(rep.id, segment).mean * worth[i]
    capacity = np.array([room(rep, moment, n) for rep in reps], dtype=np.int64)
    low, high = band(rule, reps, moment, n, ask)
    # A rep eligible for k leads, or with room for k, can be promised k at most; and the
    # promises together cannot pass the batch: the reps furthest under the band keep theirs
    # (the largest lows), then the reps listed first.
    low = np.minimum(low, np.minimum(eligible.sum(axis=0), capacity))
    for j in np.lexsort((-np.arange(m), low)):
        excess = int(low.sum()) - n
        if excess <= 0:
            break
        low[j] -= min(excess, int(low[j]))
    return BatchProblem(values=values, eligible=eligible, capacity=capacity, low=low, high=high)


def _lead_values(probes: Sequence[Probe], value_field: str | None) -> list[float]:
    """Each lead's deal value; a lead without a usable one counts at the batch's mean."""
    if value_field is None:
        return [1.0] * len(probes)
    raw = [probe.fields.get(value_field) for probe in probes]
    known = [
        float(v)
        for v in raw
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v > 0
    ]
    fill = sum(known) / len(known) if known else 1.0
    return [
        float(v)
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v > 0
        else fill
        for v in raw
    ]


def room(rep: Rep, moment: Moment, most: int) -> int:
    """How many more leads the rep's caps and open limit allow now (`most` when uncapped)."""
    left = most
    caps = rep.caps
    for window, limit in caps.windows():
        count = moment.ledger.assigned_since(rep.id, moment.window_start(window, rep.timezone))
        left = min(left, limit - count)
    if caps.open is not None:
        left = min(left, caps.open - moment.ledger.open_count(rep.id))
    return max(0, left)


def band(
    rule: str, reps: Sequence[Rep], moment: Moment, size: int, ask: Assign
) -> tuple[np.ndarray, np.ndarray]:
    """Each rep's least and most leads of this batch so that their share of the rule's leads
    over `share_window`, this batch included, stays within [min_share, max_share]: at least
    ceil(min_share x leads) and at most floor(max_share x leads), counting the window's leads
    and this batch's. When the maximums together leave no room for the batch, they are
    rounded up instead (a batch of one is always placeable)."""
    learning = ask.learning
    since = moment.now - learning.share_window
    served = np.array(
        [moment.ledger.served_since(rule, rep.id, since) for rep in reps], dtype=np.int64
    )
    total = int(served.sum()) + size
    low = np.maximum(0, math.ceil(learning.min_share * total - 1e-9) - served)
    high = np.maximum(0, math.floor(learning.max_share * total + 1e-9) - served)
    if int(high.sum()) < size:
        high = np.maximum(0, math.ceil(learning.max_share * total - 1e-9) - served)
    return low.astype(np.int64), high.astype(np.int64)
