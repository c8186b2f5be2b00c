"""Routing shapes for counting round trips per lead (benchmarks/roundtrips.py and
tests/integration/test_round_trips.py): a routing file of R reps per shape, the leads to post
to it, and posting them through the HTTP API one by one, counting each.

Every shape routes every posted lead along the same path (a fresh person to a rep of the
team, or to the pool; a repeat of a stored lead to its owner; a lead of a company a rep
already owns to that rep), so the count per lead is comparable across sizes. The stored leads
are those of tests/stored_leads.py.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from random import Random
from typing import Any

import yaml

from leadroute.services.runtime import store_routing
from tests.api.conftest import Service, make_service
from tests.statements import Counts, counting
from tests.stored_leads import (
    PER_COMPANY,
    POOL,
    SPREAD,
    kind_of,
    lead_email,
    rep_id,
    reset_rep_state,
)

SHAPES = (
    "round_robin",
    "weighted",
    "least_loaded",
    "territory",
    "pool",
    "duplicates",
    "accounts",
    "bandit",
    "optimal",
)
RULE = "rotation"  # the rule every shape's reps are rotated by (rotations rows are its)
_PHONES = itertools.count(1)
_STATES = ("US-CA", "US-NY", "US-TX", "US-FL", "US-WA", "US-IL", "US-MA", "US-CO")


def routing_text(shape: str, reps: int) -> str:
    """The routing file of the shape, with reps r0000... in team `t` (UTC, always working)."""
    people: list[dict[str, Any]] = []
    for number in range(reps):
        rep: dict[str, Any] = {"id": rep_id(number), "teams": ["t"], "timezone": "UTC"}
        if shape == "weighted":
            rep["weight"] = 1 + number % 3
        if shape == "least_loaded":
            rep["caps"] = {"day": 500, "week": 2000, "open": 400}
        if shape == "territory":
            rep["territories"] = [_STATES[number % len(_STATES)]]
        people.append(rep)
    learners = ("bandit", "optimal")
    select = shape if shape in ("weighted", "least_loaded", *learners) else "round_robin"
    assign: dict[str, Any] = {"team": "t", "select": select}
    if shape == "territory":
        assign["territory"] = True
    if shape in learners:  # learned by segment; optimal within a fairness band
        assign |= {"by": ["industry", "source"], "share_window": "30d"}
        if shape == "optimal":
            # (not bandit: its floor, when it picks, skips reading the results, so its count
            # would depend on how many reps are still under the floor, not on N+1 queries)
            assign |= {"min_share": 0.01, "max_share": 0.5}
    rules: list[dict[str, Any]] = [{"name": RULE, "assign": assign}]
    if shape == "pool":
        rules = [{"name": RULE, "pool": POOL}]
    if shape == "accounts":
        rules.insert(0, {"name": "account owner", "assign": {"owner_of": "account"}})
    document: dict[str, Any] = {
        "timezone": "UTC",
        "reps": people,
        "pools": {POOL: {"members": ["team:t"], "order": "fifo", "max_wait": "1d"}},
        "routing": rules,
        "fallback": {"pool": POOL},
    }
    if shape == "duplicates":
        document["duplicates"] = {
            "match": ["email", "phone", "company"],
            "within": "90d",
            "policy": "link",
        }
    return yaml.safe_dump(document, sort_keys=False)


def payloads(shape: str, *, reps: int, stored: int, count: int, seed: int = 3) -> list[Any]:
    """`count` leads to post: fresh people, or (duplicates) repeats of open stored leads of the
    last 80 days, or (accounts) people of companies the first `reps` reps own."""
    rng = Random(seed)
    if shape == "duplicates":
        recent = [
            number
            for number in range(int(stored * (1 - 80 / SPREAD.days)), stored)
            if kind_of(number) == "routed"
        ]
        assert recent, "no recent open stored lead: store more leads"
        return [
            _person(index, email=lead_email(rng.choice(recent), stored)) for index in range(count)
        ]
    if shape == "accounts":
        every = stored // PER_COMPANY
        companies = [
            company
            for company in range(min(every, reps))
            if any(kind_of(number) != "pooled" for number in range(company, stored, every))
        ]
        assert companies, "no company owned by these reps: store more leads"
        return [
            _person(index, email=f"new{index}@c{rng.choice(companies)}.example.com")
            for index in range(count)
        ]
    fresh = [next(_PHONES) for _ in range(count)]
    return [_person(index, email=f"new{n}@n{n}.example.org") for index, n in enumerate(fresh)]


def _person(index: int, *, email: str) -> dict[str, Any]:
    """A lead to post; its phone number and external id are never posted twice in a process
    (a phone repeated from another shape's lead would make it a duplicate of that one)."""
    number = next(_PHONES)
    return {
        "external_id": f"bench-{number}",
        "email": email,
        "phone": f"+1212{number:07d}",
        "first_name": f"New{index}",
        "company": f"Newco {index}",
        "company_size": 50,
        "country": "US",
        "region": "US-CA",
        "source": "bench",
    }


@dataclass(kw_only=True)
class Measured:
    """Per posted lead: what it sent to the database, and how long it took."""

    counts: list[Counts] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    @property
    def round_trips(self) -> tuple[int, int]:
        """(fewest, most) round trips a lead took."""
        trips = [c.round_trips for c in self.counts]
        return min(trips), max(trips)

    @property
    def ms(self) -> float:
        return statistics.median(self.seconds) * 1000


def open_service(database_url: str) -> Iterator[Service]:
    """The HTTP service on the database (migrated), without rate limits."""
    yield from make_service(database_url, rate_limit_per_minute=0)


def measure(service: Service, *, shape: str, reps: int, stored: int, count: int) -> Measured:
    """Put the shape's routing file of `reps` reps in force with fresh rep state, post two
    leads to warm up (compiling the routing, the account book), then `count` leads, each
    counted on its own. `stored`: how many leads tests/stored_leads.py stored."""
    database = service.runtime.database
    now = service.clock.now
    with database.writing() as session:
        text = routing_text(shape, reps)
        store_routing(session, text=text, is_json=False, now=now, actor="bench")
    reset_rep_state(database.engine, reps, [RULE], now=now)
    measured = Measured()
    warm = 2
    for index, payload in enumerate(payloads(shape, reps=reps, stored=stored, count=warm + count)):
        service.clock.now = now + timedelta(seconds=index)
        started = time.perf_counter()
        with counting(database.engine) as counts:
            response = service.client.post("/api/v1/leads", json=payload, headers=service.admin)
        elapsed = time.perf_counter() - started
        assert response.status_code == 201, response.text
        if index >= warm:
            measured.counts.append(counts)
            measured.seconds.append(elapsed)
    service.clock.now = now
    return measured
