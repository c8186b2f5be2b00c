"""top_performer: the highest estimated win rate.

Without `by`: won/(won+lost) smoothed by the rule's Beta prior. With the default Beta(1,1),
8 won of 10 (0.75) beats 1 won of 1 (0.67): one lucky win does not make a top performer. With
`by: [industry, source]`: the rep's learned rate on leads of this lead's segment, shrunk toward
their overall rate and the segment's (routing/performance.py), so a source or product specialist
is found in the results rather than set by hand. Outcomes count within the rule's `lookback`
when set. Ties go as round_robin.
"""

from __future__ import annotations

from collections.abc import Sequence

from leadroute.domain.reps import Rep
from leadroute.routing.segments import describe
from leadroute.routing.selectors.base import Choice, Selection, rotation_key
from leadroute.routing.selectors.learned import learned, record_words


class TopPerformer:
    def choose(self, candidates: Sequence[Rep], selection: Selection) -> Choice:
        performance, segment = learned(selection)
        rates = {rep.id: performance.of(rep.id, segment).mean for rep in candidates}
        best = min(
            enumerate(candidates),
            key=lambda pair: (-rates[pair[1].id], rotation_key(pair[1], selection), pair[0]),
        )[1]
        by = selection.ask.learning.by
        kind = f" for {describe(by, segment)}" if by else ""
        return Choice(
            rep=best,
            why=f"top performer{kind}: estimated win rate {rates[best.id]:.2f} "
            f"({record_words(performance, best.id, segment, selection)})",
        )
