"""random: a uniform pick with the caller's seeded generator, so runs reproduce."""

from __future__ import annotations

from collections.abc import Sequence

from leadroute.domain.reps import Rep
from leadroute.routing.selectors.base import Choice, Selection


class RandomPick:
    def choose(self, candidates: Sequence[Rep], selection: Selection) -> Choice:
        rep = candidates[selection.rng.randrange(len(candidates))]
        return Choice(rep=rep, why=f"random: 1 of {len(candidates)} eligible")
