"""top_performer: highest estimated win rate, won/(won+lost) smoothed by a Beta prior.

With the default Beta(1,1), 8 won of 10 (0.75) beats 1 won of 1 (0.67): one lucky win does not
make a top performer. Outcomes count within the rule's `lookback` when set. Ties go as
round_robin.
"""

from __future__ import annotations

from collections.abc import Sequence

from leadroute.domain.reps import Rep
from leadroute.routing.selectors.base import Choice, Selection, rotation_key


class TopPerformer:
    def choose(self, candidates: Sequence[Rep], selection: Selection) -> Choice:
        ask, moment = selection.ask, selection.moment
        since = moment.now - ask.lookback if ask.lookback else None
        records = {rep.id: moment.ledger.outcomes_since(rep.id, since) for rep in candidates}
        rates = {rep_id: ask.prior.estimate(*record) for rep_id, record in records.items()}
        best = min(
            enumerate(candidates),
            key=lambda pair: (-rates[pair[1].id], rotation_key(pair[1], selection), pair[0]),
        )[1]
        won, lost = records[best.id]
        return Choice(
            rep=best,
            why=f"top performer: estimated win rate {rates[best.id]:.2f} ({won} won, {lost} lost)",
        )
