"""Feature preparation: kinds inferred from values, ids and excluded columns dropped, and a
lead's fields mapped by name (missing or unseen values are unknown, never an error)."""

from __future__ import annotations

import math

from leadroute.learning.features import MISSING, Column, FeaturePlan, Kind, plan_features
from tests.learning.data import leads_table, synthetic, synthetic_model


def test_numbers_categories_and_dates_are_told_apart_and_ids_dropped() -> None:
    table = leads_table(200)
    plan = plan_features(table.columns, table.rows, drop={"won": "the label"})

    assert plan.columns == (
        Column(name="channel", kind=Kind.CATEGORY),
        Column(name="company_size", kind=Kind.NUMBER),
        Column(name="signed_up", kind=Kind.DATE),
    )
    assert plan.inputs == ("channel", "company_size", "signed_up.month", "signed_up.weekday")
    assert dict(plan.dropped) == {
        "lead_id": "an id or free text (200 distinct values)",
        "won": "the label",
    }


def test_derived_constant_and_empty_columns_are_dropped() -> None:
    rows = [
        {"score_model": 0.4, "score": 10, "plan": "pro", "note": "", "size": i % 7}
        for i in range(30)
    ]
    plan = plan_features(("score_model", "score", "plan", "note", "size"), rows, drop={})

    assert [c.name for c in plan.columns] == ["size"]
    assert dict(plan.dropped) == {
        "score_model": "derived by the engine",
        "score": "derived by the engine",
        "plan": "a single value",
        "note": "empty",
    }


def test_a_leads_fields_are_read_by_name_with_missing_values_unknown() -> None:
    plan = synthetic().plan
    matrix = plan.matrix([{"channel": "ads", "company_size": "12", "signed_up": "2025-03-05"}, {}])

    assert list(matrix[0]) == ["ads", 12.0, "3", "wed"]
    assert matrix[1][0] == MISSING
    assert math.isnan(matrix[1][1])
    assert list(matrix[1][2:]) == [MISSING, MISSING]


def test_unknown_categories_and_missing_fields_still_give_a_probability() -> None:
    model = synthetic_model()
    referral = model.probability({"channel": "referral", "company_size": 80})
    ads = model.probability({"channel": "ads", "company_size": 80})
    unseen = model.probability({"channel": "carrier pigeon", "company_size": "lots"})
    nothing = model.probability({})

    assert referral > 0.6
    assert ads < 0.25
    assert all(0.0 < p < 1.0 for p in (unseen, nothing))


def test_the_plan_survives_the_model_header() -> None:
    plan = synthetic().plan
    assert FeaturePlan.from_header(plan.as_header()) == plan
