"""What the learning selectors (top_performer, bandit, optimal) know of a lead's candidates:
the win-rate posteriors of the rule's `by` segments, as the rule's `lookback` counts them."""

from __future__ import annotations

from leadroute.routing.performance import Performance, performance_of
from leadroute.routing.segments import Segment, describe, segment_of
from leadroute.routing.selectors.base import Selection


def learned(selection: Selection) -> tuple[Performance, Segment]:
    """The rule's posteriors now, and the lead's segment."""
    ask, moment = selection.ask, selection.moment
    since = moment.now - ask.lookback if ask.lookback else None
    records = moment.ledger.outcomes_by(ask.learning.by, since)
    performance = performance_of(records, prior=ask.prior, learning=ask.learning)
    return performance, segment_of(selection.fields, ask.learning.by)


def record_words(performance: Performance, rep: str, segment: Segment, selection: Selection) -> str:
    """`3 won, 1 lost in industry=saas; 10 won, 12 lost in all` (the first part alone without
    segments)."""
    posterior = performance.of(rep, segment)
    by = selection.ask.learning.by
    own = f"{posterior.won} won, {posterior.lost} lost"
    if not by:
        return own
    won, lost = performance.rep_record(rep)
    return f"{own} in {describe(by, segment)}; {won} won, {lost} lost in all"
