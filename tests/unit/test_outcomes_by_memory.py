"""MemoryStore.outcomes_by (storage/outcome_records.py): won/lost per (rep, segment), checked
against a plain count of the results a random history left standing (corrected, reopened,
credited by history simulation, before and after `since`), with tables asked for at any point
of the history (built late, then kept up to date); and history simulation credits the history
rep in the segment of the lead's own fields."""

from __future__ import annotations

import textwrap
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from leadroute.domain.decisions import Decision, Said
from leadroute.domain.leads import Lead
from leadroute.routing.segments import Segment, segment_of, segment_value
from leadroute.routing_file import parse_routing_text
from leadroute.simulate.history import Arrival
from leadroute.simulate.history_replay import HistoryReplay, events_of, rep_ids
from leadroute.storage.memory import MemoryStore

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
REPS = ("ana", "bob", "cy")
# Every JSON type a field may hold, and text that looks like the others.
VALUES: tuple[object, ...] = (
    "saas", "retail", "", None, 0, 1, 250, 2**70, 1.0, 0.30000000000000004, 1e16, True, False,
    "true", "1", [1], {"a": 1},
)  # fmt: skip
BYS: tuple[tuple[str, ...], ...] = (
    (),
    ("industry",),
    ("size",),
    ("industry", "size"),
    ("size", "industry"),
    ("nowhere",),
)
RESULTS = ("won", "lost", "disqualified", "qualified", "touched")

Table = dict[tuple[str, Segment], tuple[int, int]]
Credit = tuple[str, bool, datetime, dict[str, object]]  # rep, won, at, fields


def fields_of(industry: int, size: int) -> dict[str, object]:
    """Index len(VALUES) leaves the field out."""
    fields: dict[str, object] = {}
    if industry < len(VALUES):
        fields["industry"] = VALUES[industry]
    if size < len(VALUES):
        fields["size"] = VALUES[size]
    return fields


def expected(credits: list[Credit], by: tuple[str, ...], since: datetime | None) -> Table:
    counts: Counter[tuple[str, Segment, bool]] = Counter(
        (rep, tuple(segment_value(fields.get(name)) for name in by), won)
        for rep, won, at, fields in credits
        if since is None or at >= since
    )
    keys = {(rep, segment) for rep, segment, _ in counts}
    return {key: (counts[(*key, True)], counts[(*key, False)]) for key in keys}


@dataclass(frozen=True)
class NewLead:
    rep: str
    industry: int  # an index into VALUES; len(VALUES) leaves the field out
    size: int


@dataclass(frozen=True)
class Result:
    lead: int  # which lead so far (modulo their number)
    result: str


@dataclass(frozen=True)
class Track:
    rep: str
    won: bool
    industry: int
    size: int
    minutes: int  # from the clock: history credits may come earlier than it


@dataclass(frozen=True)
class Ask:
    by: tuple[str, ...]
    time: int  # 0: since None; else one of the result times so far, nudged
    nudge: int  # microseconds


field_index = st.integers(0, len(VALUES))
step = st.one_of(
    st.builds(NewLead, st.sampled_from(REPS), field_index, field_index),
    st.builds(Result, st.integers(0, 30), st.sampled_from(RESULTS)),
    st.builds(
        Track, st.sampled_from(REPS), st.booleans(), field_index, field_index, st.integers(-90, 5)
    ),
    st.builds(Ask, st.sampled_from(BYS), st.integers(0, 40), st.integers(-1, 1)),
)


@settings(max_examples=150, deadline=None)
@given(steps=st.lists(st.tuples(st.integers(0, 2), step), max_size=60))
def test_outcomes_by_counts_each_standing_result_once_in_its_leads_segment(
    steps: list[tuple[int, NewLead | Result | Track | Ask]],
) -> None:
    store = MemoryStore()
    now = START
    owners: list[tuple[str, str]] = []  # lead id, owner
    standing: dict[str, Credit] = {}  # each lead's current won/lost result
    tracked: list[Credit] = []  # history simulation's credits, never corrected
    times: list[datetime] = [START]
    for minutes, action in steps:
        now += timedelta(minutes=minutes)
        if isinstance(action, NewLead):
            lead_id = f"L{len(owners)}"
            _assign(store, lead_id, action.rep, fields_of(action.industry, action.size), now)
            owners.append((lead_id, action.rep))
        elif isinstance(action, Result) and owners:
            lead_id, rep = owners[action.lead % len(owners)]
            store.record_outcome(lead_id, action.result, now)
            standing.pop(lead_id, None)
            if action.result in ("won", "lost"):
                fields = dict(store.leads[lead_id].lead.fields)
                standing[lead_id] = (rep, action.result == "won", now, fields)
            times.append(now)
        elif isinstance(action, Track):
            at = now + timedelta(minutes=action.minutes)
            fields = fields_of(action.industry, action.size)
            store.record_track(action.rep, won=action.won, at=at, fields=fields)
            tracked.append((action.rep, action.won, at, fields))
            times.append(at)
        elif isinstance(action, Ask):
            since = None
            if action.time:
                since = times[action.time % len(times)] + timedelta(microseconds=action.nudge)
            credits = [*standing.values(), *tracked]
            assert dict(store.outcomes_by(action.by, since)) == expected(credits, action.by, since)
    credits = [*standing.values(), *tracked]
    for since in (None, *times):
        for by in BYS:
            assert dict(store.outcomes_by(by, since)) == expected(credits, by, since)
        every_rep = expected(credits, (), since)
        for rep in REPS:
            assert store.outcomes_since(rep, since) == every_rep.get((rep, ()), (0, 0))


