"""weighted: each rep gets leads in proportion to their weight, evenly spread.

A rep's credit is how far they are behind their share, in weight units: every pick adds each
eligible rep's weight to their credit and takes the eligible total from the winner (as smooth
weighted round robin does). The winner is the rep whose next lead falls due soonest, among those
not already ahead of their share by a whole lead: earliest-deadline-first on Pfair windows. With a
steady set of eligible reps, that keeps every prefix of N leads within one lead of N*w/sum(w) for
every rep (plain smooth weighted round robin can miss by more: weights 1,1,1,5,5,5 after 11
leads). A rep who was away keeps the credit they had and is not flooded on return.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from leadroute.domain.reps import Rep
from leadroute.routing.selectors.base import Choice, Selection

_EPSILON = 1e-9


class Weighted:
    def choose(self, candidates: Sequence[Rep], selection: Selection) -> Choice:
        ledger, rule = selection.moment.ledger, selection.rule
        total = sum(rep.weight for rep in candidates)
        if total <= 0:
            return Choice(rep=candidates[0], why="weighted: every weight is 0, first listed")
        best_index, best_key = 0, (float("inf"), 0.0)
        for index, rep in enumerate(candidates):
            credit = ledger.credit(rule, rep.id)
            if rep.weight <= 0 or credit <= -rep.weight + _EPSILON:
                continue  # a whole lead ahead of their share (or weightless): not released yet
            # The pick (counted from this one) by which the rep's next lead is due.
            due = math.ceil((total - credit) / rep.weight - _EPSILON)
            key = (due, -credit)
            if key < best_key:
                best_index, best_key = index, key
        best = candidates[best_index]
        credits = tuple(
            (rep.id, rep.weight - (total if index == best_index else 0.0))
            for index, rep in enumerate(candidates)
        )
        share = best.weight / total
        return Choice(
            rep=best,
            why=f"weighted: next due by share (weight {best.weight:g}, share {share:.0%})",
            credits=credits,
        )
