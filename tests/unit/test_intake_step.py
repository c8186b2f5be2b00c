"""The intake step (routing/intake.py): score, duplicate check and account, first in the trace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from leadroute.domain.leads import Lead
from leadroute.routing.account_book import Account, AccountBook
from leadroute.routing.duplicates import Duplicates, Original
from leadroute.routing.intake import IntakeFacts, with_intake
from tests.factories import make_config, make_lead, make_reps, make_rule, route_one

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def lead(**fields: object) -> Lead:
    return Lead(id="L1", received_at=AT, fields={"id": "L1", **fields})


def why(facts: IntakeFacts, scored: Lead) -> str:
    step = facts.step(scored)
    assert step is not None
    name, matched, explain = step
    assert (name, matched) == ("intake", True)
    return explain()[0]


def test_nothing_to_say_means_no_step() -> None:
    assert IntakeFacts().step(lead(email="a@b.com")) is None


def test_score_grade_and_model_score() -> None:
    scored = lead(score=72.5, grade="hot", score_model=0.41234)
    assert why(IntakeFacts(), scored) == "score 72.5 (hot), model score 0.41"


def test_a_score_past_the_largest_float_is_said_as_infinity() -> None:
    # Found by tests/fuzz: f"{10**400:g}" raised OverflowError (a sent score is kept as sent).
    assert why(IntakeFacts(), lead(score=10**400)) == "score inf"
    assert why(IntakeFacts(), lead(score=-(10**400))) == "score -inf"


def test_duplicate_check_says_what_was_looked_for_and_what_was_found() -> None:
    section = Duplicates(match=("email", "phone"), within=timedelta(days=90), policy="merge")
    nothing = IntakeFacts(duplicates=section)
    assert why(nothing, lead()) == "no earlier lead with the same email or phone in the last 90d"
    earlier = Original(
        lead_id="L0", received_at=AT, status="lost", owner=None, pool=None, matched="phone"
    )
    closed = IntakeFacts(duplicates=section, original=earlier)
    assert why(closed, lead()) == "same phone as lead L0, which is lost: routed as a new lead"


def test_account_match_names_the_account_how_and_its_owner() -> None:
    book = AccountBook([Account(id="a1", name="Acme Inc.", domains=("acme.com",), owner="ana")])
    match = book.match({"email": "jo@eu.acme.com"})
    assert match is not None
    facts = IntakeFacts(account=match)
    assert why(facts, lead()) == (
        "account Acme Inc. [a1] by domain eu.acme.com under acme.com, owned by ana"
    )


def test_with_intake_puts_the_step_first_and_keeps_the_rest() -> None:
    decision = route_one(make_config(make_reps("ana", "bob"), [make_rule()]), make_lead())
    step = IntakeFacts().step(lead(score=5))
    changed = with_intake(decision, step)
    assert [entry.rule for entry in changed.trace] == [
        "intake",
        *(entry.rule for entry in decision.trace),
    ]
    assert (changed.rep, changed.pool, changed.reason) == (
        decision.rep,
        decision.pool,
        decision.reason,
    )
    assert with_intake(decision, None) is decision
