"""Points scoring (scoring/points.py, `Router.score`): fit points for firmographic and BANT
fields, activity points fading by age, grades, and the routing file's scoring errors."""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta
from typing import Any

import pytest

from leadroute.domain.errors import RoutingFileError
from leadroute.routing.config import RoutingConfig
from leadroute.routing.engine import Router
from leadroute.routing_file import parse_routing_text
from leadroute.scoring.points import Activity, Scoring
from tests.factories import MONDAY_10AM, make_lead

ROUTING = r"""
timezone: UTC
reps: [{id: ana, teams: [sdr]}]
pools:
  nurture: {members: [team:sdr]}
scoring:
  rules:
    - {when: {field: company_size, gte: 200}, points: 20}
    - {when: {field: industry, in: [software, fintech]}, points: 15}
    - {when: {field: country, in: [US, CA]}, points: 10}
    - {when: {field: job_title, matches: "(?i)\\b(vp|director|head|chief)\\b"}, points: 10}
    - {when: {field: budget, gte: 50000}, points: 12}
    - {when: {field: authority, eq: decision_maker}, points: 9}
    - {when: {field: need, in: [high, urgent]}, points: 8}
    - {when: {field: timeframe_days, lte: 90}, points: 6}
    - {activity: email_opened, points: 2, decay_per_day: 0.5}
    - {activity: link_clicked, points: 10, decay_per_day: 1}
    - {activity: meeting_booked, points: 30}
  grades: {warm: 40, hot: 70}
routing:
  - {name: sdr, assign: {team: sdr}}
"""

NOW = MONDAY_10AM


def config(text: str = ROUTING) -> RoutingConfig:
    return parse_routing_text(textwrap.dedent(text), source="routing.yaml")


ROUTER = Router(config())


def score(*activities: Activity, **fields: Any) -> object:
    lead = ROUTER.score(make_lead(**fields), activities=activities, now=NOW)
    return lead.get("score")


def ago(days: float, kind: str = "link_clicked") -> Activity:
    return Activity(type=kind, at=NOW - timedelta(days=days))


@pytest.mark.parametrize(
    ("fields", "points"),
    [
        ({"company_size": 200}, 20.0),  # exactly at gte
        ({"company_size": 199}, 0.0),
        ({"industry": "Software"}, 15.0),  # `in` folds case
        ({"industry": "retail"}, 0.0),
        ({"country": "CA"}, 10.0),
        ({"country": "FR"}, 0.0),
        ({"job_title": "VP of Sales"}, 10.0),
        ({"job_title": "Head of Growth"}, 10.0),
        ({"job_title": "Sales intern"}, 0.0),
        ({"budget": 50000}, 12.0),
        ({"budget": 49999.99}, 0.0),
        ({"authority": "decision_maker"}, 9.0),
        ({"authority": "influencer"}, 0.0),
        ({"need": "urgent"}, 8.0),
        ({"need": "low"}, 0.0),
        ({"timeframe_days": 90}, 6.0),
        ({"timeframe_days": 91}, 0.0),
        ({}, 0.0),
    ],
)
def test_each_fit_rule_adds_its_points_when_its_condition_matches(
    fields: dict[str, Any], points: float
) -> None:
    assert score(**fields) == points


def test_fit_points_of_every_matching_rule_add_up() -> None:
    full: dict[str, Any] = {
        "company_size": 5000,
        "industry": "fintech",
        "country": "US",
        "job_title": "Chief Revenue Officer",
        "budget": 80000,
        "authority": "decision_maker",
        "need": "high",
        "timeframe_days": 30,
    }
    assert score(**full) == 90.0
    assert score(company_size=300, budget=60000, timeframe_days=10) == 38.0


@pytest.mark.parametrize(
    ("days", "points"),
    [
        (0, 10.0),
        (1.5, 8.5),  # 10 - 1 x 1.5
        (9.75, 0.25),
        (10, 0.0),
        (30, 0.0),  # 10 - 30 would be -20: never below zero
    ],
)
def test_an_activity_loses_decay_per_day_for_each_day_of_its_age(
    days: float, points: float
) -> None:
    assert score(ago(days)) == points


