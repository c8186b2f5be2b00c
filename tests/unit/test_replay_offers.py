"""Offers in replay: accept, decline, timeout, max_offers, and what an offer holds of a rep's
caps and load while it waits."""

from __future__ import annotations

from tests.replaying import at, brief, event, of_kind, replay_lines, replayed, where

OFFERS = """
timezone: America/New_York
reps:
  - {id: ana, teams: [sdr]}
  - {id: bob, teams: [sdr]}
  - {id: cy, teams: [sdr]}
  - {id: dee, teams: [ae]}
pools:
  inbound: {members: [team:sdr]}
routing:
  - name: demo requests
    when: {field: wants_demo, eq: true}
    assign: {team: sdr, select: round_robin, offer: {timeout: 2m, max_offers: 3}}
    on_empty: {pool: inbound}
  - name: everyone else
    assign: {team: ae, select: round_robin}
"""


def test_an_offer_line_says_which_offer_it_is_and_when_it_expires() -> None:
    lines = replay_lines(OFFERS, event(0, "lead", id="L1", wants_demo=True))
    assert brief(lines) == [
        {
            "lead": "L1",
            "rep": "ana",
            "pool": None,
            "rule": "demo requests",
            "reason": "demo requests: offered to ana (round robin: never served by this rule)",
            "offer": {"number": 1, "of": 3, "expires": at(2)},
        }
    ]


def test_an_accepted_offer_is_the_reps_and_its_timeout_does_nothing() -> None:
    replay, lines = replayed(
        OFFERS,
        event(0, "lead", id="L1", wants_demo=True),
        event(1, "accept", lead="L1", rep="ana"),
        event(10, "touch", lead="L1"),
    )
    assert brief(lines)[1:] == [
        {"accept": "L1", "rep": "ana", "ok": True},
        {"touch": "L1", "rep": "ana", "ok": True},
    ]
    record = replay.store.leads["L1"]
    assert (record.owner, record.status) == ("ana", "touched")
    assert replay.store.open_count("ana") == 1


def test_only_the_offered_rep_may_answer_and_only_while_the_offer_waits() -> None:
    lines = replay_lines(
        OFFERS,
        event(0, "lead", id="L1", wants_demo=True),
        event(1, "accept", lead="L1", rep="bob"),
        event(1, "decline", lead="L1", rep="bob"),
        event(1, "touch", lead="L1"),
        event(1, "accept", lead="L1", rep="ana"),
        event(2, "decline", lead="L1", rep="ana"),
        event(3, "accept", lead="L9", rep="ana"),
    )
    assert [(line["ok"], line.get("reason")) for line in lines[1:]] == [
        (False, "lead L1 is offered to ana, not bob"),
        (False, "lead L1 is offered to ana, not bob"),
        (False, "cannot touch lead L1: it is offered to ana, who has not accepted it yet"),
        (True, None),
        (False, "lead L1 is not offered to anyone (it is routed)"),
        (False, "unknown lead"),
    ]


def test_a_declined_lead_goes_to_the_next_rep_never_back_to_a_decliner() -> None:
    lines = replay_lines(
        OFFERS,
        event(0, "lead", id="L1", wants_demo=True),
        event(1, "decline", lead="L1", rep="ana", reason="on a call"),
        # Ana's turn was taken by the declined offer: the next lead starts at cy.
        event(2, "lead", id="L2", wants_demo=True),
        event(2.5, "decline", lead="L2", rep="cy"),
        event(2.75, "decline", lead="L1", rep="bob"),
    )
    assert brief(lines)[1] == {"decline": "L1", "rep": "ana", "ok": True, "reason": "on a call"}
    offers = [(ln["lead"], ln["rep"], ln["offer"]["number"]) for ln in of_kind(lines, "offer")]
    assert offers == [
        ("L1", "ana", 1),
        ("L1", "bob", 2),
        ("L2", "cy", 1),
        ("L2", "ana", 2),
        ("L1", "cy", 3),
    ]
    assert "skipped ana (had this lead before), bob (had this lead before)" in str(
        lines[-1]["reason"]
    )


def test_an_offer_not_answered_in_time_expires_and_goes_to_the_next_rep() -> None:
    lines = replay_lines(
        OFFERS,
        event(0, "lead", id="L1", wants_demo=True),
        event(3, "lead", id="L2"),
    )
    assert brief(lines)[1] == {
        "expired": "L1",
        "rep": "ana",
        "at": at(2),
        "reason": "not accepted within 2m",
    }
    assert (lines[2]["rep"], lines[2]["offer"]) == (
        "bob",
        {"number": 2, "of": 3, "expires": at(4)},
    )
    assert where(lines)[-1] == ("L2", "dee", None)


