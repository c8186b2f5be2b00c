"""Hand-offs in replay (SDR qualifies, closer closes), and the scenario lines of the new kinds."""

from __future__ import annotations

import pytest

from leadroute.domain.errors import ScenarioError
from leadroute.simulate.scenario import read_scenario
from tests.replaying import at, brief, event, of_kind, replay_lines, replayed, where

HANDOFF = """
timezone: America/New_York
reps:
  - {id: sam, teams: [sdr]}
  - {id: sue, teams: [sdr]}
  - {id: cole, teams: [ae]}
  - {id: cara, teams: [ae]}
  - {id: eve, teams: [enterprise_ae]}
pools:
  closers: {members: [team:ae]}
routing:
  - name: sdr
    assign: {team: sdr, select: least_loaded}
handoff:
  routing:
    - name: enterprise closers
      when: {field: company_size, gte: 1000}
      assign: {team: enterprise_ae, select: round_robin}
    - name: closers
      assign: {team: ae, select: round_robin, offer: {timeout: 10m, max_offers: 2}}
      on_empty: {pool: closers}
  fallback: {pool: closers}
"""


def test_a_qualified_lead_is_handed_to_a_closer_and_the_sdr_keeps_the_credit() -> None:
    replay, lines = replayed(
        HANDOFF,
        event(0, "lead", id="L1", company_size=40),
        event(5, "outcome", lead="L1", result="touched"),
        event(30, "outcome", lead="L1", result="qualified"),
    )
    assert brief(lines)[2:] == [
        {"outcome": "L1", "result": "qualified", "rep": "sam", "ok": True},
        {
            "lead": "L1",
            "rep": "cole",
            "pool": None,
            "rule": "closers",
            "reason": "closers: offered to cole (round robin: never served by this rule)",
            "offer": {"number": 1, "of": 2, "expires": at(40)},
            "qualified_by": "sam",
        },
    ]
    assert replay.store.leads["L1"].qualified_by == "sam"
    assert replay.store.open_count("sam") == 0
    assert replay.store.open_count("cole") == 1


def test_the_sdrs_open_load_drops_so_the_next_lead_goes_back_to_them() -> None:
    lines = replay_lines(
        HANDOFF,
        event(0, "lead", id="L1"),
        event(1, "lead", id="L2"),
        event(2, "lead", id="L3"),
        event(10, "outcome", lead="L1", result="qualified"),
        event(11, "outcome", lead="L3", result="qualified"),
        event(12, "lead", id="L4"),
    )
    sdr_leads = [(lead, rep) for lead, rep, _ in where(lines) if lead in ("L1", "L2", "L3")]
    assert sdr_leads[:3] == [("L1", "sam"), ("L2", "sue"), ("L3", "sam")]
    # Sam handed off both his leads (0 open), Sue still works L2 (1 open).
    assert where(lines)[-1] == ("L4", "sam", None)


def test_hand_off_rules_see_the_lead_like_any_rule() -> None:
    lines = replay_lines(
        HANDOFF,
        event(0, "lead", id="L1", company_size=5000),
        event(9, "outcome", lead="L1", result="qualified"),
    )
    assert (lines[-1]["rep"], lines[-1]["rule"], lines[-1]["qualified_by"]) == (
        "eve",
        "enterprise closers",
        "sam",
    )
    assert "offer" not in lines[-1]


def test_hand_off_offers_follow_the_same_rules_and_max_offers_counts_closers_only() -> None:
    lines = replay_lines(
        HANDOFF,
        event(0, "lead", id="L1"),
        event(1, "lead", id="L2"),
        event(2, "outcome", lead="L1", result="qualified"),
        event(3, "decline", lead="L1", rep="cole"),
        event(30, "claim", pool="closers", rep="cole"),
    )
    hand_offs = [line for line in lines if "qualified_by" in line]
    assert [(line["rep"], line["pool"]) for line in hand_offs] == [
        ("cole", None),
        ("cara", None),
        (None, "closers"),
    ]
    assert of_kind(lines, "expired")[0]["at"] == at(13)
    assert of_kind(lines, "claim")[-1] == {
        "claim": "closers",
        "rep": "cole",
        "lead": "L1",
        "ok": True,
    }


