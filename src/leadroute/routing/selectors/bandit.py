"""bandit: Thompson sampling on the learned win-rate posteriors.

Each eligible rep's win rate on this lead's segment is drawn from their posterior
(routing/performance.py) and the highest draw takes the lead: a rep with a strong record wins
most draws, one with little record wins some, so the rule keeps learning who converts what
instead of locking onto an early leader as greedy top_performer does. Guard rails: the rule's
`min_share` floor comes first (routing/selectors/shares.py), and candidates are already the
reps under their caps. Draws come from the decision's seeded generator: same seed, same choice.
"""

from __future__ import annotations

from collections.abc import Sequence

from leadroute.domain.reps import Rep
from leadroute.routing.segments import describe
from leadroute.routing.selectors.base import Choice, Selection, rotation_key
from leadroute.routing.selectors.learned import learned, record_words
from leadroute.routing.selectors.shares import below_floor


class Bandit:
    def choose(self, candidates: Sequence[Rep], selection: Selection) -> Choice:
        floor = below_floor(candidates, selection)
        if floor is not None:
            return floor
        performance, segment = learned(selection)
        posteriors = {rep.id: performance.of(rep.id, segment) for rep in candidates}
        draws = {rep.id: posteriors[rep.id].draw(selection.rng) for rep in candidates}
        best = min(
            enumerate(candidates),
            key=lambda pair: (-draws[pair[1].id], rotation_key(pair[1], selection), pair[0]),
        )[1]
        by = selection.ask.learning.by
        kind = f" for {describe(by, segment)}" if by else ""
        posterior = posteriors[best.id]
        return Choice(
            rep=best,
            why=f"bandit{kind}: drew win rate {draws[best.id]:.2f} from the rep's posterior "
            f"(mean {posterior.mean:.2f}; {record_words(performance, best.id, segment, selection)})"
            f", highest of {len(candidates)}",
        )
