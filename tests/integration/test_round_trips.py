"""Round trips per routed lead stay the same whatever the number of reps and stored leads.

A lead posted through the HTTP API is counted statement by statement (tests/statements.py) for
every routing shape of tests/routing_shapes.py, with 10 and 200 reps and with 300 and 3,000
stored leads (tests/stored_leads.py). Any statement repeated per rep or per stored lead (an
N+1) makes the counts differ, and the failure names the statements that changed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.conftest import Service
from tests.routing_shapes import SHAPES, measure, open_service
from tests.statements import Counts
from tests.stored_leads import empty, fill

FEW_REPS, MANY_REPS = 10, 200
FEW_LEADS, MANY_LEADS = 300, 3000
POSTED = 2  # leads counted per shape and size (after two that warm up)


@pytest.fixture
def service(database_url: str) -> Iterator[Service]:
    yield from open_service(database_url)


def test_round_trips_per_lead_do_not_grow_with_reps_or_stored_leads(service: Service) -> None:
    engine = service.runtime.database.engine
    seen: dict[str, dict[str, Counts]] = {shape: {} for shape in SHAPES}
    for stored, sizes in ((FEW_LEADS, (FEW_REPS, MANY_REPS)), (MANY_LEADS, (FEW_REPS,))):
        empty(engine)
        fill(engine, stored, now=service.clock.now)
        for reps in sizes:
            for shape in SHAPES:
                measured = measure(service, shape=shape, reps=reps, stored=stored, count=POSTED)
                for number, counts in enumerate(measured.counts):
                    seen[shape][f"{reps} reps, {stored} leads, lead {number + 1}"] = counts
    problems = [_difference(shape, counted) for shape, counted in seen.items()]
    assert [p for p in problems if p] == []
    # The counter sees the routing work at all (a counter that counts nothing passes above).
    assert all(min(c.statements for c in counted.values()) >= 10 for counted in seen.values())


def _difference(shape: str, counted: dict[str, Counts]) -> str:
    """Empty when every lead of the shape took the same round trips; else what changed."""
    (first_name, first), *others = counted.items()
    for name, counts in others:
        if counts.round_trips != first.round_trips:
            more = dict(counts.by_text - first.by_text)
            fewer = dict(first.by_text - counts.by_text)
            return (
                f"{shape}: {first_name} took {first.round_trips} round trips, {name} "
                f"{counts.round_trips}; more: {more}; fewer: {fewer}"
            )
    return ""
