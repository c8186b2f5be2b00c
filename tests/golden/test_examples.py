"""Golden tests: every examples/*/ scenario replays to exactly its expected.jsonl.

Regenerate the expected files after an intended change of output with

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/golden

then read the diff line by line before committing it.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadroute.cli import app
from leadroute.simulate.scenario import Event, read_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILES = ("routing.yaml", "scenario.jsonl", "expected.jsonl")
DIRS = sorted(path for path in EXAMPLES.iterdir() if path.is_dir())
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

Line = dict[str, object]


def replay(example: Path) -> str:
    """The replay output of an example, exactly as the CLI prints it."""
    result = CliRunner().invoke(
        app, ["replay", str(example / "routing.yaml"), str(example / "scenario.jsonl")]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def lines(name: str) -> list[Line]:
    text = (EXAMPLES / name / "expected.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def decisions(name: str) -> dict[str, Line]:
    return {str(line["lead"]): line for line in lines(name) if "trace" in line}


def owners(name: str) -> dict[str, object]:
    return {lead: line["rep"] or f"pool:{line['pool']}" for lead, line in decisions(name).items()}


@pytest.mark.parametrize("example", DIRS, ids=[path.name for path in DIRS])
def test_example_replays_to_its_expected_output(example: Path) -> None:
    expected = example / "expected.jsonl"
    output = replay(example)
    if UPDATE:
        expected.write_text(output, encoding="utf-8", newline="\n")
    assert output == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("example", DIRS, ids=[path.name for path in DIRS])
def test_example_check_passes(example: Path) -> None:
    result = CliRunner().invoke(app, ["check", str(example / "routing.yaml")])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("example", DIRS, ids=[path.name for path in DIRS])
def test_two_runs_are_byte_identical(example: Path) -> None:
    assert replay(example).encode() == replay(example).encode()


def test_every_example_has_its_files_and_is_documented() -> None:
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    assert DIRS, "no examples found"
    for example in DIRS:
        missing = [name for name in FILES if not (example / name).is_file()]
        assert not missing, f"{example.name} lacks {missing}"
        assert f"examples/{example.name}/" in readme, f"{example.name} is not in README.md"
        unmatched = answered_events(example.name)
        assert not unmatched, f"{example.name}: {unmatched}"


# Lines a timer prints on its own (always with `at`), and the lines after which the lead's next
# decision line may follow (an activity's, when it lifts a nurtured lead over the threshold).
TIMER_LINES = (
    "expired",
    "returned",
    "overdue",
    "reminder",
    "sla_missed",
    "escalated",
    "reassigned",
)
FOLLOWED = ("expired", "overdue", "reassigned", "decline", "release", "outcome", "activity")


def answered_events(name: str) -> list[str]:
    """Check that every scenario event is answered, in order, by a line of its kind (a lead
    event by its decision line), and that every other line is a timer's (with `at`) or the
    next decision of the lead a timer, decline, release, outcome or activity just moved.
    Returns what does not fit."""
    text = (EXAMPLES / name / "scenario.jsonl").read_text(encoding="utf-8")
    events = read_scenario(text.splitlines(), source=name)
    problems: list[str] = []
    index, moved = 0, None
    for number, line in enumerate(lines(name), start=1):
        first = next(iter(line))
        event = events[index] if index < len(events) else None
        if first in TIMER_LINES:
            if "at" not in line:
                problems.append(f"line {number}: a timer line without at")
            moved = line[first] if first in FOLLOWED else None
        elif event is not None and _answers(line, event):
            index += 1
            moved = _subject(event) if event.kind in FOLLOWED else None
        elif first == "lead" and line["lead"] == moved:
            moved = None
        else:
            problems.append(f"line {number}: {first} line answers no event")
    if index != len(events):
        problems.append(f"{len(events) - index} events have no line")
    return problems


def _answers(line: Line, event: Event) -> bool:
    first = next(iter(line))
    if event.kind != "lead":
        return first == event.kind
    return first == "lead" and line["lead"] == str(event.body.get("id", f"line{event.line}"))


def _subject(event: Event) -> object:
    return event.body.get("lead")


def test_round_robin_skips_the_away_rep_and_gives_them_the_next_turn() -> None:
    assert list(owners("round_robin").values()) == [
        *("ana", "bob", "cho", "ana", "bob", "cho"),
        "pool:unassigned",
    ]


def test_weighted_splits_twelve_leads_six_four_two() -> None:
    assert Counter(owners("weighted").values()) == {"maya": 6, "jonas": 4, "lucia": 2}


def test_top_performer_eight_of_ten_beats_one_of_one() -> None:
    last = decisions("top_performer")["P12"]
    assert last["rep"] == "priya"
    assert "0.75 (8 won, 2 lost)" in str(last["reason"])
    won_by_tom = [line for line in lines("top_performer") if line.get("outcome") == "P2"]
    assert won_by_tom == [
        {"outcome": "P2", "result": "won", "amount": 18000, "rep": "tom", "ok": True}
    ]


def test_territory_most_specific_wins_and_names_are_normalised() -> None:
    got = owners("territory")
    assert got["T1"] == got["T2"] == "carla"  # US-FL rep beats the US rep; "Florida" normalised
    assert (got["T3"], got["T4"], got["T5"], got["T6"]) == ("dan", "frank", "elena", "frank")
    assert got["T7"] == "dan"  # the US-FL rep is away: the country rep covers
    assert got["T8"] == got["T9"] == "pool:unassigned"


def test_demographics_routes_by_size_industry_and_language() -> None:
    got = owners("demographics")
    assert (got["D1"], got["D2"], got["D3"]) == ("mark", "ines", "hana")
    assert (got["D4"], got["D5"], got["D6"]) == ("lea", "pablo", "pablo")
    assert decisions("demographics")["D7"]["rule"] == "smb general"


def test_source_and_product_specialists() -> None:
    source = owners("source_specialist")
    assert (source["S1"], source["S2"], source["S3"], source["S4"]) == (
        "rosa",
        "kevin",
        "amir",
        "zoe",
    )
    product = owners("product_specialist")
    assert (product["R1"], product["R3"], product["R6"]) == ("nora", "raul", "nora")
    assert (product["R2"], product["R4"], product["R7"]) == ("ada", "ben", "gail")


def test_group_based_rotates_inside_each_team() -> None:
    got = owners("group_based")
    assert [got[k] for k in ("G1", "G3", "G5")] == ["anna", "pierre", "anna"]
    assert [got[k] for k in ("G2", "G4", "G6", "G7", "G9")] == [
        *("mike", "laura", "sam", "mike", "laura")
    ]
    assert got["G8"] == "pool:unassigned"


def test_load_balancing_caps_hit_then_overflow_least_loaded() -> None:
    got = decisions("load_balancing_caps")
    assert [got[f"C{i}"]["rep"] for i in range(1, 5)] == ["ana", "ana", "bob", "bob"]
    assert "cap day 2/2" in json.dumps(got["C5"]["trace"])
    assert [got[f"C{i}"]["rep"] for i in range(5, 10)] == ["dee", "eli", "eli", "dee", "eli"]
    assert got["C10"]["rep"] == "ana"  # a new day resets the day cap


def test_specific_criteria() -> None:
    got = owners("specific_criteria")
    assert got["X2"] == got["X4"] == "ana"  # budget above 100000
    assert got["X5"] == "bob"  # budget exactly 100000 is not above; demo goes to sales
    assert got["X3"] == "mia"
    assert got["X7"] == "cho"  # ana away: the big-budget rule falls through to sales


def test_fallback_falls_through_then_parks() -> None:
    got = owners("fallback")
    assert got["F1"] == "sara"
    assert got["F3"] == "pool:enterprise_queue"
    assert got["F5"] == "pool:triage"
    assert got["F6"] == "lucia"


def test_account_owner_sticks_except_for_free_mail() -> None:
    got = owners("account_owner")
    assert got["A4"] == got["A1"] == "ana"
    assert got["A6"] == got["A2"] == "bob"
    assert got["A5"] != got["A3"]
    assert decisions("account_owner")["A5"]["rule"] == "sdr rotation"


def test_pools_claims() -> None:
    claims = [line for line in lines("pools") if "claim" in line]
    assert [(c["rep"], c["lead"], c["ok"]) for c in claims] == [
        ("cleo", "Q2", True),
        ("sara", "Q3", True),
        ("sara", "Q7", True),
        ("sara", None, False),
        ("cleo", None, False),
        ("owen", "Q6", True),
        ("owen", "Q7", False),
        ("owen", "Q4", True),
        ("owen", "Q3", True),
        ("cleo", "Q1", False),
        ("cleo", "Q2", True),
    ]
    assert claims[3]["reason"] == "wip limit 2/2"
    assert "blind" in str(claims[9]["reason"])


def test_pools_claim_ttl_and_release_put_leads_back_at_their_place() -> None:
    got = lines("pools")
    returned = [line for line in got if "returned" in line]
    assert [(r["returned"], r["rep"], r["at"]) for r in returned] == [
        ("Q2", "cleo", "2026-03-02T10:30:00-05:00")
    ]  # cleo touched Q2 after claiming it again: it was not returned a second time
    released = next(n for n, line in enumerate(got) if line.get("release") == "Q3")
    assert got[released + 1] == {
        "lead": "Q3",
        "rep": None,
        "pool": "nurture",
        "reason": "released by sara: back to pool nurture at its old place",
    }
    # Q8 entered nurture after Q3 was released, but Q3 kept its place ahead of it.
    assert {"claim": "nurture", "rep": "owen", "lead": "Q3", "ok": True} in got[released:]


def test_offers_decline_time_out_and_give_back_the_cap() -> None:
    got = lines("offers")
    offers = [
        (line["lead"], line["rep"], _get(line["offer"], "number"))
        for line in got
        if "offer" in line
    ]
    assert offers == [
        ("D1", "ana", 1),
        ("D2", "bob", 1),
        ("D2", "cho", 2),
        ("D4", "ana", 1),
        ("D4", "bob", 2),
        ("D5", "cho", 1),
        ("D6", "bob", 1),
        ("D6", "cho", 2),
    ]
    assert [(line["expired"], line["rep"]) for line in got if "expired" in line] == [
        ("D4", "ana"),
        ("D6", "bob"),
        ("D6", "cho"),
    ]
    assert owners("offers")["D4"] == owners("offers")["D6"] == "pool:demo_backlog"
    # Ana's expired offer of D4 gave back her cap: she can still claim D4 from the backlog.
    assert {"claim": "demo_backlog", "rep": "ana", "lead": "D4", "ok": True} in got
    first_offer_of_d6 = next(line for line in got if line.get("lead") == "D6")
    assert "skipped ana (cap day 2/2)" in str(first_offer_of_d6["reason"])


def test_handoff_sdrs_qualify_and_closers_close() -> None:
    handed = {line["lead"]: line for line in lines("handoff") if "qualified_by" in line}
    assert {lead: (line["rep"], line["qualified_by"]) for lead, line in handed.items()} == {
        "352409af": ("carlos", "rafael"),
        "4926b735": ("beatriz", "lucas"),
        "90d2301e": ("fernanda", "rafael"),
        "1b34d47c": (None, "lucas"),
        "c2dd0b60": ("carlos", "lucas"),
    }
    assert handed["1b34d47c"]["pool"] == "closers"  # qualified after the closers' hours
    won = [line["rep"] for line in lines("handoff") if line.get("result") == "won"]
    assert won == ["carlos", "beatriz", "fernanda", "carlos", "carlos"]


def test_triage_leads_are_assigned_by_hand() -> None:
    got = lines("triage")
    assert owners("triage")["S1"] == owners("triage")["S5"] == "pool:triage"
    assigned = [(line["assign"], line["rep"], line["ok"]) for line in got if "assign" in line]
    assert assigned == [
        ("S1", "amelia", True),
        ("S5", "zara", False),
        ("S5", "olivia", True),
        ("S6", "olivia", False),
        ("S2", "harry", False),
        ("S3", "amelia", True),
    ]
    assert "cap day 2/2" in str(decisions("triage")["S3"]["reason"])


def test_pool_aging_escalates_retries_and_reports() -> None:
    got = lines("pool_aging")
    overdue = [(line["overdue"], str(line["at"])[11:16]) for line in got if "overdue" in line]
    assert overdue == [("A2", "08:40"), ("A3", "09:35"), ("A3", "10:05"), ("P1", "12:30")]
    assert owners("pool_aging") == {
        "A1": "pool:inbound",
        "A2": "maya",
        "A3": "maya",
        "P1": "pool:partner_referrals",
    }


def test_working_hours_follow_the_sun() -> None:
    got = owners("working_hours")
    assert (got["H1"], got["H2"], got["H3"]) == ("ana", "kenji", "emma")
    assert got["H4"] == got["H6"] == got["H8"] == "pool:after_hours"
    assert got["H5"] == "ana"  # urgent: any_hours
    assert got["H7"] == "emma"  # Thanksgiving for ana


def test_qualification_disqualifies_nurtures_and_passes_warmed_leads_to_sales() -> None:
    got = lines("qualification")
    assert owners("qualification") == {
        "Q1": "ines",  # hot on fit alone: 70
        "Q2": "theo",  # nurtured at 30, passed to sales at 42.25 by two opens and a click
        "Q3": "pool:None",
        "Q4": "pool:None",
        "Q5": "pool:None",
        "Q6": "pool:None",
        "Q7": "pool:nurture",
        "Q8": "maya",
    }
    rules = {lead: str(line["reason"]) for lead, line in decisions("qualification").items()}
    assert "disqualified by competitor" in rules["Q3"]
    assert "disqualified by free mail" in rules["Q4"]
    assert "disqualified by unserved country" in rules["Q5"]
    assert "disqualified by test entry" in rules["Q6"]
    scores = [(line["activity"], line["score"]) for line in got if "activity" in line]
    assert scores == [
        ("Q2", 33.0),
        ("Q2", 35.83),
        ("Q2", 42.25),
        ("Q3", 38.0),
        ("Q2", 45.92),
        ("Q2", 66.33),
    ]
    clicked = next(n for n, line in enumerate(got) if line.get("score") == 42.25)
    assert got[clicked + 1]["lead"] == "Q2"  # routed right after the activity that lifted it
    assert {"claim": "nurture", "rep": "theo", "lead": "Q7", "ok": True} in got
    refused = [line for line in got if line.get("claim") and line["ok"] is False]
    assert [line["reason"] for line in refused] == ["lead Q3 is disqualified"]


def _get(value: object, key: str) -> object:
    assert isinstance(value, dict), value
    return value[key]
