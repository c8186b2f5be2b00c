"""Metric formulas on a hand-computed fixture: eight leads, four reps, three rules (round robin,
weighted, top performer), two sources and a pool. Every expected number below is worked out
by hand in the comments from the facts, not by running the code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from leadroute.domain.errors import InvalidInput
from leadroute.reports.charts import bar_chart
from leadroute.reports.export import csv_text
from leadroute.reports.facts import LeadFact
from leadroute.reports.fairness import fairness, intention
from leadroute.reports.groups import parse_by
from leadroute.reports.metrics import Summary, summarize
from leadroute.reports.periods import parse_period
from leadroute.reports.stats import gini
from leadroute.routing.config import Reporting, RoutingConfig
from tests.factories import NEW_YORK, make_config, make_rep, make_rule

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # 05:00 on 2 March in New York
DAY = timedelta(days=1)


def config() -> RoutingConfig:
    base = make_config(
        [
            make_rep(id="ana", teams=["sdr"]),
            make_rep(id="bob", teams=["sdr", "enterprise"], weight=3),
            make_rep(id="cy", teams=["enterprise"], weight=1),
            make_rep(id="dee", teams=["nurture"]),  # in no rule: gets nothing, intends nothing
        ],
        [
            make_rule("rotation", team="sdr", select="round_robin"),
            make_rule("enterprise desk", team="enterprise", select="weighted"),
            make_rule("top", team="sdr", select="top_performer"),
            make_rule("junk", pool="review"),
        ],
        pools=["review"],
        timezone=NEW_YORK,
    )
    reporting = Reporting(cost_per_lead={"paid": 40, "*": 10}, lifetime_value_field="ltv")
    return RoutingConfig(
        timezone=base.timezone,
        reps=base.reps,
        rules=base.rules,
        pools=base.pools,
        reporting=reporting,
    )


def fact(lead_id: str, **values: Any) -> LeadFact:
    values.setdefault("received_at", T0)
    received = values["received_at"]
    for name in ("touched_at", "closed_at"):
        if isinstance(values.get(name), timedelta):
            values[name] = received + values[name]
    return LeadFact(id=lead_id, **values)


FACTS = [
    fact(
        "L1",
        source="paid",
        owner="ana",
        routed_to="ana",
        rule="rotation",
        status="won",
        amount=1000.0,
        touched_at=timedelta(seconds=60),
        closed_at=2 * DAY,
        sla=True,
        fields={"segment": "smb", "ltv": 5000},
        activities={"email_opened": 2},
    ),
    fact(
        "L2",
        source="paid",
        owner="ana",
        routed_to="ana",
        rule="rotation",
        status="lost",
        touched_at=timedelta(seconds=120),
        closed_at=DAY,
        sla=True,
        sla_missed=True,
        fields={"segment": "smb"},
    ),
    fact(
        "L3",
        source="organic",
        owner="bob",
        routed_to="bob",
        rule="rotation",
        status="won",
        amount=3000.0,
        touched_at=timedelta(seconds=300),
        closed_at=4 * DAY,
        sla=True,
        fields={"segment": "mid", "ltv": "7000"},
        activities={"email_opened": 1, "link_clicked": 3},
        reassignments=1,
        capped=("ana",),
    ),
    fact("L4", source="organic", pooled_in="review", rule="junk", status="routed"),
    fact(
        "L5",
        owner="bob",
        routed_to="bob",
        rule="enterprise desk",
        status="touched",
        touched_at=timedelta(seconds=600),
        sla=True,
        capped=("cy",),
    ),
    fact(
        "L6",
        source="paid",
        owner="cy",
        routed_to="cy",
        rule="enterprise desk",
        status="won",
        amount=2000.0,
        closed_at=DAY,
        sla=True,  # never touched, never missed: pending, left out of the hit rate
        fields={"ltv": True},  # not a number
    ),
    fact(
        "L7",
        received_at=datetime(2026, 3, 3, 3, 0, tzinfo=UTC),  # 22:00 on 2 March in New York
        source="paid",
        owner="ana",
        routed_to="ana",
        rule="top",
        status="lost",
        closed_at=DAY,
    ),
    fact(
        "L8",
        received_at=datetime(2026, 3, 3, 15, 0, tzinfo=UTC),  # 3 March in New York
        source="organic",
        owner="bob",  # first routed to ana, re-assigned to bob
        routed_to="ana",
        rule="rotation",
        status="touched",
        touched_at=timedelta(hours=1),
        reassignments=1,
        experiment="exp",
        arm="variant",
    ),
]


def rows(summary: Summary) -> dict[str, dict[str, Any]]:
    body = summary.as_dict()
    found = body["rows"]
    assert isinstance(found, list)
    return {row["group"]: row for row in found}


def test_by_rep_every_metric() -> None:
    summary = summarize(FACTS, config(), by="rep")
    by_rep = rows(summary)
    assert list(by_rep) == ["ana", "bob", "cy", "dee", "(none)"]
    ana = by_rep["ana"]  # L1, L2, L7
    assert ana["keys"] == {"rep": "ana"}
    assert (ana["leads"], ana["routed"], ana["pooled"], ana["touched"]) == (3, 3, 0, 2)
    assert (ana["won"], ana["lost"], ana["decided"], ana["conversion"]) == (1, 2, 3, 0.3333)
    assert (ana["conversion_low"], ana["conversion_high"]) == (0.0615, 0.7923)
    # touches after 60 s and 120 s: median 90, p90 60 + 0.9 * 60
    assert (ana["speed_to_lead_median_s"], ana["speed_to_lead_p90_s"]) == (90.0, 114.0)
    # L1 hit, L2 missed, L7 ran no SLA
    assert (ana["sla_leads"], ana["sla_hits"], ana["sla_misses"], ana["sla_hit_rate"]) == (
        2,
        1,
        1,
        0.5,
    )
    assert ana["cycle_median_days"] == 2.0
    assert (ana["sales"], ana["avg_deal"]) == (1000.0, 1000.0)
    # three paid leads at 40
    assert (ana["cost"], ana["cost_per_lead"], ana["cost_per_won"]) == (120.0, 40.0, 120.0)
    assert ana["avg_lifetime_value"] == 5000.0
    assert ana["activities"]["email_opened"] == 2
    assert ana["activities"]["link_clicked"] == 0
    assert ana["reassignments"] == 0
    assert ana["cap_hits"] == 1  # L3's decision skipped ana for a cap
    # first decisions to ana: L1, L2, L7, L8 of the 7 routed; rotation's 4 leads intend 2
    # to ana and 2 to bob, enterprise desk's 2 leads 1.5 to bob and 0.5 to cy; top intends
    # nothing: ana 2 of 6
    assert (ana["share"], ana["intended_share"]) == (0.5714, 0.3333)

    bob = by_rep["bob"]  # L3, L5, L8
    assert (bob["leads"], bob["routed"], bob["won"], bob["lost"], bob["conversion"]) == (
        3,
        3,
        1,
        0,
        1.0,
    )
    assert (bob["conversion_low"], bob["conversion_high"]) == (0.2065, 1.0)
    # 300, 600, 3600 s: p90 at rank 1.8 is 600 + 0.8 * 3000
    assert (bob["speed_to_lead_median_s"], bob["speed_to_lead_p90_s"]) == (600.0, 3000.0)
    assert (bob["sla_leads"], bob["sla_hit_rate"]) == (2, 1.0)
    assert bob["cycle_median_days"] == 4.0
    # organic 10, no source 10 ("*"), organic 10
    assert (bob["cost"], bob["cost_per_lead"], bob["cost_per_won"]) == (30.0, 10.0, 30.0)
    assert bob["avg_lifetime_value"] == 7000.0  # "7000" reads as a number
    assert (bob["activities"]["email_opened"], bob["activities"]["link_clicked"]) == (1, 3)
    assert (bob["reassignments"], bob["cap_hits"]) == (2, 0)
    assert (bob["share"], bob["intended_share"]) == (0.2857, 0.5833)  # 2 of 7; 3.5 of 6

    cy = by_rep["cy"]  # L6: won untouched, SLA pending
    assert (cy["leads"], cy["won"], cy["touched"], cy["speed_to_lead_median_s"]) == (1, 1, 0, None)
    assert (cy["sla_leads"], cy["sla_hits"], cy["sla_misses"], cy["sla_hit_rate"]) == (
        1,
        0,
        0,
        None,
    )
    assert (cy["avg_lifetime_value"], cy["cap_hits"]) == (None, 1)
    assert (cy["share"], cy["intended_share"]) == (0.1429, 0.0833)

    dee = by_rep["dee"]
    assert (dee["leads"], dee["conversion"], dee["share"], dee["intended_share"]) == (
        0,
        None,
        0.0,
        None,
    )
    assert (dee["sales"], dee["cost"], dee["cost_per_lead"], dee["avg_deal"]) == (
        0.0,
        0.0,
        None,
        None,
    )
    nobody = by_rep["(none)"]  # L4, pooled
    assert (nobody["leads"], nobody["routed"], nobody["pooled"], nobody["cost"]) == (1, 0, 1, 10.0)
    assert (nobody["share"], nobody["intended_share"]) == (None, None)


def test_totals_count_each_lead_once() -> None:
    totals = summarize(FACTS, config(), by="team").totals
    assert (totals.group, totals.leads, totals.routed, totals.pooled) == ("(all)", 8, 7, 1)
    assert (totals.won, totals.lost, totals.decided, totals.conversion) == (3, 2, 5, 0.6)
    assert (totals.conversion_low, totals.conversion_high) == (0.2307, 0.8824)
    # 60, 120, 300, 600, 3600: p90 at rank 3.6 is 600 + 0.6 * 3000
    assert (totals.speed_to_lead_median_s, totals.speed_to_lead_p90_s) == (300.0, 2400.0)
    assert (totals.sla_leads, totals.sla_hits, totals.sla_misses) == (5, 3, 1)
    assert totals.sla_hit_rate == 0.75
    assert totals.cycle_median_days == 2.0  # won after 2, 4 and 1 days
    assert (totals.sales, totals.avg_deal) == (6000.0, 2000.0)
    # four paid at 40, four others at 10
    assert (totals.cost, totals.cost_per_lead, totals.cost_per_won) == (200.0, 25.0, 66.67)
    assert totals.avg_lifetime_value == 6000.0
    assert (totals.activities["email_opened"], totals.activities["link_clicked"]) == (3, 3)
    assert (totals.reassignments, totals.cap_hits) == (2, 2)  # L3 and L5 skipped a capped rep
    assert "share" not in totals.as_dict()


def test_by_team_a_lead_counts_in_each_team_of_its_owner() -> None:
    by_team = rows(summarize(FACTS, config(), by="team"))
    assert list(by_team) == ["enterprise", "nurture", "sdr", "(none)"]
    assert by_team["sdr"]["leads"] == 6  # ana's 3 and bob's 3
    assert by_team["enterprise"]["leads"] == 4  # bob's 3 and cy's 1
    assert (by_team["nurture"]["leads"], by_team["(none)"]["leads"]) == (0, 1)
    assert by_team["enterprise"]["cap_hits"] == 2  # leads skipping someone for a cap: L3, L5
    assert by_team["enterprise"]["won"] == 2
    assert "share" not in by_team["sdr"]


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("source", {"organic": 3, "paid": 4, "(none)": 1}),
        ("rule", {"enterprise desk": 2, "junk": 1, "rotation": 4, "top": 1}),
        ("day", {"2026-03-02": 7, "2026-03-03": 1}),
        ("week", {"2026-W10": 8}),
        ("month", {"2026-03": 8}),
        ("arm", {"exp:variant": 1, "(none)": 7}),
        ("version", {"(none)": 8}),
        ("segment", {"mid": 1, "smb": 2, "(none)": 5}),
        ("field:segment", {"mid": 1, "smb": 2, "(none)": 5}),
    ],
)
def test_groupings(by: str, expected: dict[str, int]) -> None:
    found = rows(summarize(FACTS, config(), by=by))
    assert {group: row["leads"] for group, row in found.items()} == expected
    assert list(found) == list(expected)  # natural order, "(none)" last


def test_several_keys_and_cap_hits_by_rep() -> None:
    found = rows(summarize(FACTS, config(), by="rep,source"))
    ana_paid = found["ana · paid"]
    assert ana_paid["keys"] == {"rep": "ana", "source": "paid"}
    assert (ana_paid["leads"], ana_paid["won"], ana_paid["cap_hits"]) == (3, 1, 0)
    # ana owns no organic lead, but organic L3's decision skipped her for a cap
    assert (found["ana · organic"]["leads"], found["ana · organic"]["cap_hits"]) == (0, 1)
    assert found["bob · organic"]["leads"] == 2
    assert found["cy · (none)"]["cap_hits"] == 1  # L5 has no source
    assert "share" not in ana_paid


def test_lists_fall_in_each_item() -> None:
    tagged = [
        fact("A", fields={"tags": ["x", "y"]}),
        fact("B", fields={"tags": ["y"]}),
        fact("C", fields={"tags": []}),
    ]
    found = rows(summarize(tagged, config(), by="field:tags"))
    assert {group: row["leads"] for group, row in found.items()} == {"x": 1, "y": 2, "(none)": 1}


def test_fairness_over_the_whole_roster() -> None:
    result = fairness(FACTS, config())
    assert result.routed == 7
    # routed to ana 4, bob 2, cy 1, dee 0: mean absolute difference 26/16 over twice 7/4
    assert result.gini_routed == 0.4643
    # by the rules with an intention: ana 3 of 2 intended, bob 2 of 3.5, cy 1 of 0.5; ratios
    # 3/2, 4/7, 2: Gini (2 * 40/14 / 9) / (2 * 57/42) = 40/171
    assert result.gini_vs_intended == 0.2339
    assert [entry.rep for entry in result.reps] == ["ana", "bob", "cy", "dee"]


def test_fair_rotation_has_zero_gini() -> None:
    facts = [
        fact(f"L{n}", owner=rep, routed_to=rep, rule="rotation")
        for n, rep in enumerate(["ana", "bob", "ana", "bob"])
    ]
    result = fairness(facts, config())
    assert result.gini_vs_intended == 0.0
    assert {e.rep: e.intended_share for e in result.reps} == {
        "ana": 0.5,
        "bob": 0.5,
        "cy": None,
        "dee": None,
    }


def test_intentions_of_round_robin_and_weighted() -> None:
    cfg = config()
    rules = {rule.name: rule for rule in cfg.rules}
    assert intention(rules["rotation"], cfg.reps) == {"ana": 0.5, "bob": 0.5}
    assert intention(rules["enterprise desk"], cfg.reps) == {"bob": 0.75, "cy": 0.25}
    assert intention(rules["top"], cfg.reps) is None
    assert intention(rules["junk"], cfg.reps) is None
    everyone = make_rule("everyone", select="round_robin")
    assert intention(everyone, cfg.reps) == dict.fromkeys(["ana", "bob", "cy", "dee"], 0.25)
    named = make_rule("named", reps=["cy", "ana"], select="weighted")
    assert intention(named, cfg.reps) == {"cy": 0.5, "ana": 0.5}


@pytest.mark.parametrize(
    ("values", "expected"),
    [([1, 1, 1], 0.0), ([0, 0, 1], 2 / 3), ([0, 0, 0], None), ([], None), ([1, 3], 0.25)],
)
def test_gini_of_known_vectors(values: list[float], expected: float | None) -> None:
    assert gini(values) == (None if expected is None else pytest.approx(expected))


def test_unknown_grouping_says_what_was_meant() -> None:
    with pytest.raises(InvalidInput) as raised:
        summarize(FACTS, config(), by="reps")
    (problem,) = raised.value.problems
    assert problem.path == "by"
    assert problem.message.startswith("unknown grouping 'reps' (did you mean 'rep'?)")
    with pytest.raises(InvalidInput):
        parse_by("rep,,source")
    with pytest.raises(InvalidInput):
        parse_by("field:")
    assert parse_by("rep, source,rep") == ("rep", "source")
    assert parse_by("country") == ("field:country",)  # a standard lead field
    assert parse_by("segment", fields={"segment"}) == ("field:segment",)


def test_no_leads() -> None:
    summary = summarize([], config(), by="source")
    assert summary.rows == ()
    assert (summary.totals.leads, summary.totals.conversion, summary.totals.cost) == (0, None, 0.0)
    assert (summary.fairness.gini_routed, summary.fairness.gini_vs_intended) == (None, None)


def test_periods_read_dates_in_the_routing_timezone() -> None:
    now = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # still 9 March in New York
    default = parse_period(None, None, timezone=NEW_YORK, now=now)
    # today (9 March in New York) included; 30 days back across the DST change of 8 March
    assert default.start == datetime(2026, 2, 8, tzinfo=NEW_YORK)
    assert default.end == datetime(2026, 3, 10, tzinfo=NEW_YORK)
    assert default.end.utcoffset() == timedelta(hours=-4)
    given = parse_period("2026-03-01", "2026-03-02T09:00:00+00:00", timezone=NEW_YORK, now=now)
    assert given.start == datetime(2026, 3, 1, 5, 0, tzinfo=UTC)
    assert given.end == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert given.holds(given.start)
    assert not given.holds(given.end)
    naive = parse_period("2026-03-01T08:00", None, timezone=NEW_YORK, now=now)
    assert naive.start == datetime(2026, 3, 1, 8, 0, tzinfo=NEW_YORK)
    with pytest.raises(InvalidInput) as raised:
        parse_period("yesterday", "2026-13-01", timezone=NEW_YORK, now=now)
    assert [problem.path for problem in raised.value.problems] == ["to", "from"]


def test_csv_spreads_keys_and_activities_into_columns() -> None:
    text = csv_text(summarize(FACTS, config(), by="rep,source").as_dict())
    header, *lines = text.splitlines()
    columns = header.split(",")
    assert columns[:5] == ["group", "rep", "source", "leads", "routed"]
    assert "activities.email_opened" in columns
    assert "share" not in columns
    assert lines[0].startswith("ana · organic,ana,organic,0,0,")  # a cap hit, no lead
    assert lines[1].startswith("ana · paid,ana,paid,3,3,")
    assert lines[-1].startswith("(all),,,8,7,")


def test_charts_are_deterministic_and_check_their_metric() -> None:
    found = summarize(FACTS, config(), by="rep").as_dict()["rows"]
    assert isinstance(found, list)
    first = bar_chart(found, "conversion", title="conversion by rep")
    assert first == bar_chart(found, "conversion", title="conversion by rep")
    assert first.startswith(b"<?xml")
    assert b"<svg" in first
    png = bar_chart(found, "activities.email_opened", title="opens", image_format="png")
    assert png.startswith(b"\x89PNG")
    with pytest.raises(InvalidInput) as raised:
        bar_chart(found, "conversoin", title="x", image_format="gif")
    assert [str(problem) for problem in raised.value.problems] == [
        "metric: unknown metric 'conversoin' (did you mean 'conversion'?)",
        "format: 'gif': expected svg, png",
    ]
