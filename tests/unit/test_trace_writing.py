"""The trace, the one-line reason and the capped reps, written the quick way, say exactly what
the plain way says: every rep's note is the first failing filter's reason in `checks` order,
asked of the rep's remembered answer (routing/explain.py before it learned its shortcuts, kept
here as the reference), over random rosters, rules, holidays and lead streams.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from random import Random

from hypothesis import given
from hypothesis import strategies as st

from leadroute.domain.calendars import FixedDates
from leadroute.domain.decisions import CandidateNote, Decision
from leadroute.domain.reps import Rep, Status
from leadroute.normalize import lead_from_payload
from leadroute.reports.facts import capped_reps, decision_capped
from leadroute.routing.engine import Router
from leadroute.routing.explain import EXCLUDED, MORE_SPECIFIC, Attempt, Summary, Tried
from leadroute.routing.filters import REP_ONLY
from leadroute.routing.gate import RepAnswer
from leadroute.storage.memory import MemoryStore
from tests.factories import make_config, make_rep, make_rule
from tests.property.test_routing_properties import (
    PROPERTY_SETTINGS,
    START,
    Arrive,
    Close,
    SetStatus,
    World,
    worlds,
)


def reference_reason(attempt: Attempt, rep: Rep, answer: RepAnswer) -> str | None:
    if rep.id in attempt.exclude:
        return EXCLUDED
    for check in attempt.checks:
        if check in REP_ONLY:
            reason = answer.reason(check, rep, attempt.moment)
        else:
            reason = check(rep, attempt.fields, attempt.ask, attempt.moment)
        if reason is not None:
            return reason
    return MORE_SPECIFIC if rep.id in attempt.beaten else None


def reference_notes(attempt: Attempt) -> tuple[CandidateNote, ...]:
    chosen = attempt.choice.rep.id if attempt.choice else None
    notes = []
    for rep, answer in zip(attempt.listed, attempt.answers, strict=True):
        reason = reference_reason(attempt, rep, answer)
        if reason is not None:
            notes.append(CandidateNote(rep=rep.id, eligible=False, reason=reason))
        elif rep.id == chosen and attempt.choice is not None:
            why = attempt.choice.why
            notes.append(CandidateNote(rep=rep.id, eligible=True, reason=why, chosen=True))
        else:
            notes.append(CandidateNote(rep=rep.id, eligible=True, reason="eligible"))
    return tuple(notes)


def reference_summary(summary: Summary) -> str:
    choice = summary.attempt.choice
    assert choice is not None
    skipped = [note for note in reference_notes(summary.attempt) if not note.eligible]
    to = "offered to " if summary.offered else ""
    text = f"{summary.rule}: {to}{choice.rep.id} ({choice.why})"
    if skipped:
        shown = ", ".join(f"{n.rep} ({n.reason})" for n in skipped[:3])
        more = len(skipped) - 3
        text += f"; skipped {shown}" + (f" and {more} more" if more > 0 else "")
    return text


def reference_dict(decision: Decision) -> dict[str, object]:
    """`Decision.as_dict()` as the plain code wrote it."""
    summary = decision.summary
    out: dict[str, object] = {
        "lead": decision.lead_id,
        "rep": decision.rep,
        "pool": decision.pool,
        "rule": decision.rule,
        "reason": reference_summary(summary) if isinstance(summary, Summary) else summary(),
    }
    if decision.experiment is not None:
        out["experiment"], out["arm"] = decision.experiment, decision.arm
    trace = []
    for rule, matched, explain in decision.steps:
        if isinstance(explain, Tried):
            attempt = explain.attempt
            detail = f"{explain.matched}; {attempt.detail}{explain.then}"
            notes = reference_notes(attempt)
        else:
            detail, notes = explain()
        entry: dict[str, object] = {"rule": rule, "matched": matched, "why": detail}
        if notes:
            entry["candidates"] = [note.as_dict() for note in notes]
        trace.append(entry)
    out["trace"] = trace
    return out


@st.composite
def worlds_with_holidays(draw: st.DrawFn) -> World:
    """A random world where some reps are off on some days of the stream (Fri 6 March 2026
    and the weekend after it)."""
    world = draw(worlds())
    days = [START.date() + timedelta(days=n) for n in range(3)]
    reps = []
    for rep in world.config.reps:
        off = draw(st.lists(st.sampled_from(days), max_size=2, unique=True))
        reps.append(replace(rep, holidays=FixedDates(days={day: f"day off {day}" for day in off})))
    return World(config=replace(world.config, reps=tuple(reps)), events=world.events)


def routed(world: World, seed: int) -> list[Decision]:
    """Play the world as Replay does; check each decision's quick answers as it is made, while
    the store still holds the state it was routed on."""
    router, store, rng, now = Router(world.config), MemoryStore(), Random(seed), START
    decisions: list[Decision] = []
    for number, event in enumerate(world.events):
        now += timedelta(minutes=event.minutes)
        if isinstance(event, SetStatus):
            until = now + timedelta(minutes=event.for_minutes) if event.for_minutes else None
            rep_id = world.config.reps[event.rep].id
            store.set_status(rep_id, Status(availability=event.availability, until=until))
        elif isinstance(event, Close):
            owned = [d for d in decisions if d.rep is not None]
            if owned:
                store.record_outcome(owned[event.pick % len(owned)].lead_id, event.result, now)
        elif isinstance(event, Arrive):
            payload = event.payload
            lead = router.score(lead_from_payload(payload, lead_id=f"L{number}", received_at=now))
            decision = router.route(lead, now=now, ledger=store, rng=rng)
            capped, reason = decision.capped(), decision.reason  # before any note is written
            expected = reference_dict(decision)
            assert reason == expected["reason"]
            assert capped == capped_reps(expected["trace"])
            assert decision.as_dict() == expected
            assert decision.reason == expected["reason"]  # from the notes written since
            assert decision.as_dict(trace=False) == {
                key: value for key, value in expected.items() if key != "trace"
            }
            store.record_decision(lead, decision, now)
            decisions.append(decision)
    return decisions


@PROPERTY_SETTINGS
@given(worlds_with_holidays(), st.integers(0, 2**32 - 1))
def test_quick_trace_reason_and_caps_say_what_the_plain_code_says(world: World, seed: int) -> None:
    routed(world, seed)


def test_reps_out_of_hours_in_one_zone_share_the_words_but_a_holiday_is_each_reps_own() -> None:
    monday_6am = START.replace(day=9, hour=10)  # 06:00 in New York (EDT)
    off = FixedDates(days={date(2026, 3, 9): "Founders' Day"})
    reps = (
        make_rep(id="ana", hours="mon-fri 09:00-17:00", territories=["US"]),
        make_rep(id="bob", hours="mon-fri 09:00-17:00", holidays=off, territories=["US"]),
        make_rep(id="cy", hours="mon-fri 10:00-18:00", territories=["US"]),
        make_rep(id="dee", hours="always", caps={"day": 0}, territories=["US"]),
        make_rep(id="eve", hours="always", territories=["US-NY"]),
        make_rep(id="fay", hours="always", territories=["US"]),
    )
    config = make_config(reps, [make_rule("all", team="sdr", territory=True)])
    lead = lead_from_payload({"region": "US-NY"}, lead_id="L1", received_at=monday_6am)
    decision = Router(config).route(lead, now=monday_6am, ledger=MemoryStore(), rng=Random(0))
    assert decision.capped() == ("dee",)
    assert decision.reason == (
        "all: eve (round robin: never served by this rule); skipped ana (outside hours (Mon "
        "06:00 America/New_York)), bob (holiday 2026-03-09 (Founders' Day)), cy (outside hours "
        "(Mon 06:00 America/New_York)) and 2 more"
    )
    trace = decision.as_dict()["trace"]
    assert isinstance(trace, list)
    assert trace[0]["candidates"] == [
        {"rep": "ana", "skipped": "outside hours (Mon 06:00 America/New_York)"},
        {"rep": "bob", "skipped": "holiday 2026-03-09 (Founders' Day)"},
        {"rep": "cy", "skipped": "outside hours (Mon 06:00 America/New_York)"},
        {"rep": "dee", "skipped": "cap day 0/0"},
        {"rep": "eve", "chosen": True, "why": "round robin: never served by this rule"},
        {"rep": "fay", "skipped": MORE_SPECIFIC},
    ]
    assert decision_capped({"capped": ["dee"], "trace": []}) == ("dee",)
    assert decision_capped({"trace": trace}) == ("dee",)