def test_after_max_offers_the_lead_goes_to_the_rules_on_empty_pool() -> None:
    replay, lines = replayed(
        OFFERS,
        event(0, "lead", id="L1", wants_demo=True),
        event(1, "decline", lead="L1", rep="ana"),
        event(10, "claim", pool="inbound", rep="ana"),
    )
    # bob times out at 3, cy at 5: three reps asked, max_offers 3.
    assert [line["rep"] for line in of_kind(lines, "expired")] == ["bob", "cy"]
    assert brief(lines)[-2] == {
        "lead": "L1",
        "rep": None,
        "pool": "inbound",
        "rule": "demo requests",
        "reason": "demo requests: to pool inbound (max_offers reached, on_empty pool)",
    }
    assert of_kind(lines, "claim")[-1]["ok"] is True
    assert lines[-2]["trace"][0]["why"] == (
        "offered to ana, bob, cy: max_offers 3 reached; sent to pool inbound"
    )
    # The run of offers is over: a later offer (an escalation, say) counts from one again.
    assert replay.store.leads["L1"].offered == []


def test_after_max_offers_without_on_empty_the_next_rule_takes_the_lead() -> None:
    routing = OFFERS.replace("max_offers: 3", "max_offers: 2").replace(
        "    on_empty: {pool: inbound}\n", ""
    )
    lines = replay_lines(
        routing,
        event(0, "lead", id="L1", wants_demo=True),
        event(1, "decline", lead="L1", rep="ana"),
        event(2, "decline", lead="L1", rep="bob"),
    )
    assert where(lines) == [("L1", "ana", None), ("L1", "bob", None), ("L1", "dee", None)]
    assert lines[-1]["rule"] == "everyone else"
    assert "offer" not in lines[-1]
    first_step = lines[-1]["trace"][0]
    assert first_step["why"] == "offered to ana, bob: max_offers 2 reached; next rule"


def test_when_every_rep_of_the_rule_had_the_offer_it_goes_to_on_empty() -> None:
    routing = OFFERS.replace("max_offers: 3", "max_offers: 5")
    lines = replay_lines(
        routing,
        event(0, "lead", id="L1", wants_demo=True),
        event(1, "decline", lead="L1", rep="ana"),
        event(1, "decline", lead="L1", rep="bob"),
        event(1, "decline", lead="L1", rep="cy"),
    )
    assert where(lines)[-1] == ("L1", None, "inbound")
    assert "no eligible rep" in str(lines[-1]["reason"])


CAPPED = """
timezone: America/New_York
reps:
  - {id: ana, teams: [sdr], caps: {day: 1}}
  - {id: bob, teams: [sdr]}
routing:
  - name: demo requests
    assign: {team: sdr, select: hunt, offer: {timeout: 5m, max_offers: 2}}
"""


def test_a_pending_offer_counts_toward_the_reps_cap() -> None:
    lines = replay_lines(
        CAPPED,
        event(0, "lead", id="L1"),
        event(1, "lead", id="L2"),
    )
    assert where(lines) == [("L1", "ana", None), ("L2", "bob", None)]
    assert "cap day 1/1" in str(lines[1]["trace"])


def test_a_declined_offer_gives_back_the_cap_and_the_open_load() -> None:
    replay, lines = replayed(
        CAPPED,
        event(0, "lead", id="L1"),
        event(1, "decline", lead="L1", rep="ana"),
        event(2, "accept", lead="L1", rep="bob"),
        event(3, "lead", id="L2"),
    )
    # Ana's day cap of 1 was not used by the offer she declined: L2 is offered to her.
    assert where(lines) == [("L1", "ana", None), ("L1", "bob", None), ("L2", "ana", None)]
    assert replay.store.open_count("ana") == 1
    assert replay.store.open_count("bob") == 1


def test_an_expired_offer_gives_back_the_cap_too() -> None:
    replay, lines = replayed(
        CAPPED,
        event(0, "lead", id="L1"),
        event(6, "accept", lead="L1", rep="bob"),
        event(7, "lead", id="L2"),
    )
    assert of_kind(lines, "expired")[0]["rep"] == "ana"
    assert where(lines)[-1] == ("L2", "ana", None)
    assert replay.store.assigned_since("ana", replay.store.leads["L1"].lead.received_at) == 1


def test_replay_with_offers_and_timers_is_repeatable() -> None:
    scenario = (
        event(0, "lead", id="L1", wants_demo=True),
        event(1, "lead", id="L2", wants_demo=True),
        event(1.5, "decline", lead="L2", rep="bob"),
        event(9, "lead", id="L3"),
    )
    assert replay_lines(OFFERS, *scenario) == replay_lines(OFFERS, *scenario)
