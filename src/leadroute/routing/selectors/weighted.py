"""weighted: smooth weighted round robin.

Each pick adds every eligible rep's weight to their credit, chooses the highest credit (listed
order breaks ties) and takes the eligible total from the winner. Among reps who stay eligible,
every prefix of N leads gives each rep within one lead of N*w/sum(w); a rep who was away keeps
the credit they had and is not flooded on return.
"""

from __future__ import annotations

from collections.abc import Sequence

from leadroute.domain.reps import Rep
from leadroute.routing.selectors.base import Choice, Selection


class Weighted:
    def choose(self, candidates: Sequence[Rep], selection: Selection) -> Choice:
        ledger, rule = selection.moment.ledger, selection.rule
        total = sum(rep.weight for rep in candidates)
        if total <= 0:
            return Choice(rep=candidates[0], why="weighted: every weight is 0, first listed")
        best_index, best_credit = 0, float("-inf")
        for index, rep in enumerate(candidates):
            credit = ledger.credit(rule, rep.id) + rep.weight
            if credit > best_credit + 1e-9:
                best_index, best_credit = index, credit
        best = candidates[best_index]
        credits = tuple(
            (rep.id, rep.weight - (total if index == best_index else 0.0))
            for index, rep in enumerate(candidates)
        )
        share = best.weight / total
        return Choice(
            rep=best,
            why=f"weighted: highest credit (weight {best.weight:g}, share {share:.0%})",
            credits=credits,
        )
