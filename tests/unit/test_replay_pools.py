"""Pools in replay: claims (cherry-pick, blind pulls in each order), WIP limits, caps, team
pools, claim_ttl returns, releases, max_wait reports and escalations."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

import pytest

from tests.replaying import (
    START,
    at,
    brief,
    event,
    of_kind,
    rep_status,
    replay_lines,
    replayed,
    where,
)

BASIC = """
timezone: America/New_York
reps:
  - {id: ana, teams: [sdr]}
  - {id: bob, teams: [sdr]}
  - {id: cleo, teams: [closers]}
pools:
  inbound: {members: [team:sdr], order: fifo}
routing:
  - name: inbound
    pool: inbound
"""


def claims(lines: list[dict[str, object]]) -> list[tuple[object, object, object]]:
    return [(c["rep"], c["lead"], c["ok"]) for c in of_kind(lines, "claim")]


def test_a_full_pool_lets_a_member_cherry_pick_any_waiting_lead() -> None:
    lines = replay_lines(
        BASIC,
        event(0, "lead", id="L1"),
        event(1, "lead", id="L2"),
        event(2, "lead", id="L3"),
        event(5, "claim", pool="inbound", rep="ana", lead="L2"),
        event(6, "claim", pool="inbound", rep="bob", lead="L2"),
        event(7, "claim", pool="inbound", rep="bob"),
    )
    assert claims(lines) == [("ana", "L2", True), ("bob", "L2", False), ("bob", "L1", True)]
    assert of_kind(lines, "claim")[1]["reason"] == "already owned by ana"


def test_a_blind_pool_refuses_cherry_picking_and_hands_out_the_next_lead() -> None:
    routing = BASIC.replace("order: fifo}", "order: fifo, visibility: blind}")
    lines = replay_lines(
        routing,
        event(0, "lead", id="L1"),
        event(1, "lead", id="L2"),
        event(5, "claim", pool="inbound", rep="ana", lead="L2"),
        event(6, "claim", pool="inbound", rep="ana"),
    )
    assert claims(lines) == [("ana", "L2", False), ("ana", "L1", True)]
    assert of_kind(lines, "claim")[0]["reason"] == (
        "pool inbound is blind: take the next lead instead of choosing one"
    )


@pytest.mark.parametrize(
    ("order", "first", "second"),
    [
        ("fifo", "L1", "L2"),  # entered first
        ("lifo", "L3", "L2"),  # entered last
        ("score", "L2", "L1"),  # highest score; L1 and L3 tie at 10: L1 entered first
        ("oldest_first", "L3", "L1"),  # received earliest (L3 was received the day before)
    ],
)
def test_a_blind_pull_takes_the_lead_the_pool_order_puts_first(
    order: str, first: str, second: str
) -> None:
    routing = BASIC.replace("order: fifo", f"order: {order}") + (
        "scoring:\n  rules:\n"
        "    - {when: {field: company_size, gte: 500}, points: 40}\n"
        "    - {when: {field: wants_demo, eq: true}, points: 10}\n"
    )
    lines = replay_lines(
        routing,
        event(0, "lead", id="L1", wants_demo=True, received_at=at(-60)),
        event(1, "lead", id="L2", company_size=800, received_at=at(-30)),
        event(2, "lead", id="L3", wants_demo=True, company_size=5, received_at=at(-1440)),
        event(5, "claim", pool="inbound", rep="ana"),
        event(6, "claim", pool="inbound", rep="bob"),
    )
    assert claims(lines) == [("ana", first, True), ("bob", second, True)]


def test_the_wip_limit_stops_a_claim_until_a_lead_closes() -> None:
    routing = BASIC.replace("order: fifo}", "order: fifo, wip_limit: 1}")
    lines = replay_lines(
        routing,
        event(0, "lead", id="L1"),
        event(1, "lead", id="L2"),
        event(5, "claim", pool="inbound", rep="ana"),
        event(6, "claim", pool="inbound", rep="ana"),
        event(7, "outcome", lead="L1", result="lost"),
        event(8, "claim", pool="inbound", rep="ana"),
    )
    assert claims(lines) == [("ana", "L1", True), ("ana", None, False), ("ana", "L2", True)]
    assert of_kind(lines, "claim")[1]["reason"] == "wip limit 1/1"


def test_a_claim_counts_toward_the_reps_caps_like_any_assignment() -> None:
    routing = """
    timezone: America/New_York
    reps:
      - {id: ana, teams: [sdr], caps: {day: 2}}
      - {id: bob, teams: [sdr]}
    pools:
      inbound: {members: [team:sdr]}
    routing:
      - name: hot
        when: {field: hot, eq: true}
        assign: {team: sdr, select: hunt}
      - name: inbound
        pool: inbound
    """
    lines = replay_lines(
        routing,
        event(0, "lead", id="L1"),
        event(1, "lead", id="L2"),
        event(2, "lead", id="L3"),
        event(5, "claim", pool="inbound", rep="ana"),
        event(6, "claim", pool="inbound", rep="ana"),
        event(7, "claim", pool="inbound", rep="ana"),
        event(8, "lead", id="L4", hot=True),
    )
    assert claims(lines) == [("ana", "L1", True), ("ana", "L2", True), ("ana", None, False)]
    assert of_kind(lines, "claim")[2]["reason"] == "cap day 2/2"
    # The hunt rule tries ana first, but her two claims filled her day.
    assert where(lines)[-1] == ("L4", "bob", None)


def test_a_team_pool_refuses_non_members_and_admits_reps_named_by_id() -> None:
    routing = BASIC.replace("members: [team:sdr]", "members: [team:sdr, cleo]").replace(
        "  - {id: cleo, teams: [closers]}",
        "  - {id: cleo, teams: [closers]}\n  - {id: dan, teams: [closers]}",
    )
    lines = replay_lines(
        routing,
        event(0, "lead", id="L1"),
        event(1, "lead", id="L2"),
        event(5, "claim", pool="inbound", rep="dan"),
        event(6, "claim", pool="inbound", rep="cleo"),
        event(7, "claim", pool="inbound", rep="bob"),
    )
    assert claims(lines) == [("dan", None, False), ("cleo", "L1", True), ("bob", "L2", True)]
    assert of_kind(lines, "claim")[0]["reason"] == "dan is not a member of pool inbound"


TTL = BASIC.replace("order: fifo}", "order: fifo, claim_ttl: 30m}")


def test_an_untouched_claim_goes_back_to_its_pool_at_its_old_place_after_claim_ttl() -> None:
    replay, lines = replayed(
        TTL,
        event(0, "lead", id="L1"),
        event(1, "lead", id="L2"),
        event(5, "claim", pool="inbound", rep="ana"),
        event(10, "claim", pool="inbound", rep="bob", lead="L2"),
        event(20, "touch", lead="L2"),
        event(60, "claim", pool="inbound", rep="bob"),
    )
    returned = of_kind(lines, "returned")
    assert returned == [
        {
            "returned": "L1",
            "rep": "ana",
            "pool": "inbound",
            "at": at(35),
            "reason": "untouched 30m after the claim (claim_ttl 30m): back to pool inbound",
        }
    ]
    # The return is printed before the line that comes after it, and L2 (touched) stays.
    assert lines.index(returned[0]) == len(lines) - 2
    assert claims(lines)[-1] == ("bob", "L1", True)
    assert replay.store.open_count("ana") == 0
    assert replay.store.leads["L2"].owner == "bob"


def test_a_claim_touched_in_time_is_kept() -> None:
    lines = replay_lines(
        TTL,
        event(0, "lead", id="L1"),
        event(5, "claim", pool="inbound", rep="ana"),
        event(34, "touch", lead="L1"),
        event(120, "claim", pool="inbound", rep="bob"),
    )
    assert of_kind(lines, "returned") == []
    assert of_kind(lines, "claim")[-1]["reason"] == "pool is empty"


def test_a_returned_lead_keeps_its_place_ahead_of_later_leads() -> None:
    lines = replay_lines(
        TTL,
        event(0, "lead", id="L1"),
        event(5, "claim", pool="inbound", rep="ana"),
        event(10, "lead", id="L2"),
        event(40, "claim", pool="inbound", rep="bob"),
    )
    assert [line.get("returned") for line in lines][-2] == "L1"
    assert claims(lines)[-1] == ("bob", "L1", True)


def test_a_released_claim_goes_back_to_its_pool_at_its_old_place() -> None:
    replay, lines = replayed(
        BASIC,
        event(0, "lead", id="L1"),
        event(1, "lead", id="L2"),
        event(5, "claim", pool="inbound", rep="ana"),
        event(6, "release", lead="L1", reason="wrong language"),
        event(7, "claim", pool="inbound", rep="bob"),
    )
    assert brief(lines)[-3:] == [
        {"release": "L1", "rep": "ana", "ok": True, "reason": "wrong language"},
        {
            "lead": "L1",
            "rep": None,
            "pool": "inbound",
            "reason": "released by ana: back to pool inbound at its old place",
        },
        {"claim": "inbound", "rep": "bob", "lead": "L1", "ok": True},
    ]
    assert replay.store.open_count("ana") == 0


def test_a_released_pushed_lead_is_routed_again_to_anyone_but_the_releaser() -> None:
    routing = """
    timezone: America/New_York
    reps:
      - {id: ana, teams: [sdr]}
      - {id: bob, teams: [sdr]}
    routing:
      - name: sdr
        assign: {team: sdr, select: least_loaded}
    """
    replay, lines = replayed(
        routing,
        event(0, "lead", id="L1"),
        event(1, "release", lead="L1"),
        event(2, "release", lead="L1"),
        event(3, "release", lead="L9"),
    )
    assert where(lines) == [("L1", "ana", None), ("L1", "bob", None), ("L1", "ana", None)]
    assert "skipped ana (had this lead before)" in str(lines[2]["reason"])
    assert brief(lines)[-1] == {"release": "L9", "rep": None, "ok": False, "reason": "unknown lead"}
    assert (replay.store.open_count("ana"), replay.store.open_count("bob")) == (1, 0)


def test_a_pooled_lead_cannot_be_released() -> None:
    lines = replay_lines(BASIC, event(0, "lead", id="L1"), event(1, "release", lead="L1"))
    assert lines[-1] == {
        "release": "L1",
        "rep": None,
        "ok": False,
        "reason": "cannot release lead L1: it is routed and waits in pool inbound",
    }


REPORT = BASIC.replace("order: fifo}", "order: fifo, max_wait: 2h}")


def test_a_lead_waiting_past_max_wait_is_reported_once_in_a_report_only_pool() -> None:
    lines = replay_lines(
        REPORT,
        event(0, "lead", id="L1"),
        event(30, "lead", id="L2"),
        event(60, "claim", pool="inbound", rep="ana", lead="L2"),
        rep_status(600, "ana", "available"),
    )
    assert [next(iter(line)) for line in lines] == ["lead", "lead", "claim", "overdue", "rep"]
    assert of_kind(lines, "overdue") == [
        {
            "overdue": "L1",
            "pool": "inbound",
            "at": at(120),
            "reason": "waited 2h in pool inbound (max_wait 2h)",
        }
    ]


def test_timers_due_after_the_last_line_never_fire() -> None:
    lines = replay_lines(REPORT, event(0, "lead", id="L1"), event(119, "lead", id="L2"))
    assert of_kind(lines, "overdue") == []


ESCALATE = """
timezone: America/New_York
reps:
  - {id: ana, teams: [sdr]}
  - {id: bob, teams: [sdr]}
  - {id: mia, teams: [leads]}
