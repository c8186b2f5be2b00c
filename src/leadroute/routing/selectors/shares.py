"""The minimum-share guard rail of the selectors that explore or optimise.

A rule's `min_share` promises each eligible rep at least that share of the rule's leads over
`share_window`: a new rep gets leads and can prove themselves, and a rep the model underrates
is not starved. Before the selector weighs anyone, the rep furthest under the floor (fewest of
the rule's leads in the window; ties as round_robin) takes the lead if any rep would still be
under it after this lead: served < min_share x (leads served + 1). Caps are already kept:
candidates are the reps under their caps.
"""

from __future__ import annotations

from collections.abc import Sequence

from leadroute.domain.reps import Rep
from leadroute.routing.selectors.base import Choice, Selection, rotation_key


def below_floor(candidates: Sequence[Rep], selection: Selection) -> Choice | None:
    learning = selection.ask.learning
    if learning.min_share <= 0 or len(candidates) < 2:
        return None
    since = selection.moment.now - learning.share_window
    ledger = selection.moment.ledger
    served = {rep.id: ledger.served_since(selection.rule, rep.id, since) for rep in candidates}
    total = sum(served.values())
    floor = learning.min_share * (total + 1)
    short = [(index, rep) for index, rep in enumerate(candidates) if served[rep.id] < floor]
    if not short:
        return None
    rep = min(
        short, key=lambda pair: (served[pair[1].id], rotation_key(pair[1], selection), pair[0])
    )[1]
    return Choice(
        rep=rep,
        why=f"minimum share: {served[rep.id]} of the {total} leads this rule gave its eligible "
        f"reps in the last {_days(learning.share_window.total_seconds())}, under min_share "
        f"{learning.min_share:.0%}",
    )


def _days(seconds: float) -> str:
    days = seconds / 86400
    return f"{days:g} days" if days != 1 else "day"
