"""least_loaded: fewest open leads; ties by least recently assigned, then listed order."""

from __future__ import annotations

from collections.abc import Sequence

from leadroute.domain.reps import Rep
from leadroute.routing.selectors.base import Choice, Selection


class LeastLoaded:
    def choose(self, candidates: Sequence[Rep], selection: Selection) -> Choice:
        ledger = selection.moment.ledger

        def load(pair: tuple[int, Rep]) -> tuple[int, int, int]:
            last = ledger.last_assigned(pair[1].id)
            return (ledger.open_count(pair[1].id), -1 if last is None else last, pair[0])

        best = min(enumerate(candidates), key=load)[1]
        count = ledger.open_count(best.id)
        return Choice(rep=best, why=f"least loaded: {count} open lead{'' if count == 1 else 's'}")
