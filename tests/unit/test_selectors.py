"""Selectors through the Router and a MemoryStore: who goes next, and why."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from random import Random
from typing import Any

from leadroute.domain.reps import Availability, Status
from leadroute.routing.accounts import account_keys, company_domain, company_name_key
from leadroute.routing.config import Prior
from leadroute.routing.engine import Router
from leadroute.storage.memory import MemoryStore
from tests.factories import (
    MONDAY_10AM,
    make_config,
    make_lead,
    make_rep,
    make_reps,
    make_rule,
    owners,
    route_many,
    route_one,
)

AWAY = Status(availability=Availability.AWAY)
BACK = Status()


def test_round_robin_rotates_in_listed_order() -> None:
    config = make_config(make_reps("ana", "bob", "cho"), [make_rule("rr")])
    decisions = route_many(config, 7)
    assert owners(decisions) == ["ana", "bob", "cho", "ana", "bob", "cho", "ana"]
    assert decisions[0].reason == "rr: ana (round robin: never served by this rule)"
    assert decisions[3].reason == "rr: ana (round robin: least recently served)"


def test_never_served_reps_go_first_in_listed_order() -> None:
    store = MemoryStore()
    reps = make_reps("ana", "bob", "cho", "dan")
    router = Router(make_config(reps, [make_rule("rr", reps=["cho", "ana"])]))
    assert owners(route_many(router, 2, store=store)) == ["cho", "ana"]
    # The rule now lists all four: the two never served go first, in listed order.
    wider = Router(make_config(reps, [make_rule("rr", reps=["cho", "ana", "dan", "bob"])]))
    assert owners(route_many(wider, 4, store=store)) == ["dan", "bob", "cho", "ana"]


def test_rotation_is_per_rule() -> None:
    store = MemoryStore()
    reps = make_reps("ana", "bob")
    first = make_config(reps, [make_rule("one")])
    second = make_config(reps, [make_rule("two")])
    assert owners(route_many(first, 1, store=store)) == ["ana"]
    assert owners(route_many(second, 1, store=store)) == ["ana"]


def away_spell(catch_up: bool) -> list[str | None]:
    """ana, bob, cho rotate; bob is away for four leads, then returns for four more."""
    store = MemoryStore()
    rule = make_rule("rr", team="sdr", catch_up=catch_up)
    router = Router(make_config(make_reps("ana", "bob", "cho"), [rule]))
    result = owners(route_many(router, 3, store=store))
    store.set_status("bob", AWAY)
    result += owners(route_many(router, 4, store=store, start=MONDAY_10AM + timedelta(hours=1)))
    store.set_status("bob", BACK)
    result += owners(route_many(router, 4, store=store, start=MONDAY_10AM + timedelta(hours=2)))
    return result


def test_catch_up_false_gives_a_returning_rep_the_next_turn_once() -> None:
    assert away_spell(catch_up=False) == [
        *["ana", "bob", "cho"],
        *["ana", "cho", "ana", "cho"],
        *["bob", "ana", "cho", "bob"],
    ]


def test_catch_up_true_lets_a_returning_rep_make_up_the_share_in_the_window() -> None:
    assert away_spell(catch_up=True) == [
        *["ana", "bob", "cho"],
        *["ana", "cho", "ana", "cho"],
        *["bob", "bob", "ana", "cho"],  # bob had 1 to the others' 3 today
    ]


def test_catch_up_why_names_the_window() -> None:
    config = make_config([make_rep(caps={"week": 50})], [make_rule("rr", catch_up=True)])
    (decision,) = route_many(config, 1)
    assert decision.reason == "rr: ana (round robin (catch up): fewest this week (0))"


def test_weighted_counts_follow_the_weights() -> None:
    reps = (make_rep(id="ana", weight=3.0), make_rep(id="bob", weight=1.0))
    decisions = route_many(make_config(reps, [make_rule("w", select="weighted")]), 40)
    counts = Counter(owners(decisions))
    assert counts == {"ana": 30, "bob": 10}
    running: Counter[str | None] = Counter()
    for n, decision in enumerate(decisions, start=1):
        running[decision.rep] += 1
        assert abs(running["ana"] - n * 3 / 4) <= 1
        assert abs(running["bob"] - n * 1 / 4) <= 1
    assert decisions[0].reason == "w: ana (weighted: next due by share (weight 3, share 75%))"


def test_weighted_three_reps_after_n() -> None:
    reps = (
        make_rep(id="ana", weight=5.0),
        make_rep(id="bob", weight=3.0),
        make_rep(id="cho", weight=2.0),
    )
    counts = Counter(owners(route_many(make_config(reps, [make_rule("w", select="weighted")]), 50)))
    assert counts == {"ana": 25, "bob": 15, "cho": 10}


def test_weighted_with_zero_weights_takes_the_first_listed() -> None:
    reps = (make_rep(id="ana", weight=0.0), make_rep(id="bob", weight=0.0))
    decisions = route_many(make_config(reps, [make_rule("w", select="weighted")]), 2)
    assert owners(decisions) == ["ana", "ana"]


def loaded_store(config_reps: tuple[str, ...], loads: dict[str, int]) -> MemoryStore:
    """A store in which each rep owns `loads[rep]` open leads, given in the dict's order."""
    store = MemoryStore()
    reps = make_reps(*config_reps)
    for rep_id, count in loads.items():
        route_many(
            make_config(reps, [make_rule(f"seed-{rep_id}", reps=[rep_id])]), count, store=store
        )
    return store


