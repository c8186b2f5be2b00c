"""What a history simulation cannot tell, in plain words: written from the history, the fitted
model and each routing's tally, so the report says it next to the numbers it qualifies."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from leadroute.routing.batch_plan import all_rules
from leadroute.routing.config import RoutingConfig
from leadroute.simulate.history import History
from leadroute.simulate.outcome_model import OutcomeModel
from leadroute.simulate.valuation import Tally

LISTED = 5


def history_caveats(
    history: History, model: OutcomeModel, configs: Sequence[RoutingConfig]
) -> Iterator[str]:
    """Caveats that hold for every routing compared."""
    arrivals = len(history.arrivals)
    if history.without_time:
        yield (
            f"{history.without_time} of {history.rows} history rows have no arrival time and "
            "were left out."
        )
    if history.rows - history.without_time > arrivals:
        yield f"Only the first {arrivals} arrivals in time order were simulated (--limit)."
    for name, count in history.unmatched.items():
        yield f"{count} history rows found no match in {name}: its columns are empty for them."
    sample = model.sample
    if not history.has_results or not sample.decided.any():
        yield (
            "The history has no won or lost leads (give --result-column or --outcomes): "
            "no expected wins or revenue."
        )
        return
    open_leads = int((~sample.decided).sum())
    if open_leads:
        yield (
            f"{open_leads} leads have no result in the history (open or unknown): they inform "
            "no rate, but their simulated assignments count in expected wins like any other."
        )
    if not model.rep_effect:
        yield (
            "No lost lead in the history names a rep (or no won one does): reps appear only on "
            "one kind of result, so per-rep conversion cannot be estimated. Every rep gets the "
            "segment's rate and expected wins cannot tell these routings apart (differences are "
            "0 by construction); load, caps, pools, SLA feasibility and fairness still can."
        )
    else:
        cells = model.cell_decided.size
        empty = int((model.cell_decided == 0).sum())
        if empty:
            yield (
                f"{empty} of {cells} rep x segment pairs have no decided lead in the history: "
                "their rate is the prior (the rep's edge added to the segment's rate on the "
                "logit scale), not an observation."
            )
    if model.deal_sizes is None:
        yield "No deal amounts (--amount-column) on won leads: no expected revenue."
    yield (
        "The model assumes P(win) depends only on the rep and the lead's segment, and that a "
        "routing changes neither which leads arrive nor how well a rep works a lead (however "
        "many they get). Intervals are bootstrap percentiles of the model refitted on resampled "
        "history rows, each routing's assignments held fixed."
    )
    if any(_uses_top_performer(config) for config in configs):
        yield (
            "top_performer learns from the results history recorded for the rep who really "
            "worked each lead, at its close time, not from the simulated assignments."
        )


def config_caveats(
    model: OutcomeModel, tally: Tally, history_names: Mapping[str, str | None], valued: bool
) -> Iterator[str]:
    """Caveats about one routing: reps the history never saw, pairs it never observed, pooled
    leads and their valuation."""
    absent = sorted(rep for rep, name in history_names.items() if name is None)
    if absent:
        leads = int(sum(tally.reps[rep].sum() for rep in absent if rep in tally.reps))
        shown = ", ".join(absent[:LISTED]) + (", ..." if len(absent) > LISTED else "")
        valuation = " are valued at their segment's rate (an average rep)" if valued else ""
        yield (
            f"{len(absent)} of {len(history_names)} reps never appear in the history "
            f"({shown}): their {leads} leads{valuation}."
        )
    missing = sorted(set(model.sample.reps) - {n for n in history_names.values() if n})
    if missing:
        yield (
            f"{len(missing)} reps of the history are not in this routing file "
            f"({', '.join(missing[:LISTED])}{', ...' if len(missing) > LISTED else ''})."
        )
    pooled = int(tally.pooled.sum())
    if pooled:
        valuation = ", valued at their segment's rate" if valued else ""
        yield f"{pooled} leads were left in pools (nobody claims in a simulation){valuation}."
    if valued and model.rep_effect:
        routed, unseen = 0, 0
        known_rows = len(model.sample.reps)
        for rep, counts in tally.reps.items():
            routed += int(counts.sum())
            row = tally.rows[rep]
            if row < known_rows:
                unseen += int(counts[model.cell_decided[row] == 0].sum())
        if unseen:
            share = unseen / routed if routed else 0.0
            yield (
                f"{unseen} of {routed} routed leads ({share:.0%}) went to rep x segment pairs "
                "never observed in the history: valued at the prior."
            )


def _uses_top_performer(config: RoutingConfig) -> bool:
    learners = {"top_performer", "bandit", "optimal"}
    return any(
        rule.assign is not None and rule.assign.select in learners for rule in all_rules(config)
    )