def test_a_decayed_activity_never_takes_points_from_the_fit_score() -> None:
    assert score(ago(30), ago(400, "email_opened"), company_size=500) == 20.0


def test_activities_of_one_type_add_up_each_with_its_own_age() -> None:
    opens = (ago(0, "email_opened"), ago(1, "email_opened"), ago(2, "email_opened"))
    assert score(*opens) == 4.5  # 2 + 1.5 + 1
    assert score(*opens, ago(1.5)) == 13.0


def test_an_activity_without_decay_keeps_its_points() -> None:
    assert score(ago(30, "meeting_booked"), ago(365, "meeting_booked")) == 60.0


def test_an_activity_type_without_a_rule_earns_nothing() -> None:
    assert score(ago(0, "page_visited"), ago(0, "webinar_attended")) == 0.0


def test_an_activity_after_now_counts_as_new_not_as_more() -> None:
    assert score(Activity(type="link_clicked", at=NOW + timedelta(days=2))) == 10.0


def test_scores_are_rounded_to_two_decimals() -> None:
    assert score(ago(1 / 3, "email_opened")) == 1.83  # 2 - 0.5/3 = 1.8333...


def test_without_now_activities_fade_until_the_lead_was_received() -> None:
    lead = make_lead(received_at=NOW)
    scored = ROUTER.score(lead, activities=(ago(2),))
    assert scored.get("score") == 8.0


@pytest.mark.parametrize(
    ("points", "grade"),
    [(100.0, "hot"), (70.0, "hot"), (69.99, "warm"), (40.0, "warm"), (39.99, None), (0.0, None)],
)
def test_the_grade_is_the_highest_threshold_reached(points: float, grade: str | None) -> None:
    assert ROUTER.config.scoring.grade(points) == grade


def test_router_sets_the_grade_with_the_score() -> None:
    fit: dict[str, Any] = {
        "company_size": 200,
        "industry": "software",
        "country": "US",
        "timeframe_days": 5,
    }
    assert score(**fit) == 51.0
    warm = ROUTER.score(make_lead(**fit), now=NOW)
    assert (warm.get("score"), warm.get("grade")) == (51.0, "warm")
    hot = ROUTER.score(make_lead(**fit), activities=(ago(1),), now=NOW)  # +9
    assert (hot.get("score"), hot.get("grade")) == (60.0, "warm")
    hotter = ROUTER.score(make_lead(**fit), activities=(ago(1), ago(1)), now=NOW)  # +18
    assert (hotter.get("score"), hotter.get("grade")) == (69.0, "warm")
    hottest = ROUTER.score(make_lead(**fit), activities=(ago(0), ago(1)), now=NOW)  # +19
    assert (hottest.get("score"), hottest.get("grade")) == (70.0, "hot")
    cold = ROUTER.score(make_lead(country="US"), now=NOW)
    assert (cold.get("score"), cold.get("grade")) == (10.0, None)


def test_scoring_with_no_rules_returns_none_and_keeps_the_score_the_lead_came_with() -> None:
    assert Scoring().score({"score": 55}) is None
    assert Scoring(grades=(("hot", 70.0),)).score({}) is None
    assert Scoring().grade(None) is None
    plain = Router(config("timezone: UTC\nreps: [{id: ana}]\nrouting: [{name: r, assign: {}}]\n"))
    lead = make_lead(score=55)
    assert plain.score(lead, now=NOW) is lead
    assert plain.score(lead, now=NOW).get("score") == 55


def test_rules_replace_the_score_the_lead_came_with() -> None:
    assert score(score=99, company_size=250) == 20.0


def test_a_rule_without_when_always_adds_its_points() -> None:
    router = Router(config(ROUTING.replace("  rules:\n", "  rules:\n    - {points: 3}\n")))
    assert router.score(make_lead(), now=NOW).get("score") == 3.0


