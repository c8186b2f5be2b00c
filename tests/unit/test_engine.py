"""The engine: rule order, falling through, pools, fallback, and the trace a person reads."""

from __future__ import annotations

from random import Random

from leadroute.domain.decisions import CandidateNote, RuleTrace
from leadroute.domain.pools import UNASSIGNED
from leadroute.domain.reps import Availability, Status
from leadroute.routing.config import RoutingConfig, Rule
from leadroute.routing.engine import Router
from leadroute.rules import parse_condition
from leadroute.scoring.points import PointsRule, Scoring
from leadroute.storage.memory import MemoryStore
from tests.factories import make_config, make_lead, make_rep, make_reps, make_rule, route_one

ENTERPRISE = {
    "all": [{"field": "company_size", "gte": 1000}, {"field": "country", "in": ["US", "CA"]}]
}


def sales_config(fallback: Rule | None = None) -> RoutingConfig:
    reps = (
        make_rep(id="eve", teams=["enterprise"]),
        make_rep(id="ana", teams=["sdr"], skills=["es"]),
        make_rep(id="bob", teams=["sdr"]),
    )
    rules = [
        make_rule("enterprise", when=ENTERPRISE, team="enterprise"),
        make_rule(
            "spanish",
            when={"field": "language", "eq": "es"},
            team="sdr",
            match_skills=["language"],
        ),
        make_rule("low score", when={"field": "score", "lt": 20}, pool="nurture"),
        make_rule("sdr", team="sdr"),
    ]
    return make_config(reps, rules, pools=["nurture"], fallback=fallback)


def test_first_matching_rule_that_yields_wins() -> None:
    decision = route_one(
        sales_config(), make_lead(company_size="5000", country="US", language="es")
    )
    assert (decision.rep, decision.pool, decision.rule) == ("eve", None, "enterprise")
    assert [entry.rule for entry in decision.trace] == ["enterprise"]


def test_rule_not_matched_says_which_condition_failed() -> None:
    decision = route_one(
        sales_config(), make_lead(company_size="5000", country="BR", language="es")
    )
    assert decision.rule == "spanish"
    assert decision.trace[0] == RuleTrace.fixed(
        rule="enterprise",
        matched=False,
        detail="condition failed: country in ['US', 'CA']: was 'BR'",
    )
    missing = route_one(sales_config(), make_lead(country="US"))
    assert missing.trace[0].detail == "condition failed: company_size gte 1000: field missing"
    assert missing.trace[1].detail == "condition failed: language eq 'es': field missing"


def test_trace_lists_candidates_with_reasons_in_listed_order() -> None:
    decision = route_one(sales_config(), make_lead(language="es"))
    spanish = decision.trace[-1]
    assert spanish.matched
    assert spanish.detail == "matched language eq 'es'; chose ana"
    assert spanish.candidates == (
        CandidateNote(
            rep="ana", eligible=True, reason="round robin: never served by this rule", chosen=True
        ),
        CandidateNote(rep="bob", eligible=False, reason="missing skill es (language)"),
    )
    assert decision.as_dict()["trace"] == [
        {
            "rule": "enterprise",
            "matched": False,
            "why": "condition failed: company_size gte 1000: field missing",
        },
        {
            "rule": "spanish",
            "matched": True,
            "why": "matched language eq 'es'; chose ana",
            "candidates": [
                {"rep": "ana", "chosen": True, "why": "round robin: never served by this rule"},
                {"rep": "bob", "skipped": "missing skill es (language)"},
            ],
        },
    ]


def test_one_line_reason() -> None:
    decision = route_one(sales_config(), make_lead(language="es"))
    assert decision.reason == (
        "spanish: ana (round robin: never served by this rule); "
        "skipped bob (missing skill es (language))"
    )


def test_reason_lists_at_most_three_skips() -> None:
    reps = (*make_reps("a", "b", "c", "d", status="away"), make_rep(id="e"))
    decision = route_one(make_config(reps, [make_rule("r")]), make_lead())
    assert decision.reason == (
        "r: e (round robin: never served by this rule); "
        "skipped a (away), b (away), c (away) and 1 more"
    )
    assert [note.as_dict() for note in decision.trace[0].candidates][:1] == [
        {"rep": "a", "skipped": "away"}
    ]


