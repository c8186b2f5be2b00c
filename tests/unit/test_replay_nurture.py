"""Nurture and disqualification in replay: activities re-score a lead; a nurtured lead lifted
over the threshold is routed at once (its decision line right after the activity line); a
disqualified lead is never routed nor claimed; the nurture pool is still a pool."""

from __future__ import annotations

from tests.replaying import at, brief, event, of_kind, replayed, where

# Opens and clicks lose a point an hour (decay_per_day: 24), so the numbers stay round.
ROUTING = """
timezone: America/New_York
reps:
  - {id: ana, teams: [sdr]}
  - {id: bob, teams: [sdr]}
pools:
  nurture: {members: [team:sdr], order: score}
scoring:
  rules:
    - {when: {field: company_size, gte: 100}, points: 30}
    - {activity: email_opened, points: 4, decay_per_day: 24}
    - {activity: link_clicked, points: 10, decay_per_day: 24}
  grades: {hot: 60, warm: 40}
qualify:
  disqualify:
    - {name: competitor, when: {field: email, ends_with: "@rival.com"}}
  nurture_below: 40
routing:
  - name: sdr
    assign: {team: sdr, select: round_robin}
"""

NURTURED = "qualify: score 30 is below nurture_below 40: to pool nurture"
COMPETITOR = "qualify: disqualified by competitor: email ends_with '@rival.com'"


def activity(minutes: float, lead: str, kind: str) -> str:
    return event(minutes, "activity", lead=lead, type=kind)


def test_opens_and_a_click_lift_a_nurtured_lead_over_the_threshold_and_route_it() -> None:
    replay, lines = replayed(
        ROUTING,
        event(0, "lead", id="L1", email="jo@acme.com", company_size=500),
        activity(60, "L1", "email_opened"),
        activity(120, "L1", "email_opened"),
        activity(150, "L1", "link_clicked"),
        activity(180, "L1", "email_opened"),
        activity(240, "L1", "link_clicked"),
    )
    assert brief(lines) == [
        {"lead": "L1", "rep": None, "pool": "nurture", "rule": "qualify", "reason": NURTURED},
        {"activity": "L1", "type": "email_opened", "score": 34.0, "grade": None, "ok": True},
        # the first open is an hour old: 3 + 4
        {"activity": "L1", "type": "email_opened", "score": 37.0, "grade": None, "ok": True},
        # 2.5 + 3.5 + 10
        {"activity": "L1", "type": "link_clicked", "score": 46.0, "grade": "warm", "ok": True},
        {
            "lead": "L1",
            "rep": "ana",
            "pool": None,
            "rule": "sdr",
            "reason": "sdr: ana (round robin: never served by this rule)",
        },
        # opens 2 + 3 + 4, click 9.5: re-scored only, it has an owner now
        {"activity": "L1", "type": "email_opened", "score": 48.5, "grade": "warm", "ok": True},
        # opens 1 + 2 + 3, clicks 8.5 + 10
        {"activity": "L1", "type": "link_clicked", "score": 54.5, "grade": "warm", "ok": True},
    ]
    routed = lines[4]["trace"]
    assert routed[0] == {
        "rule": "qualify",
        "matched": True,
        "why": "qualified: score 46 reaches nurture_below 40",
    }
    record = replay.store.leads["L1"]
    assert (record.owner, record.pool, record.status, record.status_reason) == (
        "ana",
        None,
        "routed",
        None,
    )
    assert record.lead.get("score") == 54.5
    assert replay.store.waiting("nurture") == []


def test_a_lead_below_the_threshold_waits_and_only_its_score_changes() -> None:
    replay, lines = replayed(
        ROUTING,
        event(0, "lead", id="L1", company_size=500),
        activity(30, "L1", "email_opened"),
        activity(90, "L1", "email_opened"),
    )
    assert [line.get("score") for line in of_kind(lines, "activity")] == [34.0, 37.0]
    assert where(lines) == [("L1", None, "nurture")]
    record = replay.store.leads["L1"]
    assert (record.status, record.pool, record.status_reason) == ("nurture", "nurture", NURTURED)
    assert [(w.lead_id, w.score) for w in replay.store.waiting("nurture")] == [("L1", 37.0)]


def test_a_lead_that_qualifies_on_arrival_is_routed_and_activities_only_re_score() -> None:
    routing = ROUTING.replace("gte: 100}, points: 30}", "gte: 100}, points: 45}")
    _, lines = replayed(
        routing,
        event(0, "lead", id="L1", company_size=500),
        activity(5, "L1", "link_clicked"),
    )
    assert where(lines) == [("L1", "ana", None)]
    assert brief(lines)[1] == {
        "activity": "L1",
        "type": "link_clicked",
        "score": 55.0,
        "grade": "warm",
        "ok": True,
    }
    assert len(lines) == 2