BASE = """\
timezone: UTC
reps: [{id: ana, teams: [sdr]}]
pools:
  nurture: {members: [team:sdr]}
routing:
  - {name: r, assign: {team: sdr}}
"""


def problems(extra: str, base: str = BASE) -> list[tuple[str, str]]:
    with pytest.raises(RoutingFileError) as caught:
        parse_routing_text(base + textwrap.dedent(extra), source="routing.yaml")
    return [(problem.path, problem.message) for problem in caught.value.problems]


def test_an_unknown_activity_names_its_path_and_the_closest_type() -> None:
    got = problems(
        """\
        scoring:
          rules:
            - {when: {field: budget, gte: 1}, points: 5}
            - {activity: link_click, points: 5}
        """
    )
    assert got == [
        (
            "scoring.rules[1].activity",
            "unknown activity 'link_click' (did you mean 'link_clicked'?) (activities: "
            "email_opened, email_replied, link_clicked, page_visited, form_submitted, "
            "content_downloaded, webinar_attended, meeting_booked)",
        )
    ]


def test_a_negative_decay_is_refused_at_its_path() -> None:
    got = problems(
        """\
        scoring:
          rules:
            - {activity: email_opened, points: 5, decay_per_day: -0.5}
        """
    )
    assert got == [("scoring.rules[0].decay_per_day", "must not be negative (got -0.5)")]


def test_decay_on_a_field_rule_is_an_unknown_key() -> None:
    got = problems(
        """\
        scoring:
          rules:
            - {when: {field: budget, gte: 1}, points: 5, decay_per_day: 1}
        """
    )
    assert got == [("scoring.rules[0].decay_per_day", "unknown key 'decay_per_day'")]


def test_a_grade_must_be_a_number() -> None:
    got = problems("scoring:\n  grades: {hot: high, warm: 40}\n")
    assert got == [("scoring.grades.hot", "expected a number, got 'high'")]


def test_a_bad_condition_in_a_scoring_rule_names_its_path() -> None:
    got = problems("scoring:\n  rules:\n    - {when: {field: size, gte: big}, points: 5}\n")
    assert [path for path, _ in got] == ["scoring.rules[0].when.gte"]


def test_a_nurture_threshold_needs_a_declared_nurture_pool() -> None:
    without_pool = BASE.replace("pools:\n  nurture: {members: [team:sdr]}\n", "")
    got = problems("qualify:\n  nurture_below: 40\n", base=without_pool)
    assert [path for path, _ in got] == ["qualify.nurture_pool"]
    assert got[0][1].startswith("pool 'nurture' is not declared under pools: add it")


def test_an_unknown_nurture_pool_is_refused_with_the_closest_pool() -> None:
    got = problems("qualify:\n  nurture_below: 40\n  nurture_pool: nurtur\n")
    assert got == [
        (
            "qualify.nurture_pool",
            "pool 'nurtur' is not declared under pools: add it (who may pull nurture leads, "
            "in which order) (did you mean 'nurture'?)",
        )
    ]


def test_a_nurture_pool_without_a_threshold_is_not_checked() -> None:
    parsed = parse_routing_text(BASE + "qualify:\n  nurture_pool: elsewhere\n", source="r")
    assert parsed.qualify is not None
    assert parsed.qualify.nurture_below is None


def test_scoring_and_qualify_parse_into_typed_values() -> None:
    parsed = config()
    assert parsed.scoring.grades == (("hot", 70.0), ("warm", 40.0))
    assert [(a.activity, a.points, a.decay_per_day) for a in parsed.scoring.activities] == [
        ("email_opened", 2.0, 0.5),
        ("link_clicked", 10.0, 1.0),
        ("meeting_booked", 30.0, 0.0),
    ]
    assert len(parsed.scoring.rules) == 8


def test_activity_points_at_a_given_age() -> None:
    rule = ROUTER.config.scoring.activities[1]
    happened = datetime(2026, 3, 1, 12, 0, tzinfo=NOW.tzinfo)
    assert rule.points_at(happened, happened + timedelta(hours=36)) == 8.5