def test_offers_made_before_the_hand_off_do_not_count_toward_the_closers_max_offers() -> None:
    routing = HANDOFF.replace(
        "assign: {team: sdr, select: least_loaded}",
        "assign: {team: sdr, select: least_loaded, offer: {timeout: 5m}}",
    )
    lines = replay_lines(
        routing,
        event(0, "lead", id="L1"),
        event(1, "decline", lead="L1", rep="sam"),
        event(2, "accept", lead="L1", rep="sue"),
        event(3, "outcome", lead="L1", result="qualified"),
    )
    offers = [(line["rep"], line["offer"]) for line in of_kind(lines, "offer")]
    assert offers == [
        ("sam", {"number": 1, "of": 3, "expires": at(5)}),
        ("sue", {"number": 2, "of": 3, "expires": at(6)}),
        ("cole", {"number": 1, "of": 2, "expires": at(13)}),
    ]
    assert lines[-1]["qualified_by"] == "sue"


def test_a_closers_qualified_is_only_a_status() -> None:
    routing = HANDOFF.replace(", offer: {timeout: 10m, max_offers: 2}", "")
    replay, lines = replayed(
        routing,
        event(0, "lead", id="L1"),
        event(5, "outcome", lead="L1", result="qualified"),
        event(6, "outcome", lead="L1", result="touched"),
        event(7, "outcome", lead="L1", result="qualified"),
        event(8, "outcome", lead="L1", result="won", amount=1200),
    )
    assert where(lines) == [("L1", "sam", None), ("L1", "cole", None)]
    assert lines[-1] == {
        "outcome": "L1",
        "result": "won",
        "amount": 1200,
        "rep": "cole",
        "ok": True,
    }
    assert replay.store.outcomes_since("cole", None) == (1, 0)
    assert replay.store.outcomes_since("sam", None) == (0, 0)


def test_without_a_hand_off_flow_qualified_is_only_a_status() -> None:
    routing = HANDOFF.split("handoff:", maxsplit=1)[0]
    replay, lines = replayed(
        routing,
        event(0, "lead", id="L1"),
        event(5, "outcome", lead="L1", result="qualified"),
    )
    assert lines[-1] == {"outcome": "L1", "result": "qualified", "rep": "sam", "ok": True}
    assert len(lines) == 2
    record = replay.store.leads["L1"]
    # sam keeps the lead and is remembered as its qualifier, as the service records it.
    assert (record.owner, record.status, record.qualified_by) == ("sam", "qualified", "sam")
    assert replay.store.open_count("sam") == 1


def test_a_released_hand_off_lead_is_routed_again_in_the_hand_off_flow() -> None:
    routing = HANDOFF.replace(", offer: {timeout: 10m, max_offers: 2}", "")
    lines = replay_lines(
        routing,
        event(0, "lead", id="L1"),
        event(5, "outcome", lead="L1", result="qualified"),
        event(6, "release", lead="L1"),
    )
    assert (lines[-1]["rep"], lines[-1]["rule"], lines[-1]["qualified_by"]) == (
        "cara",
        "closers",
        "sam",
    )


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"accept": {"lead": "L1"}}', "accept.rep: expected a rep id"),
        ('{"decline": {"rep": "ana"}}', "decline.lead: expected a lead id"),
        ('{"decline": {"lead": "L1", "rep": "ana", "reason": 3}}', "decline.reason: expected"),
        ('{"release": {"lead": "L1", "rep": "ana"}}', "release.rep: unknown key"),
        ('{"assign": {"lead": "L1", "rep": "ana"}}', "assign.reason: expected a reason"),
        ('{"assign": {"lead": "L1", "rep": "ana", "reason": " "}}', "assign.reason: expected"),
        ('{"claim": {"pool": "p", "rep": "ana", "lead": 7}}', "claim.lead: expected a lead id"),
    ],
)
def test_scenario_lines_of_the_new_kinds_are_checked_with_their_line_number(
    line: str, problem: str
) -> None:
    text = line.replace("{", '{"at": "2026-03-02T09:00:00Z", ', 1)
    good = event(0, "release", lead="L1")
    with pytest.raises(ScenarioError) as raised:
        read_scenario([good, text], source="scenario.jsonl")
    assert f"scenario.jsonl: line 2: {problem}" in str(raised.value)
