"""round_robin: the eligible rep this rule served least recently goes next.

Never-served reps go first, in listed order. A rep back from away is least recently served, so
they get the next turn once and then rejoin the rotation (`catch_up: false`). With
`catch_up: true` the rep with the fewest leads from this rule in the current window goes first,
so a returning rep makes up the missed share within the window (their narrowest cap window, or
the day).
"""

from __future__ import annotations

from collections.abc import Sequence

from leadroute.domain.reps import Rep
from leadroute.routing.selectors.base import Choice, Selection, rotation_key, turns_ago


def catch_up_window(rep: Rep) -> str:
    windows = rep.caps.windows()
    return windows[0][0] if windows else "day"


class RoundRobin:
    def choose(self, candidates: Sequence[Rep], selection: Selection) -> Choice:
        if selection.ask.catch_up:
            return self._catch_up(candidates, selection)
        best = min(
            enumerate(candidates), key=lambda pair: (rotation_key(pair[1], selection), pair[0])
        )[1]
        return Choice(rep=best, why=f"round robin: {turns_ago(best, selection)}")

    def _catch_up(self, candidates: Sequence[Rep], selection: Selection) -> Choice:
        moment, rule = selection.moment, selection.rule
        served = {
            rep.id: moment.ledger.served_since(
                rule, rep.id, moment.window_start(catch_up_window(rep), rep.timezone)
            )
            for rep in candidates
        }
        best = min(
            enumerate(candidates),
            key=lambda pair: (served[pair[1].id], rotation_key(pair[1], selection), pair[0]),
        )[1]
        window = catch_up_window(best)
        return Choice(
            rep=best,
            why=f"round robin (catch up): fewest this {window} ({served[best.id]})",
        )
