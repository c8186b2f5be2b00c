"""Compare routing files on history: replay the same arrivals through each (the scenario Replay,
simulate/history_replay.py), measure load, caps, pools, SLA feasibility and fairness, and value
each with one outcome model fitted on the history (simulate/outcome_model.py, valuation.py).

Same history, routing files and settings (seed included): the same Comparison, to the bit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from leadroute.domain.reps import Rep
from leadroute.reports.stats import gini
from leadroute.routing.config import RoutingConfig
from leadroute.simulate.caveats import config_caveats, history_caveats
from leadroute.simulate.history import History
from leadroute.simulate.history_replay import DEFAULT_CLOSE_AFTER, Placements, place_all
from leadroute.simulate.loads import Feasibility, RepLoad, Span, received_by_rep, rep_loads
from leadroute.simulate.outcome_model import DEFAULT_STRENGTH, OutcomeModel, fit, sample_of
from leadroute.simulate.valuation import Tally, Value, expected, tally_of, value_all

# Given a task's description and size, returns what to call with the work done so far.
Reporter = Callable[[str, int], Callable[[int], None]]


@dataclass(frozen=True, kw_only=True, slots=True)
class Settings:
    """`capacity`: leads a rep can handle a day (None: each rep's day cap, if any);
    `close_after`: when a lead history never closed stops counting as open."""

    seed: int = 0
    bootstrap: int = 200
    strength: float = DEFAULT_STRENGTH
    capacity: int | None = None
    close_after: timedelta = DEFAULT_CLOSE_AFTER


@dataclass(frozen=True, kw_only=True, slots=True)
class Candidate:
    """A routing file to compare, by the name the report shows (its file name)."""

    name: str
    config: RoutingConfig


@dataclass(frozen=True, kw_only=True, slots=True)
class ConfigResult:
    """One routing file on the history. `cap_hits`: leads whose decision skipped at least one
    rep for a full cap; `cap_skips`: reps skipped that way, summed over leads."""

    name: str
    leads: int
    routed: int
    pools: Mapping[str, int]
    unplaced: int
    cap_hits: int
    cap_skips: int
    reassigned: int
    reps: tuple[RepLoad, ...]
    history_names: Mapping[str, str | None]
    gini: float | None
    feasibility: Feasibility | None
    value: Value | None
    caveats: tuple[str, ...]

    @property
    def left_in_pools(self) -> int:
        return sum(self.pools.values())

    @property
    def shares(self) -> tuple[float, float] | None:
        """The smallest and largest share of the routed leads one rep received (every rep of
        the file counts, idle ones at 0): what a fairness band (`min_share`, `max_share`) is
        read against. None when nothing was routed to a rep."""
        if not self.routed or not self.reps:
            return None
        leads = [load.leads for load in self.reps]
        return min(leads) / self.routed, max(leads) / self.routed


@dataclass(frozen=True, kw_only=True, slots=True)
class Comparison:
    """Every routing's result, and `as_assigned`: the model's expected wins and revenue of
    the history's own assignment (leads with no rep at their segment's rate), a baseline that
    should sit close to the wins history recorded plus its open leads at the model's rates."""

    history: History
    model: OutcomeModel
    settings: Settings
    configs: tuple[ConfigResult, ...]
    caveats: tuple[str, ...]
    as_assigned: tuple[float, float | None] | None = None


def compare(
    history: History,
    candidates: Sequence[Candidate],
    settings: Settings,
    reporter: Reporter | None = None,
) -> Comparison:
    """Simulate and measure every candidate on the history; value them when it has results."""
    if not history.arrivals:
        raise ValueError("the history has no arrivals to simulate")
    arrivals = history.arrivals
    sample = sample_of((a.rep, a.segment, a.result, a.amount) for a in arrivals)
    model = fit(sample, strength=settings.strength)
    runs: list[Placements] = []
    for candidate in candidates:
        step = reporter(f"routing {candidate.name}", len(arrivals)) if reporter else None
        runs.append(
            place_all(
                candidate.config,
                arrivals,
                seed=settings.seed,
                close_after=settings.close_after,
                progress=step,
            )
        )
    names = [_history_names(c.config.reps, sample.reps) for c in candidates]
    segments = [int(s) for s in sample.segment_index]
    tallies: list[Tally] = [
        tally_of(
            model,
            names[i],
            [p.rep for p in run.placements],
            [p.pool for p in run.placements],
            segments,
        )
        for i, run in enumerate(runs)
    ]
    values: list[Value | None] = [None] * len(candidates)
    as_assigned = None
    if history.has_results and bool(sample.decided.any()):
        own = tally_of(
            model,
            {rep: rep for rep in sample.reps},
            [a.rep for a in arrivals],
            [None if a.rep else "history" for a in arrivals],
            segments,
        )
        as_assigned = expected(model, own)
        step = reporter("bootstrap", settings.bootstrap) if reporter else None
        values = list(
            value_all(
                model, tallies, bootstrap=settings.bootstrap, seed=settings.seed, progress=step
            )
        )
    span = Span.of(arrivals[0].at, arrivals[-1].at, candidates[0].config.timezone)
    results = tuple(
        _measure(history, model, candidate, run, names[i], tallies[i], values[i], span, settings)
        for i, (candidate, run) in enumerate(zip(candidates, runs, strict=True))
    )
    configs = [candidate.config for candidate in candidates]
    return Comparison(
        history=history,
        model=model,
        settings=settings,
        configs=results,
        caveats=tuple(history_caveats(history, model, configs)),
        as_assigned=as_assigned,
    )


def _measure(
    history: History,
    model: OutcomeModel,
    candidate: Candidate,
    run: Placements,
    history_names: Mapping[str, str | None],
    tally: Tally,
    value: Value | None,
    span: Span,
    settings: Settings,
) -> ConfigResult:
    placements = run.placements
    reps = candidate.config.reps
    skips = Counter(rep for p in placements for rep in p.capped)
    received = received_by_rep([p.rep for p in placements], [a.at for a in history.arrivals])
    loads, feasibility = rep_loads(
        reps, received, span=span, cap_skips=skips, capacity=settings.capacity
    )
    pools = Counter(p.pool for p in placements if p.pool is not None)
    return ConfigResult(
        name=candidate.name,
        leads=len(placements),
        routed=sum(1 for p in placements if p.rep is not None),
        pools=dict(sorted(pools.items())),
        unplaced=sum(1 for p in placements if p.rep is None and p.pool is None),
        cap_hits=sum(1 for p in placements if p.capped),
        cap_skips=sum(skips.values()),
        reassigned=run.reassigned,
        reps=tuple(loads),
        history_names=history_names,
        gini=gini([float(load.leads) for load in loads]),
        feasibility=feasibility,
        value=value,
        caveats=tuple(config_caveats(model, tally, history_names, value is not None)),
    )


def _history_names(reps: Sequence[Rep], known: Sequence[str]) -> dict[str, str | None]:
    """Each config rep's name in the history: their id, else their name, else None."""
    seen = set(known)
    return {
        rep.id: rep.id if rep.id in seen else rep.name if rep.name in seen else None for rep in reps
    }
