"""hunt: the first eligible rep in listed order (a classic hunt group)."""

from __future__ import annotations

from collections.abc import Sequence

from leadroute.domain.reps import Rep
from leadroute.routing.selectors.base import Choice, Selection


class Hunt:
    def choose(self, candidates: Sequence[Rep], selection: Selection) -> Choice:
        return Choice(rep=candidates[0], why="hunt: first eligible in listed order")
