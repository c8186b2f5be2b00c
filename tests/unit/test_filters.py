"""Eligibility filters: each one's pass and the exact skip reason a person reads in the trace."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from leadroute.domain.calendars import FixedDates
from leadroute.domain.reps import Availability, Rep, Status
from leadroute.routing.config import Assign
from leadroute.routing.filters import availability, caps, first_failure, hours, skills, territory
from leadroute.routing.moment import Moment
from leadroute.storage.memory import MemoryStore
from tests.factories import (
    MONDAY_10AM,
    NEW_YORK,
    make_config,
    make_lead,
    make_rep,
    make_rule,
    route_many,
    route_one,
)


def moment(now: datetime = MONDAY_10AM, store: MemoryStore | None = None) -> Moment:
    return Moment(now=now, ledger=store if store is not None else MemoryStore())


def check(rep: Rep, lead: dict[str, object] | None = None, **ask: Any) -> str | None:
    return first_failure(rep, lead or {}, Assign(**ask), moment())


def test_available_rep_passes_every_filter() -> None:
    assert check(make_rep()) is None


def test_away_and_offline() -> None:
    assert availability(make_rep(status="away"), {}, Assign(), moment()) == "away"
    assert availability(make_rep(status="offline"), {}, Assign(), moment()) == "offline"


def test_away_until_shows_the_local_return_time() -> None:
    back = MONDAY_10AM + timedelta(hours=4)
    rep = make_rep(status="away", until=back)
    assert availability(rep, {}, Assign(), moment()) == "away until 2026-03-02 14:00"
    midnight = datetime(2026, 3, 4, tzinfo=NEW_YORK)
    rep = make_rep(status="away", until=midnight)
    assert availability(rep, {}, Assign(), moment()) == "away until 2026-03-04"


def test_away_spell_ends_on_its_own() -> None:
    rep = make_rep(status="away", until=MONDAY_10AM)
    assert availability(rep, {}, Assign(), moment()) is None


def test_ledger_status_overrides_the_routing_file() -> None:
    store = MemoryStore()
    store.set_status("ana", Status(availability=Availability.AWAY))
    assert availability(make_rep(), {}, Assign(), moment(store=store)) == "away"
    store.set_status("ana", Status())
    assert availability(make_rep(status="away"), {}, Assign(), moment(store=store)) is None


def test_outside_hours_gives_local_time_and_zone() -> None:
    rep = make_rep(hours="mon-fri 11:00-17:00", timezone="America/Sao_Paulo")
    # 10:00 in New York is 12:00 in Sao Paulo: inside.
    assert hours(rep, {}, Assign(), moment()) is None
    early = make_rep(hours="mon-fri 13:00-17:00", timezone="America/Sao_Paulo")
    assert hours(early, {}, Assign(), moment()) == "outside hours (Mon 12:00 America/Sao_Paulo)"


def test_any_hours_ignores_hours_and_holidays() -> None:
    rep = make_rep(
        hours="sat 09:00-10:00", holidays=FixedDates(days={date(2026, 3, 2): "Founders Day"})
    )
    assert hours(rep, {}, Assign(any_hours=True), moment()) is None


def test_holiday_names_the_day() -> None:
    rep = make_rep(holidays=FixedDates(days={date(2026, 3, 2): "Founders Day"}))
    assert hours(rep, {}, Assign(), moment()) == "holiday 2026-03-02 (Founders Day)"


def test_holiday_is_the_reps_local_date() -> None:
    rep = make_rep(
        timezone="Asia/Tokyo", holidays=FixedDates(days={date(2026, 3, 3): "Tokyo day off"})
    )
    # 10:00 Monday in New York is 00:00 Tuesday in Tokyo.
    assert hours(rep, {}, Assign(), moment()) == "holiday 2026-03-03 (Tokyo day off)"


def test_cap_day_full() -> None:
    rep = make_rep(caps={"day": 20})
    store = MemoryStore()
    config = make_config([rep], [make_rule("all", team="sdr")])
    decisions = route_many(config, 21, store=store)
    assert [d.rep for d in decisions[:20]] == ["ana"] * 20
    assert decisions[20].rep is None
    now = MONDAY_10AM + timedelta(minutes=21)
    assert caps(rep, {}, Assign(), moment(now, store)) == "cap day 20/20"
    note = decisions[20].trace[0].candidates[0]
    assert note.reason == "cap day 20/20"


def test_cap_day_resets_at_local_midnight() -> None:
    rep = make_rep(caps={"day": 2})
    store = MemoryStore()
    config = make_config([rep], [make_rule("all", team="sdr")])
    late = datetime(2026, 3, 2, 23, 58, tzinfo=NEW_YORK)
    route_many(config, 2, store=store, start=late)
    assert caps(rep, {}, Assign(), moment(late + timedelta(minutes=1), store)) == "cap day 2/2"
    assert caps(rep, {}, Assign(), moment(late + timedelta(minutes=2), store)) is None


def test_cap_hour_and_narrowest_window_first() -> None:
    rep = make_rep(caps={"hour": 1, "day": 1})
    store = MemoryStore()
    route_many(make_config([rep], [make_rule("all")]), 1, store=store)
    assert caps(rep, {}, Assign(), moment(store=store)) == "cap hour 1/1"


def test_cap_open_counts_leads_not_yet_closed() -> None:
    rep = make_rep(caps={"open": 2})
    store = MemoryStore()
    config = make_config([rep], [make_rule("all")])
    first, _ = route_many(config, 2, store=store)
    assert caps(rep, {}, Assign(), moment(store=store)) == "cap open 2/2"
    store.record_outcome(first.lead_id, "lost", MONDAY_10AM)
    assert caps(rep, {}, Assign(), moment(store=store)) is None


def test_zero_cap_blocks() -> None:
    assert check(make_rep(caps={"week": 0})) == "cap week 0/0"


def test_require_skills() -> None:
    rep = make_rep(skills=["en", "CRM"])
    assert skills(rep, {}, Assign(require_skills=frozenset({"crm"})), moment()) is None
    ask = Assign(require_skills=frozenset({"es", "crm", "de"}))
    assert skills(rep, {}, ask, moment()) == "missing skill de, es"


def test_match_skills_compares_the_leads_value_case_insensitively() -> None:
    rep = make_rep(skills=["es", "pt"])
    ask = Assign(match_skills=("language",))
    assert skills(rep, {"language": "ES"}, ask, moment()) is None
    assert skills(rep, {"language": "fr"}, ask, moment()) == "missing skill fr (language)"
    assert skills(rep, {}, ask, moment()) == "lead has no language to match"
    assert skills(rep, {"language": ["fr", "pt"]}, ask, moment()) is None


def test_territory() -> None:
    florida = make_rep(territories=["US-FL"])
    brazil = make_rep(territories=["BR"])
    ask = Assign(territory=True)
    lead = {"country": "US", "region": "US-FL"}
    assert territory(florida, lead, ask, moment()) is None
    assert territory(brazil, lead, ask, moment()) == "outside territory (lead in US-FL)"
    assert territory(brazil, {"country": "US"}, ask, moment()) == "outside territory (lead in US)"
    assert territory(brazil, {"country": "BR", "region": "BR-SP"}, ask, moment()) is None
    assert territory(brazil, {}, ask, moment()) == "lead has no country or region"
    assert territory(brazil, lead, Assign(), moment()) is None  # territory: false


def test_most_specific_territory_wins_through_the_router() -> None:
    country = make_rep(id="usa", territories=["US"])
    state = make_rep(id="flo", territories=["US-FL"])
    other = make_rep(id="bra", territories=["BR"])
    config = make_config([country, state, other], [make_rule("geo", territory=True)])
    decision = route_one(config, make_lead(country="US", region="US-FL"))
    assert decision.rep == "flo"
    notes = {note.rep: note.reason for note in decision.trace[-1].candidates}
    assert notes == {
        "usa": "a more specific territory wins",
        "flo": "round robin: never served by this rule",
        "bra": "outside territory (lead in US-FL)",
    }
    assert route_one(config, make_lead(country="US", region="US-TX")).rep == "usa"


def test_filter_order_reports_availability_first() -> None:
    rep = make_rep(status="away", hours="sat 09:00-10:00", caps={"day": 0})
    assert check(rep) == "away"
    assert check(make_rep(hours="sat 09:00-10:00", caps={"day": 0})) == (
        "outside hours (Mon 10:00 America/New_York)"
    )


def test_reopening_a_closed_lead_counts_it_open_again() -> None:
    rep = make_rep(caps={"open": 1})
    store = MemoryStore()
    config = make_config([rep], [make_rule("all")])
    (first,) = route_many(config, 1, store=store)
    for result, open_after in (("won", 0), ("qualified", 1), ("lost", 0), ("disqualified", 0)):
        store.record_outcome(first.lead_id, result, MONDAY_10AM)
        assert store.open_count("ana") == open_after, result
    second, third = route_many(config, 2, store=store, start=MONDAY_10AM + timedelta(hours=1))
    assert (second.rep, third.rep) == ("ana", None)
    assert third.trace[0].candidates[0].reason == "cap open 1/1"