def _assign(
    store: MemoryStore, lead_id: str, rep: str, fields: dict[str, object], at: datetime = START
) -> None:
    lead = Lead(id=lead_id, received_at=at, fields=fields)
    decision = Decision(lead_id=lead_id, rep=rep, pool=None, rule="r", summary=Said(""), steps=())
    store.record_decision(lead, decision, at)


def test_a_corrected_result_moves_and_a_reopened_lead_leaves_the_table() -> None:
    store = MemoryStore()
    _assign(store, "L1", "ana", {"industry": "saas", "size": 250})
    _assign(store, "L2", "ana", {"industry": "saas", "size": 250.0})
    _assign(store, "L3", "bob", {"industry": "retail", "size": True})
    by = ("industry", "size")
    assert store.outcomes_by(by, None) == {}
    store.record_outcome("L1", "won", START + timedelta(hours=1))
    store.record_outcome("L2", "won", START + timedelta(hours=2))
    store.record_outcome("L3", "lost", START + timedelta(hours=3))
    assert store.outcomes_by(by, None) == {
        ("ana", ("saas", "250")): (1, 0),
        ("ana", ("saas", "250.0")): (1, 0),
        ("bob", ("retail", "true")): (0, 1),
    }
    store.record_outcome("L1", "lost", START + timedelta(hours=4))  # a correction
    store.record_outcome("L3", "qualified", START + timedelta(hours=5))  # reopened
    assert store.outcomes_by(by, None) == {
        ("ana", ("saas", "250")): (0, 1),
        ("ana", ("saas", "250.0")): (1, 0),
    }
    # The correction is dated when it was made: after hour 3, only it counts.
    assert store.outcomes_by(by, START + timedelta(hours=3)) == {("ana", ("saas", "250")): (0, 1)}
    assert store.outcomes_by((), None) == {("ana", ()): (1, 1)}
    assert store.outcomes_since("bob", None) == (0, 0)


ROUTING = """\
timezone: UTC
reps:
  - {id: ana, name: Ana Souza, teams: [sales]}
  - {id: bob, name: Bob Stone, teams: [sales]}
duplicates: {match: [email], within: 30d, policy: merge}
routing:
  - {name: turns, assign: {team: sales}}
"""


def _arrival(n: int, *, rep: str, result: str, email: str, payload: dict[str, object]) -> Arrival:
    at = START + timedelta(hours=n)
    return Arrival(
        line=n,
        id=f"H{n}",
        at=at,
        payload={"id": f"H{n}", "source": "history", "email": email, **payload},
        segment="",
        rep=rep,
        result=result,
        closed_at=at + timedelta(days=2),
    )


def test_history_simulation_credits_the_history_rep_in_the_segment_of_each_deal() -> None:
    config = parse_routing_text(textwrap.dedent(ROUTING), source="routing.yaml")
    arrivals = [
        _arrival(
            1, rep="Bob Stone", result="won", email="a@x.example", payload={"industry": "saas"}
        ),
        # The same person an hour later: merged into H1 by the simulation, still Ana's lost deal
        # in history, counted in its own segment (retail, 12 seats).
        _arrival(
            2,
            rep="Ana Souza",
            result="lost",
            email="a@x.example",
            payload={"industry": "retail", "seats": 12},
        ),
        _arrival(3, rep="Ana Souza", result="won", email="c@y.example", payload={"seats": 12}),
        _arrival(
            4, rep="Bob Stone", result="won", email="d@z.example", payload={"industry": "saas"}
        ),
    ]
    replay = HistoryReplay(config, seed=0)
    lines = list(replay.run(events_of(arrivals, rep_ids(config))))
    assert [line["merged_into"] for line in lines if "merged_into" in line] == ["H1"]
    names = {"Ana Souza": "ana", "Bob Stone": "bob"}
    by = ("industry", "seats")
    counts: Counter[tuple[str, Segment, bool]] = Counter(
        (
            names[str(arrival.rep)],
            tuple(segment_value(arrival.payload.get(name)) for name in by),
            arrival.result == "won",
        )
        for arrival in arrivals
    )
    want = {(rep, segment): (counts[(rep, segment, True)], counts[(rep, segment, False)])
            for rep, segment, _ in counts}  # fmt: skip
    assert replay.store.outcomes_by(by, None) == want
    assert want[("bob", ("saas", ""))] == (2, 0)  # the count above is not empty
    # Each deal counts from when history closed it.
    later = START + timedelta(days=2, hours=3)
    assert replay.store.outcomes_by(by, later) == {
        ("ana", ("", "12")): (1, 0),
        ("bob", ("saas", "")): (1, 0),
    }
    assert segment_of(replay.store.leads["H1"].lead.fields, by) == ("saas", "")