pools:
  inbound:
    members: [team:sdr]
    max_wait: 1h
    escalate: {assign: {team: leads, select: least_loaded}}
routing:
  - name: inbound
    pool: inbound
"""


def test_an_overdue_lead_is_pushed_by_the_pools_escalation_rule() -> None:
    replay, lines = replayed(
        ESCALATE, event(0, "lead", id="L1"), event(90, "claim", pool="inbound", rep="ana")
    )
    assert brief(lines)[1:] == [
        {
            "overdue": "L1",
            "pool": "inbound",
            "at": at(60),
            "reason": "waited 1h in pool inbound (max_wait 1h)",
        },
        {
            "lead": "L1",
            "rep": "mia",
            "pool": None,
            "rule": "pool inbound escalation",
            "reason": "pool inbound escalation: mia (least loaded: 0 open leads)",
        },
        {"claim": "inbound", "rep": "ana", "lead": None, "ok": False, "reason": "pool is empty"},
    ]
    assert replay.store.open_count("mia") == 1


def test_an_escalation_with_nobody_eligible_leaves_the_lead_and_tries_again() -> None:
    lines = replay_lines(
        ESCALATE,
        rep_status(0, "mia", "away"),
        event(1, "lead", id="L1"),
        rep_status(150, "mia", "available"),
        rep_status(200, "bob", "available"),
    )
    overdue = of_kind(lines, "overdue")
    assert [(line["at"], line["reason"]) for line in overdue] == [
        (at(61), "waited 1h in pool inbound (max_wait 1h)"),
        (at(121), "waited 2h in pool inbound (max_wait 1h)"),
        (at(181), "waited 3h in pool inbound (max_wait 1h)"),
    ]
    # Mia is back at 150: the third try pushes the lead to her, and nothing follows.
    assert where(lines) == [("L1", None, "inbound"), ("L1", "mia", None)]
    pushed = lines[lines.index(overdue[2]) + 1]
    assert (pushed["rep"], pushed["rule"]) == ("mia", "pool inbound escalation")


def test_a_claimed_lead_is_not_overdue_but_its_waiting_time_counts_when_it_returns() -> None:
    routing = ESCALATE.replace("max_wait: 1h", "max_wait: 1h\n    claim_ttl: 90m")
    lines = replay_lines(
        routing,
        event(0, "lead", id="L1"),
        event(10, "claim", pool="inbound", rep="ana"),
        rep_status(200, "bob", "available"),
    )
    kinds = [next(iter(line)) for line in lines]
    assert kinds == ["lead", "claim", "returned", "overdue", "lead", "rep"]
    assert of_kind(lines, "returned")[0]["at"] == at(100)
    # It waited 10 minutes before the claim and is overdue the moment it is back.
    assert of_kind(lines, "overdue")[0] == {
        "overdue": "L1",
        "pool": "inbound",
        "at": at(100),
        "reason": "waited 1h40m in pool inbound (max_wait 1h)",
    }
    assert where(lines)[-1] == ("L1", "mia", None)


TRIAGE = """
timezone: America/New_York
reps:
  - {id: ana, teams: [ae], caps: {day: 1}}
  - {id: bob, teams: [ae]}