def test_least_loaded_picks_fewest_open() -> None:
    store = loaded_store(("ana", "bob", "cho"), {"ana": 2, "bob": 1, "cho": 3})
    config = make_config(make_reps("ana", "bob", "cho"), [make_rule("ll", select="least_loaded")])
    decision = route_one(config, make_lead(), store=store)
    assert decision.rep == "bob"
    assert decision.reason == "ll: bob (least loaded: 1 open lead)"


def test_least_loaded_ties_by_least_recently_assigned_then_listed_order() -> None:
    store = loaded_store(("ana", "bob", "cho", "dan"), {"cho": 1, "bob": 1, "ana": 2})
    config = make_config(
        make_reps("ana", "bob", "cho", "dan"), [make_rule("ll", select="least_loaded")]
    )
    # dan: 0 open; then cho and bob with 1 (cho assigned earlier); then the order continues.
    assert owners(route_many(config, 4, store=store)) == ["dan", "cho", "bob", "dan"]


def test_least_loaded_ties_never_assigned_in_listed_order() -> None:
    config = make_config(make_reps("ana", "bob"), [make_rule("ll", select="least_loaded")])
    assert owners(route_many(config, 3)) == ["ana", "bob", "ana"]


def record_history(
    store: MemoryStore, rep_id: str, won: int, lost: int, *, days_ago: int = 0
) -> None:
    reps = make_reps("ana", "bob", "cho")
    config = make_config(reps, [make_rule(f"history-{rep_id}", reps=[rep_id])])
    when = MONDAY_10AM - timedelta(days=days_ago)
    decisions = route_many(config, won + lost, store=store, start=when, step=timedelta(seconds=1))
    for index, decision in enumerate(decisions):
        result = "won" if index < won else "lost"
        store.record_outcome(decision.lead_id, result, when + timedelta(minutes=1))


def top_config(**assign: Any) -> Router:
    return Router(
        make_config(
            make_reps("ana", "bob", "cho"), [make_rule("top", select="top_performer", **assign)]
        )
    )


def test_top_performer_eight_of_ten_beats_one_of_one() -> None:
    store = MemoryStore()
    record_history(store, "ana", 1, 0, days_ago=2)
    record_history(store, "bob", 8, 2, days_ago=1)
    decision = route_one(top_config(), make_lead(), store=store)
    assert decision.rep == "bob"
    assert decision.reason == "top: bob (top performer: estimated win rate 0.75 (8 won, 2 lost))"
    note = {n.rep: n for n in decision.trace[-1].candidates}
    assert note["ana"].reason == "eligible"


def test_top_performer_prior_strength_and_mean() -> None:
    store = MemoryStore()
    record_history(store, "ana", 1, 0, days_ago=2)
    record_history(store, "bob", 8, 2, days_ago=1)
    # An optimistic, strong prior: 1/1 -> (1+9)/11 = 0.91 beats 8/10 -> (8+9)/20 = 0.85.
    decision = route_one(top_config(prior=Prior(mean=0.9, strength=10)), make_lead(), store=store)
    assert decision.rep == "ana"
    assert "estimated win rate 0.91 (1 won, 0 lost)" in decision.reason
    # A weak prior lets the raw rates speak: 1/1 beats 8/10.
    weak = route_one(top_config(prior=Prior(strength=0.01)), make_lead(), store=store)
    assert weak.rep == "ana"


def test_top_performer_lookback_excludes_old_outcomes() -> None:
    store = MemoryStore()
    record_history(store, "bob", 8, 2, days_ago=40)
    record_history(store, "ana", 1, 0, days_ago=5)
    assert route_one(top_config(), make_lead(), store=store, record=False).rep == "bob"
    recent = route_one(top_config(lookback=timedelta(days=30)), make_lead(), store=store)
    assert recent.rep == "ana"
    assert "(1 won, 0 lost)" in recent.reason


