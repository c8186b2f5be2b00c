"""Durations as a routing file may hold them: `domain.durations.parse_duration`, bounded.

A duration is added to or taken from the time a lead is routed (lookback windows, offer and
claim timeouts, SLA stages); one of a million days loads but then overflows the date on every
lead routed. A century is longer than any of them needs.
"""

from __future__ import annotations

from datetime import timedelta

from leadroute.domain.durations import parse_duration

LONGEST = timedelta(days=36_525)


def bounded_duration(text: str) -> timedelta:
    """The duration written, or ValueError (naming the text) when it is not one or is longer
    than a century."""
    try:
        value = parse_duration(text)
    except OverflowError:  # past timedelta's own limit
        value = LONGEST * 2
    if value > LONGEST:
        raise ValueError(f"{text!r} is longer than 100 years")
    return value