routing:
  - name: strategic accounts
    when: {field: company_size, gte: 5000}
    assign: {triage: managers}
  - name: ae
    assign: {team: ae, select: hunt}
"""


def test_triage_leads_wait_for_a_manager_reps_cannot_claim_them() -> None:
    replay, lines = replayed(
        TRIAGE,
        event(0, "lead", id="T1", company_size=12000),
        event(5, "claim", pool="triage", rep="ana"),
        event(6, "claim", pool="triage", rep="ana", lead="T1"),
        event(10, "assign", lead="T1", rep="ana", reason="knows the CFO"),
        event(11, "lead", id="T2", company_size=40),
    )
    assert brief(lines)[0]["reason"] == (
        "strategic accounts: to pool triage (for a manager to assign)"
    )
    refused = "pool triage is for managers to assign by hand"
    assert [c["reason"] for c in of_kind(lines, "claim")] == [refused, refused]
    assert lines[3] == {"assign": "T1", "rep": "ana", "ok": True, "reason": "knows the CFO"}
    # The manual assignment counts toward ana's day cap: the hunt rule skips her.
    assert where(lines)[-1] == ("T2", "bob", None)
    assert "cap day 1/1" in str(lines[-1]["trace"])
    assert replay.store.leads["T1"].owner == "ana"
    assert replay.store.waiting("triage") == []


def test_a_manual_assign_is_refused_for_closed_leads_unknown_reps_and_the_same_owner() -> None:
    replay, lines = replayed(
        TRIAGE,
        event(0, "lead", id="T1", company_size=40),
        event(1, "lead", id="T2", company_size=40),
        event(2, "assign", lead="T1", rep="ana", reason="again"),
        event(3, "assign", lead="T1", rep="zed", reason="new hire"),
        event(4, "outcome", lead="T2", result="lost"),
        event(5, "assign", lead="T2", rep="ana", reason="retry"),
        event(6, "assign", lead="T1", rep="bob", reason="ana is overloaded"),
    )
    assert [(line["ok"], line["reason"]) for line in of_kind(lines, "assign")] == [
        (False, "lead T1 is already owned by ana"),
        (False, "unknown rep zed"),
        (False, "cannot assign lead T2: it is lost"),
        (True, "ana is overloaded"),
    ]
    assert replay.store.leads["T1"].owner == "bob"
    assert (replay.store.open_count("ana"), replay.store.open_count("bob")) == (0, 1)


def test_a_second_claim_gets_its_own_claim_ttl() -> None:
    lines = replay_lines(
        TTL,
        event(0, "lead", id="L1"),
        event(5, "claim", pool="inbound", rep="ana"),
        event(10, "release", lead="L1"),
        event(20, "claim", pool="inbound", rep="ana"),
        event(40, "touch", lead="L1"),
    )
    assert of_kind(lines, "returned") == []


def test_a_released_lead_is_escalated_once_per_max_wait() -> None:
    lines = replay_lines(
        ESCALATE,
        rep_status(0, "mia", "away"),
        event(1, "lead", id="L1"),
        event(70, "claim", pool="inbound", rep="ana"),
        event(75, "release", lead="L1"),
        rep_status(200, "bob", "available"),
    )
    # Overdue at 61 (mia away: it stays). Back in the pool at 75 it may be overdue at once;
    # apart from that, the tries come one max_wait (60 minutes) apart.
    tries = [line["at"] for line in of_kind(lines, "overdue") if line["at"] != at(75)]
    minutes = [(datetime.fromisoformat(t) - START).total_seconds() / 60 for t in tries]
    assert minutes[0] == 61
    assert all(later - earlier >= 60 for earlier, later in pairwise(minutes)), minutes