def test_top_performer_ties_go_round_robin() -> None:
    assert owners(route_many(top_config(), 4)) == ["ana", "bob", "cho", "ana"]


def test_hunt_takes_the_first_eligible_in_listed_order() -> None:
    store = MemoryStore()
    router = Router(make_config(make_reps("ana", "bob", "cho"), [make_rule("h", select="hunt")]))
    assert owners(route_many(router, 3, store=store)) == ["ana", "ana", "ana"]
    store.set_status("ana", AWAY)
    decision = route_one(router, make_lead(), store=store)
    assert decision.rep == "bob"
    assert decision.reason == "h: bob (hunt: first eligible in listed order); skipped ana (away)"


def test_random_is_seeded_and_reproducible() -> None:
    config = make_config(make_reps("ana", "bob", "cho"), [make_rule("r", select="random")])
    first = owners(route_many(config, 30, rng=Random(7)))
    again = owners(route_many(config, 30, rng=Random(7)))
    other = owners(route_many(config, 30, rng=Random(8)))
    assert first == again
    assert first != other
    assert set(first) == {"ana", "bob", "cho"}
    assert route_many(config, 1)[0].reason.endswith("(random: 1 of 3 eligible)")


def account_router() -> Router:
    rules = [make_rule("owner", owner_of="account"), make_rule("rr")]
    return Router(make_config(make_reps("ana", "bob", "cho"), rules))


def test_owner_of_account_sticks_to_the_company_domain() -> None:
    store = MemoryStore()
    router = account_router()
    first = route_one(router, make_lead(email="alice@acme.com"), store=store)
    assert (first.rep, first.rule) == ("ana", "rr")
    assert first.trace[0].detail == "matched; no earlier lead of this account; next rule"
    second = route_one(router, make_lead(email="Bob@ACME.com"), store=store)
    assert (second.rep, second.rule, second.selector) == ("ana", "owner", "owner_of")
    assert second.reason == "owner: ana (owns this account (account))"
    third = route_one(router, make_lead(domain="www.acme.com"), store=store)
    assert third.rep == "ana"


def test_free_mail_domains_do_not_make_an_account() -> None:
    store = MemoryStore()
    router = account_router()
    assert route_one(router, make_lead(email="x@gmail.com"), store=store).rep == "ana"
    again = route_one(router, make_lead(email="y@gmail.com"), store=store)
    assert (again.rep, again.rule) == ("bob", "rr")


def test_company_names_are_normalised() -> None:
    store = MemoryStore()
    router = account_router()
    assert route_one(router, make_lead(company="Acme"), store=store).rep == "ana"
    again = route_one(router, make_lead(company="ACME, Inc."), store=store)
    assert (again.rep, again.rule) == ("ana", "owner")
    other = route_one(router, make_lead(company="Acme Widgets"), store=store)
    assert other.rule == "rr"


def test_unavailable_owner_falls_through_to_the_next_rule() -> None:
    store = MemoryStore()
    router = account_router()
    route_one(router, make_lead(email="a@acme.com"), store=store)
    store.set_status("ana", AWAY)
    decision = route_one(router, make_lead(email="b@acme.com"), store=store)
    assert (decision.rep, decision.rule) == ("bob", "rr")
    assert decision.trace[0].detail == "matched; no eligible rep (1 skipped); next rule"


def test_owner_outside_the_rules_candidates_is_not_used() -> None:
    store = MemoryStore()
    reps = make_reps("ana", "bob")
    route_many(
        make_config(reps, [make_rule("seed", reps=["ana"])]), [{"email": "a@acme.com"}], store=store
    )
    rules = [make_rule("owner", owner_of="account", reps=["bob"]), make_rule("rr", reps=["bob"])]
    decision = route_one(make_config(reps, rules), make_lead(email="b@acme.com"), store=store)
    assert decision.trace[0].detail == "matched; account owner ana is not a candidate; next rule"
    assert decision.rep == "bob"


def test_account_keys() -> None:
    assert company_domain({"email": "x@Gmail.com"}) is None
    assert company_domain({"email": "x@acme.com", "domain": " WWW.Acme.io "}) == "acme.io"
    assert company_name_key("ACME, Inc.") == company_name_key("Acme") == "acme"
    assert company_name_key("Acme Holdings Ltd.") == "acme"
    assert company_name_key("Inc") == "inc"
    assert account_keys({"email": "a@acme.com", "company": "Acme Corp"}) == (
        "domain:acme.com",
        "company:acme",
    )
