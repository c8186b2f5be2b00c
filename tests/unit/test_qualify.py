"""Qualification before routing (routing/qualify.py and the engine's `qualify` step):
disqualification rules, the first of which decides and is named, the nurture threshold, and
flows after the main one (hand-off, escalation) that never qualify again."""

from __future__ import annotations

import textwrap
from random import Random
from typing import Any

import pytest

from leadroute.domain.decisions import Decision
from leadroute.routing.engine import Router
from leadroute.routing.flows import HANDOFF, escalation_flow
from leadroute.routing.qualify import (
    DISQUALIFIED,
    NURTURE,
    Qualification,
    judge,
    ready_for_sales,
)
from leadroute.routing_file import parse_routing_text
from leadroute.storage.memory import MemoryStore
from tests.factories import MONDAY_10AM, make_lead

ROUTING = r"""
timezone: UTC
reps:
  - {id: ana, teams: [sdr]}
  - {id: cy, teams: [ae]}
pools:
  nurture: {members: [team:sdr]}
  backlog: {members: [team:sdr], max_wait: 1h, escalate: {assign: {team: ae}}}
scoring:
  rules:
    - {when: {field: company_size, gte: 100}, points: 30}
    - {when: {field: budget, gte: 10000}, points: 10}
    - {when: {field: budget, gte: 20000}, points: 1}
qualify:
  disqualify:
    - {name: competitor, when: {field: email, ends_with: "@rival.com"}}
    - {name: free mail, when: {field: email, matches: "@(gmail|yahoo|hotmail)\\."}}
    - {name: unserved country, when: {field: country, not_in: [US, CA, GB]}}
    - name: test or spam
      when:
        any:
          - {field: name, matches: "(?i)^test|asdf"}
          - {field: company, matches: "(?i)^test|asdf"}
  nurture_below: 40
  nurture_pool: nurture
routing:
  - {name: backlog, when: {field: queue, eq: backlog}, pool: backlog}
  - {name: sdr, assign: {team: sdr}}
handoff:
  routing:
    - {name: closers, assign: {team: ae}}
"""

ROUTER = Router(parse_routing_text(textwrap.dedent(ROUTING), source="routing.yaml"))
GOOD = {"email": "jo@acme.com", "country": "US", "company_size": 500, "budget": 10000}
COMPETITOR = "disqualified by competitor: email ends_with '@rival.com'"
FREE_MAIL = "disqualified by free mail: email matches '@(gmail|yahoo|hotmail)\\\\.'"
UNSERVED = "disqualified by unserved country: country not_in ['US', 'CA', 'GB']"
SPAM = (
    "disqualified by test or spam: any of (name matches '(?i)^test|asdf'; "
    "company matches '(?i)^test|asdf')"
)


def route(flow: str = "routing", **overrides: Any) -> Decision:
    lead = ROUTER.score(make_lead(**{**GOOD, **overrides}), now=MONDAY_10AM)
    return ROUTER.route(lead, now=MONDAY_10AM, ledger=MemoryStore(), rng=Random(0), flow=flow)


def trace(decision: Decision) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = decision.as_dict()["trace"]  # type: ignore[assignment]
    return steps


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"email": "buyer@rival.com"}, COMPETITOR),
        ({"email": "jo@gmail.com"}, FREE_MAIL),
        ({"email": "jo@yahoo.co.uk"}, FREE_MAIL),
        ({"email": "jo@hotmail.fr"}, FREE_MAIL),
        ({"country": "FR"}, UNSERVED),
        ({"name": "Test Lead"}, SPAM),
        ({"name": "TEST"}, SPAM),
        ({"company": "asdf ltd"}, SPAM),
        ({"company": "Qwasdfgh"}, SPAM),  # "asdf" anywhere, as the pattern says
    ],
)
def test_each_disqualification_rule_closes_the_lead_and_names_itself(
    overrides: dict[str, Any], why: str
) -> None:
    decision = route(**overrides)
    assert (decision.rep, decision.pool, decision.rule) == (None, None, "qualify")
    assert decision.verdict == DISQUALIFIED
    assert decision.reason == f"qualify: {why}"
    assert trace(decision) == [{"rule": "qualify", "matched": False, "why": why}]


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": "jo@rival.com.au"},  # ends_with: not the competitor's domain
        {"email": "jo@gmailer.com"},  # no dot right after the provider
        {"country": "CA"},
        {"name": "Contest winner"},  # "test" only at the start
        {"company": "Attestation SA"},
    ],
)
def test_near_misses_are_qualified(overrides: dict[str, Any]) -> None:
    decision = route(**overrides)
    assert (decision.rep, decision.verdict) == ("ana", None)


def test_a_missing_country_is_not_an_unserved_one() -> None:
    decision = route(country=None)
    assert decision.verdict is None
    assert decision.rep == "ana"


def test_the_first_matching_rule_wins() -> None:
    everything = route(email="x@rival.com", country="FR", name="test", company="asdf")
    assert everything.reason == f"qualify: {COMPETITOR}"
    later = route(email="x@gmail.com", country="FR", name="test")
    assert later.reason == f"qualify: {FREE_MAIL}"
    assert route(country="FR", company="asdf").reason == f"qualify: {UNSERVED}"


def test_disqualification_comes_before_the_nurture_threshold() -> None:
    decision = route(email="x@rival.com", company_size=1, budget=0)
    assert decision.verdict == DISQUALIFIED


