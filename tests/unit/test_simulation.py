"""History simulation: reproducible with a seed, run by the scenario Replay (the one engine),
caps hold, leads close when history closed them, top_performer learns history's record, and
expected wins are the model's rates summed over the simulated assignments."""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from leadroute.domain.decisions import Decision
from leadroute.routing.config import RoutingConfig
from leadroute.routing.engine import Router
from leadroute.routing_file import parse_routing_text
from leadroute.simulate.comparison import Candidate, Settings, compare
from leadroute.simulate.comparison_json import comparison_data
from leadroute.simulate.history import Arrival, History
from leadroute.simulate.history_replay import HistoryReplay, events_of, place_all, rep_ids
from leadroute.simulate.replay import Replay
from leadroute.simulate.scenario import Event
from leadroute.storage.memory import MemoryStore

START = datetime(2026, 3, 2, 9, tzinfo=UTC)


def config(body: str) -> RoutingConfig:
    return parse_routing_text("timezone: UTC\n" + textwrap.dedent(body), source="routing.yaml")


TEAM = """
reps:
  - {id: ana, name: Ana Souza, teams: [sales]}
  - {id: bob, name: Bob Stone, teams: [sales]}
  - {id: cleo, teams: [sales]}
"""
ROUND_ROBIN = config(TEAM + "routing:\n  - {name: turns, assign: {team: sales}}\n")
RANDOM = config(TEAM + "routing:\n  - {name: dice, assign: {team: sales, select: random}}\n")
HUNT = config(TEAM + "routing:\n  - {name: first, assign: {team: sales, select: hunt}}\n")
CAPPED = config(
    """
    reps:
      - {id: ana, teams: [sales], caps: {day: 3, month: 20}}
      - {id: bob, teams: [sales], caps: {day: 2}}
    routing:
      - {name: first, assign: {team: sales, select: hunt}}
    """
)


def arrival(
    n: int,
    hours: float,
    *,
    rep: str | None = None,
    result: str | None = None,
    closed_after: float | None = None,
    segment: str = "web",
) -> Arrival:
    at = START + timedelta(hours=hours)
    return Arrival(
        line=n + 1,
        id=f"L{n}",
        at=at,
        payload={"id": f"L{n}", "source": "test"},
        segment=segment,
        rep=rep,
        result=result,
        closed_at=at + timedelta(hours=closed_after) if closed_after is not None else None,
    )


def history(*arrivals: Arrival) -> History:
    return History(source="test", arrivals=arrivals, rows=len(arrivals), has_results=True)


def sample_history(count: int = 60) -> History:
    """`count` leads, five a day; Ana Souza wins retail, Bob Stone loses it, both even on web."""
    out = []
    for n in range(count):
        segment = "retail" if n % 2 else "web"
        rep = "Ana Souza" if n % 3 else "Bob Stone"
        won = (segment == "retail" and rep == "Ana Souza") or (segment == "web" and n % 4 == 0)
        out.append(
            arrival(n, n * 24 / 5, rep=rep, result="won" if won else "lost", segment=segment)
        )
    return history(*out)


def run(*routings: tuple[str, RoutingConfig], seed: int = 3, bootstrap: int = 40) -> str:
    candidates = [Candidate(name=name, config=routing) for name, routing in routings]
    result = compare(sample_history(), candidates, Settings(seed=seed, bootstrap=bootstrap))
    return json.dumps(comparison_data(result), sort_keys=True)


def test_the_same_seed_gives_identical_json_and_another_seed_does_not() -> None:
    first = run(("random", RANDOM), ("hunt", HUNT))
    assert run(("random", RANDOM), ("hunt", HUNT)) == first
    assert run(("random", RANDOM), ("hunt", HUNT), seed=4) != first


def test_different_routings_measure_differently() -> None:
    data = json.loads(run(("turns", ROUND_ROBIN), ("first", HUNT)))
    turns, first = data["configs"]
    assert [rep["leads"] for rep in turns["reps"]] == [20, 20, 20]
    assert [rep["leads"] for rep in first["reps"]] == [60, 0, 0]
    assert turns["gini"] == 0.0
    assert first["gini"] == pytest.approx(2 / 3, abs=1e-4)
    assert first["expected_wins"]["value"] != turns["expected_wins"]["value"]
    assert turns["difference_from_first"] is None
    assert first["difference_from_first"]["from"] == "turns"


def test_caps_are_never_exceeded_and_the_overflow_waits_in_a_pool() -> None:
    arrivals = [arrival(n, n * 2.5) for n in range(60)]  # about ten leads a day
    placements = place_all(CAPPED, arrivals, seed=0).placements
    per_day = Counter((p.rep, a.at.date()) for p, a in zip(placements, arrivals, strict=True))
    per_month = Counter(p.rep for p in placements)
    assert max(n for (rep, _), n in per_day.items() if rep == "ana") == 3
    assert max(n for (rep, _), n in per_day.items() if rep == "bob") == 2
    assert per_month["ana"] == 20  # the month cap binds before the last days
    assert per_day[(None, arrivals[-1].at.date())] > 0
    assert all(p.pool == "unassigned" for p in placements if p.rep is None)
    assert any("ana" in p.capped for p in placements)
    result = compare(history(*arrivals), [Candidate(name="capped", config=CAPPED)], Settings())
    ana, bob = result.configs[0].reps
    assert (ana.max_day, bob.max_day, ana.max_month) == (3, 2, 20)
    assert result.configs[0].left_in_pools == per_month[None]
    assert result.configs[0].cap_hits == sum(1 for p in placements if p.capped)