def test_a_disqualified_lead_is_never_routed_and_cannot_be_claimed() -> None:
    replay, lines = replayed(
        ROUTING,
        event(0, "lead", id="D1", email="spy@rival.com", company_size=5000),
        activity(5, "D1", "link_clicked"),
        activity(6, "D1", "link_clicked"),
        event(10, "claim", pool="nurture", rep="ana", lead="D1"),
        event(11, "claim", pool="nurture", rep="ana"),
        event(12, "touch", lead="D1"),
        event(13, "assign", lead="D1", rep="bob", reason="looks real"),
    )
    assert brief(lines) == [
        {"lead": "D1", "rep": None, "pool": None, "rule": "qualify", "reason": COMPETITOR},
        {"activity": "D1", "type": "link_clicked", "score": 40.0, "grade": "warm", "ok": True},
        # the first click is a minute old: 30 + 9.98 + 10
        {"activity": "D1", "type": "link_clicked", "score": 49.98, "grade": "warm", "ok": True},
        {
            "claim": "nurture",
            "rep": "ana",
            "lead": "D1",
            "ok": False,
            "reason": "lead D1 is disqualified",
        },
        {"claim": "nurture", "rep": "ana", "lead": None, "ok": False, "reason": "pool is empty"},
        {"touch": "D1", "ok": False, "reason": "cannot touch lead D1: it is disqualified"},
        {
            "assign": "D1",
            "rep": "bob",
            "ok": False,
            "reason": "cannot assign lead D1: it is disqualified",
        },
    ]
    record = replay.store.leads["D1"]
    assert (record.owner, record.pool, record.status) == (None, None, "disqualified")
    assert record.status_reason == COMPETITOR
    assert replay.store.open_count("ana") == replay.store.open_count("bob") == 0


def test_a_rep_can_claim_a_nurtured_lead_from_the_nurture_pool() -> None:
    replay, lines = replayed(
        ROUTING,
        event(0, "lead", id="N1", company_size=500),
        event(1, "lead", id="N2", company_size=5),
        activity(2, "N2", "link_clicked"),
        event(3, "claim", pool="nurture", rep="bob"),
        event(4, "claim", pool="nurture", rep="ana"),
        activity(5, "N2", "link_clicked"),
        activity(6, "N2", "link_clicked"),
        activity(7, "N2", "link_clicked"),
        activity(8, "N2", "link_clicked"),
    )
    claims = [(c["rep"], c["lead"], c["ok"]) for c in of_kind(lines, "claim")]
    # score order: N1 (30) before N2 (10)
    assert claims == [("bob", "N1", True), ("ana", "N2", True)]
    assert where(lines) == [("N1", None, "nurture"), ("N2", None, "nurture")]
    # clicks 6, 3, 2, 1 and 0 minutes old: 50 - 0.2; over the threshold, but ana holds it
    assert of_kind(lines, "activity")[-1]["score"] == 49.8
    n2 = replay.store.leads["N2"]
    assert (n2.owner, n2.pool, n2.status) == ("ana", None, "routed")
    assert replay.store.open_count("bob") == 1


def test_an_activity_refused_for_an_unknown_lead_or_type() -> None:
    _, lines = replayed(
        ROUTING,
        event(0, "lead", id="L1", company_size=500),
        activity(1, "L9", "email_opened"),
        activity(2, "L1", "email_open"),
    )
    assert lines[1:] == [
        {"activity": "L9", "type": "email_opened", "ok": False, "reason": "unknown lead"},
        {
            "activity": "L1",
            "type": "email_open",
            "ok": False,
            "reason": "unknown activity 'email_open' (did you mean 'email_opened'?)",
        },
    ]


def test_activity_times_are_the_scenario_clock() -> None:
    _, lines = replayed(
        ROUTING,
        event(0, "lead", id="L1", company_size=500),
        activity(24 * 60, "L1", "link_clicked"),
        activity(24 * 60 + 600, "L1", "email_opened"),
    )
    assert at(24 * 60).endswith("-05:00")
    # the click is 10 hours old: 0; the open is new: 4
    assert [line["score"] for line in of_kind(lines, "activity")] == [40.0, 34.0]
    assert where(lines) == [("L1", None, "nurture"), ("L1", "ana", None)]


def test_a_nurtured_lead_assigned_by_hand_leaves_the_nurture_pool() -> None:
    replay, lines = replayed(
        ROUTING,
        event(0, "lead", id="N1", company_size=500),
        event(5, "assign", lead="N1", rep="bob", reason="asked for a call"),
        activity(6, "N1", "link_clicked"),
    )
    assert lines[1] == {"assign": "N1", "rep": "bob", "ok": True, "reason": "asked for a call"}
    assert len(lines) == 3  # the click only re-scores: bob has the lead
    record = replay.store.leads["N1"]
    assert (record.owner, record.pool) == ("bob", None)
    assert replay.store.waiting("nurture") == []
