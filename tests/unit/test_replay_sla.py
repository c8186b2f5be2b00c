"""SLA timers in replay on the virtual clock: reminder, first-touch target, re-assignment (never
back to a previous owner), escalation across re-assignments, `then`, the quiet reminder and
business-hours clocks."""

from __future__ import annotations

from tests.replaying import at, brief, event, of_kind, rep_status, replayed, where

SLA = """
timezone: America/New_York
reps:
  - {id: ana, teams: [sdr]}
  - {id: bob, teams: [sdr]}
  - {id: cy, teams: [sdr]}
pools:
  backlog: {members: [team:sdr]}
routing:
  - name: inbound
    assign: {team: sdr, select: round_robin}
    sla:
      remind_after: 3m
      first_touch: 5m
      reassign_after: 10m
      escalate_after: 25m
      max_reassignments: 2
      then: {pool: backlog}
"""


def test_a_touch_in_time_stops_the_clock() -> None:
    _, lines = replayed(
        SLA, event(0, "lead", id="L1"), event(2, "touch", lead="L1"), rep_status(60, "cy", "away")
    )
    assert of_kind(lines, "reminder") == of_kind(lines, "reassigned") == []


def test_reminded_then_missed_then_reassigned_to_the_next_rep_never_back() -> None:
    _, lines = replayed(SLA, event(0, "lead", id="L1"), rep_status(12, "cy", "away"))
    assert brief(lines)[1:4] == [
        {
            "reminder": "L1",
            "rep": "ana",
            "at": at(3),
            "reason": "sla: not touched 3m after ana got it (target 5m)",
        },
        {
            "sla_missed": "L1",
            "rep": "ana",
            "at": at(5),
            "reason": "sla: first touch target 5m missed by ana",
        },
        {
            "reassigned": "L1",
            "from": "ana",
            "to": "bob",
            "at": at(10),
            "reason": "sla: ana did not touch it in 10m: to bob",
        },
    ]
    assert where(lines) == [("L1", "ana", None), ("L1", "bob", None)]
    assert lines[4]["rule"] == "inbound"


def test_escalation_spans_reassignments_and_then_sends_the_lead_to_the_pool() -> None:
    replay, lines = replayed(SLA, event(0, "lead", id="L1"), rep_status(60, "ana", "away"))
    moves = [(line["from"], line["to"]) for line in of_kind(lines, "reassigned")]
    assert moves == [("ana", "bob"), ("bob", "cy"), ("cy", None)]
    assert of_kind(lines, "reassigned")[-1]["reason"] == (
        "sla: cy did not touch it in 10m; max_reassignments 2 reached: to pool backlog"
    )
    escalated = of_kind(lines, "escalated")
    assert [(line["owner"], line["reason"]) for line in escalated] == [
        ("cy", "sla: not touched 25m after it was first assigned; managers told")
    ]
    # The escalation (25m after the first owner got it) comes before cy's re-assignment (30m).
    order = [next(iter(line)) for line in lines]
    assert order.index("escalated") < len(order) - 1 - order[::-1].index("reassigned")
    record = replay.store.leads["L1"]
    assert (record.owner, record.pool, record.past_owners) == (
        None,
        "backlog",
        ["ana", "bob", "cy"],
    )


def test_reassignment_skips_reps_who_had_it_and_the_unavailable() -> None:
    _, lines = replayed(
        SLA,
        event(0, "lead", id="L1"),
        rep_status(1, "bob", "away"),
        rep_status(60, "bob", "available"),
    )
    moves = [(line["from"], line["to"]) for line in of_kind(lines, "reassigned")]
    assert moves[:2] == [("ana", "cy"), ("cy", None)]
    assert of_kind(lines, "reassigned")[1]["reason"].endswith(
        "no other eligible rep: to pool backlog"
    )


def test_exclude_last_lets_an_earlier_owner_have_it_again() -> None:
    routing = SLA.replace("max_reassignments: 2", "max_reassignments: 3\n      exclude_last: 1")
    routing = routing.replace("  - {id: cy, teams: [sdr]}\n", "")
    _, lines = replayed(routing, event(0, "lead", id="L1"), rep_status(60, "ana", "available"))
    moves = [(line["from"], line["to"]) for line in of_kind(lines, "reassigned")]
    assert moves == [("ana", "bob"), ("bob", "ana"), ("ana", "bob"), ("bob", None)]


def test_a_team_sla_watches_a_lead_claimed_from_a_pool() -> None:
    routing = """
    timezone: UTC
    reps:
      - {id: ana, teams: [sdr]}
    teams:
      sdr: {sla: {remind_after: 10m}}
    pools:
      inbound: {members: [team:sdr]}
    routing:
      - {name: to pool, pool: inbound}
    """
    _, lines = replayed(
        routing,
        event(0, "lead", id="L1"),
        event(5, "claim", pool="inbound", rep="ana"),
        rep_status(30, "ana", "away"),
    )
    assert brief(of_kind(lines, "reminder")) == [
        {
            "reminder": "L1",
            "rep": "ana",
            "at": at(15),
            "reason": "sla: not touched 10m after ana got it",
        }
    ]


def test_a_quiet_lead_reminds_its_owner_again_and_again_until_touched() -> None:
    routing = SLA.replace(
        "then: {pool: backlog}", "then: {pool: backlog}\n      untouched_after: 1d"
    )
    day = 24 * 60
    _, lines = replayed(
        routing,
        event(0, "lead", id="L1"),
        event(1, "touch", lead="L1"),
        event(day * 2 + 30, "touch", lead="L1"),
        rep_status(day * 3, "cy", "away"),
    )
    reminders = of_kind(lines, "reminder")
    assert [line["reason"] for line in reminders] == [
        "sla: no touch for 1d since the last one; ana reminded"
    ] * 2
    assert of_kind(lines, "reassigned") == []


def test_business_hours_stop_the_clock_overnight() -> None:
    routing = """
    timezone: America/New_York
    reps:
      - {id: ana, teams: [sdr], hours: "mon-fri 09:00-17:00"}
      - {id: bob, teams: [sdr], hours: "mon-fri 09:00-17:00"}
    routing:
      - name: inbound
        assign: {team: sdr, select: round_robin}
        sla: {reassign_after: 2h, business_hours: true}
    """
    # 16:30 Monday: 30 minutes tonight, 90 more from 09:00 Tuesday: re-assigned at 10:30.
    _, lines = replayed(
        routing, event(7 * 60 + 30, "lead", id="L1"), event(26 * 60, "touch", lead="L1")
    )
    assert [(line["from"], line["to"]) for line in of_kind(lines, "reassigned")] == [("ana", "bob")]
    decision = [line for line in lines if "trace" in line][-1]
    assert decision["rep"] == "bob"
    wall = replayed(
        routing.replace("business_hours: true", "business_hours: false"),
        event(7 * 60 + 30, "lead", id="L1"),
        event(26 * 60, "touch", lead="L1"),
    )[1]
    # On the wall clock the re-assignment falls at 18:30, when nobody works: to unassigned.
    assert [line["to"] for line in of_kind(wall, "reassigned")] == [None]