def test_matching_rule_with_no_eligible_rep_falls_through_by_default() -> None:
    store = MemoryStore()
    store.set_status("eve", Status(availability=Availability.AWAY))
    lead = make_lead(company_size=5000, country="US")
    decision = route_one(sales_config(), lead, store=store)
    assert (decision.rep, decision.rule) == ("ana", "sdr")
    assert decision.trace[0].detail == (
        "matched all of (company_size gte 1000; country in ['US', 'CA']); "
        "no eligible rep (1 skipped); next rule"
    )
    assert decision.trace[0].candidates == (
        CandidateNote(rep="eve", eligible=False, reason="away"),
    )
    assert [entry.rule for entry in decision.trace] == ["enterprise", "spanish", "low score", "sdr"]


def test_on_empty_pool_sends_the_lead_to_the_pool() -> None:
    reps = (make_rep(id="eve", status="away"), make_rep(id="ana", teams=["other"]))
    rules = [
        make_rule("only eve", reps=["eve"], on_empty_pool="waiting"),
        make_rule("anyone", team="other"),
    ]
    decision = route_one(make_config(reps, rules, pools=["waiting"]), make_lead())
    assert (decision.rep, decision.pool, decision.rule) == (None, "waiting", "only eve")
    assert (
        decision.reason == "only eve: to pool waiting (no eligible rep (1 skipped), on_empty pool)"
    )
    assert decision.trace[-1].detail == "matched; no eligible rep (1 skipped); sent to pool waiting"


def test_pool_rule() -> None:
    decision = route_one(sales_config(), make_lead(score=10))
    assert (decision.rep, decision.pool, decision.rule) == (None, "nurture", "low score")
    assert decision.reason == "low score: to pool nurture (pool rule)"
    assert decision.trace[-1] == RuleTrace.fixed(
        rule="low score", matched=True, detail="matched score lt 20; to pool nurture"
    )


def test_scoring_sets_the_score_rules_read() -> None:
    config = sales_config()
    scored = RoutingConfig(
        timezone=config.timezone,
        reps=config.reps,
        rules=config.rules,
        pools=config.pools,
        scoring=Scoring(
            rules=(PointsRule(when=parse_condition({"field": "vip", "eq": True}), points=50),)
        ),
    )
    assert route_one(scored, make_lead(vip=False, score=99)).pool == "nurture"
    assert route_one(scored, make_lead(vip=True)).rule == "sdr"


def test_fallback_takes_what_no_rule_took() -> None:
    reps = make_reps("ana", "bob", teams=["sdr"])
    fallback = make_rule("fallback", reps=["bob"])
    config = make_config(reps, [make_rule("none", when={"field": "x", "eq": 1})], fallback=fallback)
    decision = route_one(config, make_lead())
    assert (decision.rep, decision.rule) == ("bob", "fallback")
    pooled = make_config(
        reps, [], fallback=make_rule("fallback", pool="nurture"), pools=["nurture"]
    )
    assert route_one(pooled, make_lead()).pool == "nurture"


def test_without_fallback_the_lead_waits_in_unassigned() -> None:
    config = make_config([make_rep(status="away")], [make_rule("r")])
    decision = route_one(config, make_lead())
    assert (decision.rep, decision.pool, decision.rule) == (None, UNASSIGNED, "fallback")
    assert decision.reason.startswith("fallback: to pool unassigned (")
    assert [entry.rule for entry in decision.trace] == ["r", "fallback"]


def test_fallback_assign_with_no_one_eligible_still_keeps_the_lead() -> None:
    config = make_config(
        [make_rep(status="away")], [], fallback=make_rule("fallback", reps=["ana"])
    )
    decision = route_one(config, make_lead())
    assert (decision.rep, decision.pool, decision.rule) == (None, UNASSIGNED, "fallback")
    assert decision.trace[-1].rule == "fallback"
    assert decision.trace[-1].detail == "nothing else took it; to pool unassigned"


def test_exclude_skips_reps() -> None:
    config = make_config(make_reps("ana", "bob"), [make_rule("r")])
    lead = make_lead()
    decision = Router(config).route(
        lead, now=lead.received_at, ledger=MemoryStore(), rng=Random(0), exclude=frozenset({"ana"})
    )
    assert decision.rep == "bob"
    assert decision.trace[0].candidates[0] == CandidateNote(
        rep="ana", eligible=False, reason="had this lead before"
    )


def test_rule_without_team_considers_every_rep_and_reps_come_first() -> None:
    reps = (make_rep(id="ana", teams=["x"]), make_rep(id="bob", teams=["y"]))
    assert route_one(make_config(reps, [make_rule("r")]), make_lead()).rep == "ana"
    listed = make_config(reps, [make_rule("r", reps=["bob"], team="x")])
    decision = route_one(listed, make_lead())
    assert [note.rep for note in decision.trace[0].candidates] == ["bob", "ana"]