def test_the_engine_is_the_scenario_replay(monkeypatch: pytest.MonkeyPatch) -> None:
    arrivals = [arrival(n, n * 0.5) for n in range(12)]
    calls: list[str] = []
    route = Router.route

    def counted(self: Router, lead: object, **kwargs: object) -> Decision:
        calls.append(getattr(lead, "id", "?"))
        return route(self, lead, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Router, "route", counted)
    placements = place_all(RANDOM, arrivals, seed=9).placements
    assert calls == [a.id for a in arrivals]
    assert issubclass(HistoryReplay, Replay)
    plain = Replay(RANDOM, seed=9)
    leads = [Event(line=1, at=a.at, kind="lead", body=dict(a.payload)) for a in arrivals]
    assert [line["rep"] for line in plain.run(leads)] == [p.rep for p in placements]


def test_a_lead_stops_counting_as_open_when_history_closed_it() -> None:
    routing = config(
        """
        reps:
          - {id: ana, teams: [sales], caps: {open: 1}}
          - {id: bob, teams: [sales]}
        routing:
          - {name: first, assign: {team: sales, select: hunt}}
        """
    )
    arrivals = [
        arrival(1, 0, closed_after=1),
        arrival(2, 0.5),  # ana still holds L1
        arrival(3, 2),  # L1 closed an hour after it arrived
        arrival(4, 3),
    ]
    placements = place_all(routing, arrivals, seed=0).placements
    assert [p.rep for p in placements] == ["ana", "bob", "ana", "bob"]
    assert "ana" in placements[1].capped
    closing_late = place_all(routing, arrivals, seed=0, close_after=timedelta(hours=1))
    assert [p.rep for p in closing_late.placements] == ["ana", "bob", "ana", "ana"]


def test_top_performer_learns_the_record_of_who_worked_each_lead_in_history() -> None:
    routing = config(
        TEAM + "routing:\n  - {name: best, assign: {team: sales, select: top_performer}}\n"
    )
    won_by_bob = [
        arrival(n, n, rep="Bob Stone", result="won", closed_after=0.5) for n in range(1, 5)
    ]
    arrivals = [*won_by_bob, arrival(5, 10, rep="Ana Souza", result="lost", closed_after=1)]
    replay = HistoryReplay(routing, seed=0)
    lines = list(replay.run(events_of(arrivals, rep_ids(routing))))
    chosen = [line["rep"] for line in lines]
    # L1 finds every rep tied (round robin: ana); from L2 on, Bob's record (credited when
    # each of his leads closed in history, whoever the simulation gave it to) leads.
    assert chosen == ["ana", "bob", "bob", "bob", "bob"]
    assert replay.store.outcomes_since("bob", None) == (4, 0)
    assert replay.store.outcomes_since("ana", None) == (0, 1)
    assert replay.store.outcomes_since("cleo", None) == (0, 0)
    assert all(not record.is_open for record in replay.store.leads.values())


def test_expected_wins_sum_the_model_rates_of_the_chosen_reps() -> None:
    result = compare(
        sample_history(), [Candidate(name="turns", config=ROUND_ROBIN)], Settings(bootstrap=30)
    )
    placements = place_all(ROUND_ROBIN, sample_history().arrivals, seed=0).placements
    names = {"ana": "Ana Souza", "bob": "Bob Stone", "cleo": None}
    model = result.model
    wins = sum(
        model.win_rate(names[p.rep or ""], a.segment)
        for p, a in zip(placements, sample_history().arrivals, strict=True)
    )
    value = result.configs[0].value
    assert value is not None
    assert value.wins.value == pytest.approx(wins)
    assert value.wins.low is not None
    assert value.wins.high is not None
    assert value.wins.low <= value.wins.value <= value.wins.high
    assert 0 <= value.wins.value <= result.configs[0].routed
    assert any("cleo" in caveat for caveat in result.configs[0].caveats)


def test_a_routing_compared_with_itself_differs_by_exactly_zero() -> None:
    data = json.loads(run(("a", ROUND_ROBIN), ("b", ROUND_ROBIN)))
    difference = data["configs"][1]["difference_from_first"]["wins"]
    assert difference == {"value": 0.0, "low": 0.0, "high": 0.0}


def test_the_store_closes_a_lead_without_crediting_anyone() -> None:
    replay = HistoryReplay(HUNT, seed=0)
    list(replay.run([Event(line=1, at=START, kind="lead", body={"id": "L1"})]))
    store: MemoryStore = replay.store
    assert store.open_count("ana") == 1
    store.close_uncredited("L1", START + timedelta(hours=1))
    assert store.open_count("ana") == 0
    assert store.outcomes_since("ana", None) == (0, 0)
    assert store.leads["L1"].status == "disqualified"
    store.record_track("ana", won=True, at=START + timedelta(hours=3), fields={})
    store.record_track("ana", won=False, at=START + timedelta(hours=2), fields={})
    assert store.outcomes_since("ana", START + timedelta(hours=2, minutes=30)) == (1, 0)
    assert store.outcomes_since("ana", None) == (1, 1)
