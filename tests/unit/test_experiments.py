"""A/B experiments of routing (routing/experiments.py): arms by a hash of experiment and lead id,
deterministic, sticky and near the intended split; the engine routes each arm through its flow
and says so in the trace; leads outside the window or the `when` take part in nothing."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadroute.domain.leads import Lead
from leadroute.routing.engine import Router
from leadroute.routing.experiments import (
    CONTROL,
    VARIANT,
    Experiment,
    arm_of,
    bucket,
    place_in_experiment,
)
from leadroute.routing_file import parse_routing_text
from leadroute.storage.memory import MemoryStore

ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr]}
  - {id: bob, teams: [sdr]}
  - {id: eve, teams: [experts]}
routing:
  - name: rotation
    assign: {team: sdr, select: round_robin}
flows:
  experts:
    - name: to experts
      when: {field: country, eq: US}
      assign: {team: experts}
experiments:
  - name: experts-test
    variant: experts
    split: 30
    start: 2026-03-01
    stop: 2026-04-01T00:00:00Z
    when: {not: {field: source, eq: partner}}
"""

IN_WINDOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def router() -> Router:
    return Router(parse_routing_text(ROUTING, source="routing"))


def route(lead_id: str, fields: dict[str, object], now: datetime = IN_WINDOW) -> dict[str, object]:
    lead = Lead(id=lead_id, received_at=now, fields=fields)
    decision = router().route(lead, now=now, ledger=MemoryStore(), rng=Random(0))
    return decision.as_dict() | {"arm": decision.arm, "experiment": decision.experiment}


def test_the_bucket_is_a_fixed_function_of_experiment_and_lead() -> None:
    # Pinned: a change of hash would move the leads of every running experiment between arms
    # (and between processes of different versions).
    assert [bucket("experts-test", f"L{n}") for n in range(3)] == [5352, 2881, 1860]
    assert (bucket("a", "L1"), bucket("b", "L1")) == (2918, 8556)
    assert all(0 <= bucket("x", str(n)) < 10_000 for n in range(1000))


@pytest.mark.parametrize("split", [50.0, 30.0, 5.0])
def test_the_split_is_near_the_intended_share(split: float) -> None:
    experiment = Experiment(name="split-check", control="routing", variant="v", split=split)
    n = 20_000
    variant = sum(arm_of(experiment, f"lead-{i}") == VARIANT for i in range(n))
    expected = n * split / 100
    sigma = math.sqrt(n * (split / 100) * (1 - split / 100))
    # 5 sigma: a fair hash fails this about once in 3.5 million runs; a biased one at once.
    assert abs(variant - expected) < 5 * sigma, (variant, expected)


def test_experiments_with_different_names_split_independently() -> None:
    first = Experiment(name="one", control="routing", variant="v")
    second = Experiment(name="two", control="routing", variant="v")
    ids = [f"lead-{i}" for i in range(10_000)]
    both = sum(arm_of(first, i) == VARIANT and arm_of(second, i) == VARIANT for i in ids)
    # Independent halves overlap on about a quarter (sd 43); the same hash would give a half.
    assert abs(both - 2500) < 250


@given(st.text(min_size=1, max_size=40), st.integers(min_value=0, max_value=50))
def test_the_arm_is_sticky_whatever_was_routed_before(lead_id: str, before: int) -> None:
    """Routing other leads first (changing rotation state) never moves a lead to another arm."""
    config = parse_routing_text(ROUTING, source="routing")
    engine = Router(config)
    store = MemoryStore()
    rng = Random(1)
    for n in range(before):
        other = Lead(id=f"other-{n}", received_at=IN_WINDOW, fields={"country": "US"})
        store.record_decision(
            other, engine.route(other, now=IN_WINDOW, ledger=store, rng=rng), IN_WINDOW
        )
    lead = Lead(id=lead_id, received_at=IN_WINDOW, fields={"country": "US"})
    decision = engine.route(lead, now=IN_WINDOW, ledger=store, rng=rng)
    assert decision.experiment == "experts-test"
    assert decision.arm == arm_of(config.experiments[0], lead_id)


def test_each_arm_is_routed_by_its_own_flow_and_the_trace_says_so() -> None:
    ids = [f"L{n}" for n in range(40)]
    out = {lead_id: route(lead_id, {"country": "US"}) for lead_id in ids}
    arms = {lead_id: line["arm"] for lead_id, line in out.items()}
    assert set(arms.values()) == {CONTROL, VARIANT}
    for lead_id, line in out.items():
        trace = line["trace"]
        assert isinstance(trace, list)
        assert trace[0]["rule"] == "experiment"
        assert f"arm {arms[lead_id]}" in trace[0]["why"]
        if arms[lead_id] == VARIANT:
            assert (line["rule"], line["rep"]) == ("to experts", "eve")
        else:
            assert line["rule"] == "rotation"
            assert [step["rule"] for step in trace] == ["experiment", "rotation"]


def test_a_variant_flow_that_takes_nothing_ends_in_the_main_fallback() -> None:
    variant = next(
        lead_id
        for lead_id in (f"L{n}" for n in range(100))
        if route(lead_id, {"country": "FR"})["arm"] == VARIANT
    )
    line = route(variant, {"country": "FR"})
    assert (line["rule"], line["pool"]) == ("fallback", "unassigned")


@pytest.mark.parametrize(
    ("fields", "now"),
    [
        ({"country": "US"}, datetime(2026, 2, 28, 23, 59, tzinfo=UTC)),
        ({"country": "US"}, datetime(2026, 4, 1, 0, 0, tzinfo=UTC)),
        ({"country": "US", "source": "partner"}, IN_WINDOW),
    ],
    ids=["before start", "at stop", "when excludes it"],
)
def test_leads_outside_the_window_or_the_condition_take_part_in_nothing(
    fields: dict[str, object], now: datetime
) -> None:
    for n in range(20):
        line = route(f"L{n}", fields, now)
        assert (line["experiment"], line["arm"], line["rule"]) == (None, None, "rotation")
        trace = line["trace"]
        assert isinstance(trace, list)
        assert "experiment" not in [step["rule"] for step in trace]


def test_placement_takes_the_first_running_experiment_that_matches() -> None:
    later = Experiment(
        name="later", control="routing", variant="v", start=IN_WINDOW + timedelta(days=1)
    )
    now = Experiment(name="now", control="routing", variant="w")
    placed = place_in_experiment((later, now), "L1", {}, IN_WINDOW)
    assert placed is not None
    assert placed.experiment == "now"
    assert placed.flow == ("w" if placed.arm == VARIANT else "routing")
    assert place_in_experiment((later,), "L1", {}, IN_WINDOW) is None


def test_qualification_comes_before_the_experiment() -> None:
    text = ROUTING + (
        "qualify:\n  disqualify:\n"
        "    - {name: test, when: {field: email, ends_with: test.invalid}}\n"
    )
    config = parse_routing_text(text, source="routing")
    lead = Lead(id="L1", received_at=IN_WINDOW, fields={"email": "x@test.invalid"})
    decision = Router(config).route(lead, now=IN_WINDOW, ledger=MemoryStore(), rng=Random(0))
    assert decision.verdict == "disqualified"
    assert decision.experiment is None
