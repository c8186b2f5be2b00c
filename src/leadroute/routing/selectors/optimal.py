"""optimal: the most expected value for the batch, within caps and the fairness band.

Batches are planned by routing/batch_plan.py; this selector is where each lead of a batch
takes its planned rep. A lead routed alone (or whose plan no longer holds) is a batch of one:
the eligible rep with the best P(win) x value whose share of the rule's leads stays within
[min_share, max_share]. When the solver fails or times out the rule's leads go round robin,
and the trace says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from leadroute.domain.reps import Rep
from leadroute.routing.batch_plan import Probe, solve_probes
from leadroute.routing.selectors.base import Choice, Selection
from leadroute.routing.selectors.round_robin import RoundRobin

_FALLBACK = RoundRobin()


class Optimal:
    def choose(self, candidates: Sequence[Rep], selection: Selection) -> Choice:
        batch = selection.moment.batch
        lead_id = str(selection.fields.get("id", ""))
        probe = Probe(
            rule=selection.rule,
            ask=selection.ask,
            candidates=tuple(candidates),
            fields=selection.fields,
        )
        if batch is not None and batch.probing:
            batch.seen[lead_id] = probe
            return Choice(rep=candidates[0], why="probe (discarded)")
        prefix = ""
        if batch is not None and lead_id in batch.chosen:
            rep_id, why = batch.chosen[lead_id]
            planned = next((rep for rep in candidates if rep.id == rep_id), None)
            if planned is not None:
                return Choice(rep=planned, why=why)
            prefix = f"planned for {rep_id}, who is no longer eligible; "
        if batch is not None and lead_id in batch.failed:
            return self._fallback(candidates, selection, "the batch's solver failed")
        solved = solve_probes(selection.rule, [probe], selection.moment)
        if solved is None or solved[0] is None:
            return self._fallback(candidates, selection, "the solver failed")
        rep_id, why = solved[0]
        rep = next(rep for rep in candidates if rep.id == rep_id)
        return Choice(rep=rep, why=prefix + why.replace("optimal batch of 1", "optimal alone", 1))

    def _fallback(self, candidates: Sequence[Rep], selection: Selection, reason: str) -> Choice:
        choice = _FALLBACK.choose(candidates, selection)
        return Choice(rep=choice.rep, why=f"{reason}: {choice.why}", credits=choice.credits)
