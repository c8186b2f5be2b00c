"""The condition language: every operator, the combiners, the missing-field rule, errors."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from leadroute.domain.errors import ConditionError
from leadroute.rules import OPERATORS, parse_condition


def holds(condition: object, **fields: object) -> bool:
    return parse_condition(condition).matches(fields)


def problems_of(condition: object, path: str = "routing[2].when") -> list[str]:
    with pytest.raises(ConditionError) as caught:
        parse_condition(condition, path)
    return [str(problem) for problem in caught.value.problems]


# Each operator: (operand, a value that satisfies it, a value that does not).
CASES: dict[str, tuple[object, object, object]] = {
    "eq": ("US", "us", "CA"),
    "ne": ("US", "CA", "us"),
    "in": (["US", "CA"], "ca", "BR"),
    "not_in": (["US", "CA"], "BR", "us"),
    "gt": (500, 501, 500),
    "gte": (500, 500, 499),
    "lt": (20, 19, 20),
    "lte": (20, 20, 21),
    "between": ([10, 20], 10, 21),
    "contains": ("corp", "MegaCorp Ltd", "Acme"),
    "starts_with": ("+55", "+55 11 5555", "+1 555"),
    "ends_with": (".br", "acme.com.br", "acme.com"),
    "matches": (r"^\d{5}$", "33101", "3310"),
    "exists": (True, "anything", None),
    "empty": (True, "   ", "x"),
}


def test_every_registered_operator_has_a_case() -> None:
    assert set(CASES) == set(OPERATORS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_operator_matches_and_rejects(name: str) -> None:
    operand, good, bad = CASES[name]
    condition = parse_condition({"field": "f", name: operand})
    assert condition.matches({"f": good})
    fields = {} if bad is None else {"f": bad}
    assert not condition.matches(fields)


COMPARISONS = [name for name in OPERATORS if name not in ("exists", "empty")]


@pytest.mark.parametrize("name", COMPARISONS)
@pytest.mark.parametrize("fields", [{}, {"f": None}], ids=["absent", "null"])
def test_a_missing_field_never_satisfies_a_comparison(name: str, fields: dict[str, object]) -> None:
    operand = CASES[name][0]
    condition = parse_condition({"field": "f", name: operand})
    assert not condition.matches(fields)
    assert condition.why_not(fields).endswith("field missing")


def test_missing_field_does_not_satisfy_ne_or_not_in() -> None:
    assert not holds({"field": "country", "ne": "US"})
    assert not holds({"field": "country", "not_in": ["US"]})


@pytest.mark.parametrize("fields", [{}, {"f": None}, {"f": ""}, {"f": "  "}, {"f": []}])
def test_missing_or_blank_is_empty(fields: dict[str, object]) -> None:
    assert parse_condition({"field": "f", "empty": True}).matches(fields)
    assert not parse_condition({"field": "f", "empty": False}).matches(fields)


def test_missing_satisfies_exists_false_only() -> None:
    assert holds({"field": "f", "exists": False})
    assert not holds({"field": "f", "exists": True})
    assert holds({"field": "f", "exists": True}, f="")
    assert not holds({"field": "f", "exists": False}, f=0)


def test_numbers_written_as_text_compare_as_numbers() -> None:
    assert holds({"field": "company_size", "gte": 500}, company_size="1000")
    assert holds({"field": "company_size", "gte": "500"}, company_size=1000)
    assert holds({"field": "company_size", "eq": 1000}, company_size="1,000")
    assert not holds({"field": "company_size", "gte": 500}, company_size="many")


def test_numbers_past_the_largest_float_still_compare() -> None:
    # Found by tests/fuzz: float() of a 400-digit int raised OverflowError in every comparison.
    huge = 10**400
    assert holds({"field": "budget", "gt": 1000}, budget=huge)
    assert holds({"field": "budget", "lt": 0}, budget=-huge)
    assert not holds({"field": "budget", "between": [0, 10]}, budget=huge)
    assert holds({"field": "budget", "eq": huge}, budget=huge)
    assert holds({"field": "budget", "in": [1, huge]}, budget=huge)
    assert not holds({"field": "budget", "gte": huge}, budget=1e308)


def test_dates_compare_as_dates() -> None:
    assert holds({"field": "d", "gt": "2026-01-01"}, d="2026-03-02")
    assert holds({"field": "d", "lt": "2026-01-01"}, d=date(2025, 12, 31))
    assert holds({"field": "d", "between": ["2026-01-01", "2026-12-31"]}, d=datetime(2026, 6, 1))


def test_equality_is_case_insensitive_by_default() -> None:
    assert holds({"field": "country", "eq": "US"}, country="us")
    assert holds({"field": "name", "starts_with": "ACME"}, name="acme inc")
    assert holds({"field": "name", "matches": "^acme"}, name="ACME inc")


def test_case_sensitive_true_switches_it() -> None:
    sensitive = {"field": "country", "eq": "US", "case_sensitive": True}
    assert holds(sensitive, country="US")
    assert not holds(sensitive, country="us")
    assert not holds({"field": "n", "contains": "Corp", "case_sensitive": True}, n="megacorp")
    assert not holds({"field": "n", "matches": "^acme", "case_sensitive": True}, n="ACME")
    assert not holds({"field": "c", "in": ["US"], "case_sensitive": True}, c="us")


def test_booleans_accept_words() -> None:
    assert holds({"field": "wants_demo", "eq": True}, wants_demo="yes")
    assert holds({"field": "wants_demo", "eq": True}, wants_demo=True)
    assert not holds({"field": "wants_demo", "eq": True}, wants_demo="no")


def test_in_on_a_list_valued_field_matches_any_element() -> None:
    assert holds({"field": "products", "in": ["crm", "erp"]}, products=["web", "ERP"])
    assert not holds({"field": "products", "in": ["crm"]}, products=["web", "erp"])
    assert holds({"field": "products", "not_in": ["crm"]}, products=["web", "erp"])
    assert not holds({"field": "products", "not_in": ["crm"]}, products=["web", "crm"])
    assert holds({"field": "tags", "contains": "vip"}, tags=["new", "VIP"])
    assert holds({"field": "tags", "eq": "vip"}, tags=["new", "vip"])


def test_dotted_field_reads_nested_mapping() -> None:
    assert holds({"field": "utm.source", "eq": "google"}, utm={"source": "Google"})
    assert not holds({"field": "utm.medium", "ne": "cpc"}, utm={"source": "google"})


def test_all_any_not() -> None:
    both = {"all": [{"field": "size", "gte": 1000}, {"field": "country", "in": ["US", "CA"]}]}
    assert holds(both, size=5000, country="CA")
    assert not holds(both, size=5000, country="BR")
    either = {"any": [{"field": "size", "gte": 1000}, {"field": "vip", "eq": True}]}
    assert holds(either, size=10, vip=True)
    assert not holds(either, size=10)
    negated = {"not": {"field": "country", "eq": "US"}}
    assert holds(negated, country="BR")
    assert not holds(negated, country="US")
    assert holds(negated)  # not(missing eq) is true: the inner comparison fails


def test_why_not_names_the_failing_condition_and_value() -> None:
    condition = parse_condition(
        {"all": [{"field": "size", "gte": 1000}, {"field": "country", "in": ["US", "CA"]}]}
    )
    assert condition.why_not({"size": 5000, "country": "BR"}) == "country in ['US', 'CA']: was 'BR'"
    assert condition.why_not({"country": "US"}) == "size gte 1000: field missing"
    either = parse_condition({"any": [{"field": "a", "eq": 1}, {"field": "b", "gt": 3}]})
    assert either.why_not({"b": 2}) == "none of (a eq 1: field missing; b gt 3: was 2)"
    negated = parse_condition({"not": {"field": "a", "eq": 1}})
    assert negated.why_not({"a": 1}) == "not (a eq 1): it matched"


def test_describe_shows_the_regex_pattern() -> None:
    assert (
        parse_condition({"field": "zip", "matches": r"^\d+$"}).describe() == r"zip matches '^\\d+$'"
    )


def test_parse_errors_name_the_path() -> None:
    assert problems_of({"all": [{"field": "size", "gte": "lots"}]}) == [
        "routing[2].when.all[0].gte: expected a number or an ISO date, got the text 'lots'"
    ]


def test_unknown_operator_suggests_the_closest() -> None:
    assert problems_of({"field": "size", "gtee": 5}) == [
        "routing[2].when.gtee: unknown operator 'gtee' (did you mean 'gte'?)"
    ]
    assert problems_of({"field": "c", "starts": "x"}) == [
        "routing[2].when.starts: unknown operator 'starts' (did you mean 'starts_with'?)"
    ]


def test_bad_regex_is_reported() -> None:
    (problem,) = problems_of({"any": [{"field": "a", "eq": 1}, {"field": "b", "matches": "(["}]})
    assert problem.startswith("routing[2].when.any[1].matches: bad regular expression '(['")


def test_between_low_above_high_is_an_error() -> None:
    assert problems_of({"field": "x", "between": [5, 1]}) == [
        "routing[2].when.between: low 5 is above high 1"
    ]
    assert problems_of({"field": "x", "between": [1]}) == [
        "routing[2].when.between: expected [low, high], got a list"
    ]


def test_structural_errors() -> None:
    (missing_op,) = problems_of({"field": "x"})
    assert missing_op.startswith("routing[2].when: missing an operator (one of eq, ne,")
    assert problems_of({"eq": 1}) == ["routing[2].when: missing 'field' (or use all/any/not)"]
    (two,) = problems_of({"field": "x", "eq": 1, "ne": 2})
    assert two.startswith("routing[2].when: one operator per condition (found eq, ne)")
    assert problems_of({"all": []}) == [
        "routing[2].when.all: expected a non-empty list of conditions"
    ]
    assert problems_of({"field": "x", "in": "US"}) == [
        "routing[2].when.in: expected a list such as [US, CA], got the text 'US'"
    ]
    assert problems_of({"field": "x", "exists": "yes"}) == [
        "routing[2].when.exists: expected true or false, got the text 'yes'"
    ]


def test_every_problem_is_collected() -> None:
    problems = problems_of(
        {"all": [{"field": "a", "gtee": 1}, {"field": "b", "matches": "("}, {"field": "c"}]}
    )
    assert [p.split(":")[0] for p in problems] == [
        "routing[2].when.all[0].gtee",
        "routing[2].when.all[1].matches",
        "routing[2].when.all[2]",
    ]