@pytest.mark.parametrize(
    ("company_size", "budget", "score", "verdict", "rep", "pool"),
    [
        (500, 0, 30.0, NURTURE, None, "nurture"),
        (1, 10000, 10.0, NURTURE, None, "nurture"),
        (500, 10000, 40.0, None, "ana", None),  # exactly at the threshold: qualified
        (500, 20000, 41.0, None, "ana", None),
    ],
)
def test_a_lead_below_nurture_below_waits_in_the_nurture_pool(
    company_size: int,
    budget: int,
    score: float,
    verdict: str | None,
    rep: str | None,
    pool: str | None,
) -> None:
    decision = route(company_size=company_size, budget=budget)
    assert (decision.verdict, decision.rep, decision.pool) == (verdict, rep, pool)
    first = trace(decision)[0]
    if verdict == NURTURE:
        why = f"score {score:g} is below nurture_below 40: to pool nurture"
        assert decision.reason == f"qualify: {why}"
        assert decision.rule == "qualify"
        assert trace(decision) == [{"rule": "qualify", "matched": False, "why": why}]
    else:
        assert first == {
            "rule": "qualify",
            "matched": True,
            "why": f"qualified: score {score:g} reaches nurture_below 40",
        }
        assert [step["rule"] for step in trace(decision)] == ["qualify", "backlog", "sdr"]


def test_a_qualified_lead_is_routed_by_the_rules_after_the_qualify_step() -> None:
    decision = route(queue="backlog")
    assert (decision.rule, decision.pool, decision.verdict) == ("backlog", "backlog", None)
    assert trace(decision)[0]["matched"] is True


def test_a_score_past_the_largest_float_reaches_the_threshold() -> None:
    # Found by tests/fuzz: float(10**400) raised OverflowError in the qualify step.
    config = parse_routing_text(
        "reps: [{id: ana, teams: [sdr]}]\npools: {nurture: {members: [team:sdr]}}\n"
        "qualify: {nurture_below: 40}\nrouting: [{name: sdr, assign: {team: sdr}}]\n"
    )
    router = Router(config)
    for score, verdict in ((10**400, None), (-(10**400), NURTURE)):
        lead = router.score(make_lead(score=score), now=MONDAY_10AM)
        decision = router.route(lead, now=MONDAY_10AM, ledger=MemoryStore(), rng=Random(0))
        assert decision.verdict == verdict, decision.reason


def test_without_a_threshold_only_the_disqualification_rules_judge() -> None:
    qualification = Qualification(disqualify=ROUTER.config.qualify.disqualify)  # type: ignore[union-attr]
    verdict = judge(qualification, {"email": "a@b.com", "score": 0})
    assert (verdict.status, verdict.why, verdict.rule) == (
        None,
        "qualified: no disqualification rule matched",
        None,
    )
    named = judge(qualification, {"email": "a@rival.com"})
    assert (named.status, named.rule) == (DISQUALIFIED, "competitor")


def test_a_lead_without_a_score_counts_as_zero() -> None:
    verdict = judge(Qualification(nurture_below=0.5), {})
    assert (verdict.status, verdict.why) == (
        NURTURE,
        "score 0 is below nurture_below 0.5: to pool nurture",
    )


def test_without_a_qualify_section_there_is_no_qualify_step() -> None:
    plain = (
        ROUTING.split("qualify:", maxsplit=1)[0]
        + "routing:\n  - {name: sdr, assign: {team: sdr}}\n"
    )
    router = Router(parse_routing_text(textwrap.dedent(plain), source="r"))
    lead = make_lead(email="x@rival.com", company_size=1)
    decision = router.route(lead, now=MONDAY_10AM, ledger=MemoryStore(), rng=Random(0))
    assert decision.rep == "ana"
    assert [step["rule"] for step in trace(decision)] == ["sdr"]


def test_the_hand_off_flow_does_not_qualify_again() -> None:
    decision = route(flow=HANDOFF, email="x@rival.com", company_size=1, budget=0)
    assert (decision.rep, decision.rule, decision.verdict) == ("cy", "closers", None)
    assert [step["rule"] for step in trace(decision)] == ["closers"]


def test_an_escalation_does_not_qualify_again() -> None:
    decision = route(flow=escalation_flow("backlog"), email="x@gmail.com", company_size=1)
    assert (decision.rep, decision.verdict) == ("cy", None)
    assert "qualify" not in [step["rule"] for step in trace(decision)]


@pytest.mark.parametrize(
    ("status", "pool", "score", "ready"),
    [
        ("nurture", "nurture", 40.0, True),
        ("nurture", "nurture", 39.99, False),
        ("nurture", "nurture", None, False),
        ("nurture", None, 90.0, False),  # claimed: a rep holds it
        ("routed", "nurture", 90.0, False),
        ("nurture", "backlog", 90.0, False),
    ],
)
def test_ready_for_sales_only_when_a_nurtured_lead_waits_in_nurture_and_reaches_the_threshold(
    status: str, pool: str | None, score: float | None, ready: bool
) -> None:
    got = ready_for_sales(ROUTER.config.qualify, status=status, pool=pool, score=score)
    assert got is ready


def test_ready_for_sales_never_without_a_threshold() -> None:
    assert not ready_for_sales(None, status="nurture", pool="nurture", score=99)
    assert not ready_for_sales(Qualification(), status="nurture", pool="nurture", score=99)
