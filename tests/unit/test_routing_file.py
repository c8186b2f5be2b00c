"""`leadroute check`, `replay` and `route` on routing files written into tmp_path."""

from __future__ import annotations

import json
import re
from pathlib import Path
from textwrap import dedent

import pytest
from typer.testing import CliRunner

from leadroute.cli import app

runner = CliRunner()

VALID = """\
timezone: America/New_York
reps:
  - id: ana
    name: Ana Souza
    teams: [sdr]
    skills: [es, pt]
    territories: [US-FL, BR]
    weight: 2
    caps: {day: 20, month: 150, open: 40}
    hours: "mon-fri 09:00-17:00"
    timezone: America/Sao_Paulo
  - {id: bob, teams: [sdr, enterprise]}
pools:
  nurture: {members: [team:sdr], order: fifo, visibility: full, wip_limit: 10}
scoring:
  rules:
    - {when: {field: company_size, gte: 1000}, points: 30}
routing:
  - name: existing account owner
    assign: {owner_of: account}
  - name: enterprise
    when: {all: [{field: company_size, gte: 1000}, {field: country, in: [US, CA]}]}
    assign: {team: enterprise, select: top_performer}
  - name: low score
    when: {field: score, lt: 20}
    pool: nurture
  - name: by territory
    assign: {team: sdr, select: round_robin, territory: true}
    on_empty: {pool: nurture}
fallback: {pool: unassigned}
"""

REP = "  - {id: ana, teams: [sdr]}\n"
RULE = "routing:\n  - {name: r, assign: {team: sdr}}\n"


def write(tmp_path: Path, text: str, name: str = "routing.yaml") -> Path:
    path = tmp_path / name
    path.write_text(dedent(text), encoding="utf-8")
    return path


def check(tmp_path: Path, text: str, name: str = "routing.yaml") -> tuple[int, list[str]]:
    path = write(tmp_path, text, name)
    result = runner.invoke(app, ["check", str(path)])
    prefix = f"error: {path}: "
    lines = [
        line.removeprefix(prefix) for line in result.stderr.splitlines() if line.startswith("error")
    ]
    return result.exit_code, lines


def test_valid_file_passes(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{path}: ok (2 reps, 4 rules, 1 pools)"


def test_json_routing_file_is_accepted(tmp_path: Path) -> None:
    document = {
        "timezone": "UTC",
        "reps": [{"id": "ana", "teams": ["sdr"]}],
        "routing": [{"name": "r", "when": {"field": "x", "eq": True}, "assign": {"team": "sdr"}}],
    }
    path = write(tmp_path, json.dumps(document), "routing.json")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert "ok (1 reps, 1 rules, 0 pools)" in result.stdout


ERRORS: dict[str, tuple[str, str]] = {
    "unknown key with did-you-mean": (
        "reps:\n  - {id: ana, teams: [sdr], skils: [es]}\n" + RULE,
        "reps[0].skils: unknown key 'skils' (did you mean 'skills'?)",
    ),
    "unknown top-level key": (
        "reps:\n" + REP + "rooting: []\n",
        "rooting: unknown key 'rooting' (did you mean 'routing'?)",
    ),
    "wrong type": (
        "reps:\n  - {id: ana, teams: [sdr], weight: heavy}\n" + RULE,
        "reps[0].weight: expected a number, got 'heavy'",
    ),
    "wrong type for a cap": (
        "reps:\n  - {id: ana, caps: {day: lots}}\n",
        "reps[0].caps.day: expected a whole number, got 'lots'",
    ),
    "wrong type for a flag": (
        "reps:\n" + REP + "routing:\n  - {name: r, assign: {team: sdr, territory: maybe}}\n",
        "routing[0].assign.territory: expected true or false, got 'maybe'",
    ),
    "unknown operator": (
        "reps:\n" + REP + "routing:\n"
        "  - {name: r, when: {all: [{field: x, gtee: 1}]}, assign: {team: sdr}}\n",
        "routing[0].when.all[0].gtee: unknown operator 'gtee' (did you mean 'gte'?)",
    ),
    "bad regex": (
        "reps:\n" + REP + "routing:\n"
        "  - {name: r, when: {field: zip, matches: '(['}, assign: {team: sdr}}\n",
        "routing[0].when.matches: bad regular expression '([': "
        "unterminated character set at position 1",
    ),
    "between low above high": (
        "reps:\n" + REP + "routing:\n"
        "  - {name: r, when: {field: n, between: [9, 1]}, assign: {team: sdr}}\n",
        "routing[0].when.between: low 9 is above high 1",
    ),
    "unknown selector": (
        "reps:\n" + REP + "routing:\n  - {name: r, assign: {team: sdr, select: round_robbin}}\n",
        "routing[0].assign.select: unknown selector 'round_robbin' (did you mean 'round_robin'?)",
    ),
    "unknown team": (
        "reps:\n" + REP + "routing:\n  - {name: r, assign: {team: sdx}}\n",
        "routing[0].assign.team[0]: unknown team 'sdx' (did you mean 'sdr'?)",
    ),
    "unknown rep": (
        "reps:\n" + REP + "routing:\n  - {name: r, assign: {reps: [anna]}}\n",
        "routing[0].assign.reps[0]: unknown rep 'anna' (did you mean 'ana'?)",
    ),
    "unknown single rep": (
        "reps:\n" + REP + "routing:\n  - {name: r, assign: {rep: zed}}\n",
        "routing[0].assign.rep: unknown rep 'zed'",
    ),
    "unknown pool": (
        "reps:\n" + REP + "pools: {nurture: {}}\nrouting:\n  - {name: r, pool: nurtur}\n",
        "routing[0].pool: unknown pool 'nurtur' (did you mean 'nurture'?)",
    ),
    "unknown on_empty pool": (
        "reps:\n" + REP + "routing:\n"
        "  - {name: r, assign: {team: sdr}, on_empty: {pool: nowhere}}\n",
        "routing[0].on_empty.pool: unknown pool 'nowhere'",
    ),
    "unknown fallback pool": (
        "reps:\n" + REP + RULE + "fallback: {pool: nothere}\n",
        "fallback.pool: unknown pool 'nothere'",
    ),
    "unknown pool member": (
        "reps:\n" + REP + "pools:\n  nurture: {members: [team:sdx]}\n",
        "pools.nurture.members[0]: unknown team 'sdx' (did you mean 'sdr'?)",
    ),
    "duplicate rep id": (
        "reps:\n" + REP + REP + RULE,
        "reps[1].id: duplicate rep id 'ana' (first at reps[0])",
    ),
    "duplicate rule name": (
        "reps:\n" + REP + "routing:\n"
        "  - {name: r, assign: {team: sdr}}\n  - {name: r, assign: {team: sdr}}\n",
        "routing[1].name: duplicate rule name 'r' (first at routing[0])",
    ),
    "bad default timezone": (
        "timezone: America/New_Yrok\nreps:\n" + REP + RULE,
        "timezone: unknown timezone 'America/New_Yrok' (did you mean 'America/New_York'?)",
    ),
    "bad rep timezone": (
        "reps:\n  - {id: ana, timezone: Mars/Base}\n",
        "reps[0].timezone: unknown timezone 'Mars/Base'",
    ),
    "unparseable hours": (
        "reps:\n  - {id: ana, hours: 'mon-fry 09:00-17:00'}\n",
        "reps[0].hours: 'mon-fry' in 'mon-fry 09:00-17:00' is not a day (mon..sun), "
        "day range or HH:MM-HH:MM",
    ),
    "negative cap": (
        "reps:\n  - {id: ana, caps: {day: -1}}\n",
        "reps[0].caps.day: must not be negative (got -1)",
    ),
    "negative weight": (
        "reps:\n  - {id: ana, weight: -2}\n",
        "reps[0].weight: must not be negative (got -2)",
    ),
    "negative wip limit": (
        "pools:\n  nurture: {wip_limit: -3}\n",
        "pools.nurture.wip_limit: must not be negative (got -3)",
    ),
    "unknown territory": (
        "reps:\n  - {id: ana, territories: [US, XX-ZZ]}\n",
        "reps[0].territories[1]: unknown territory 'XX-ZZ' "
        "(use an ISO 3166 code such as BR or US-FL)",
    ),
    "bad lookback": (
        "reps:\n" + REP + "routing:\n"
        "  - {name: r, assign: {team: sdr, select: top_performer, lookback: soon}}\n",
        "routing[0].assign.lookback: expected a duration such as 5m, 2h or 3d, got 'soon'",
    ),
    "rule with two targets": (
        "reps:\n" + REP + "routing:\n  - {name: r, assign: {team: sdr}, pool: unassigned}\n",
        "routing[0]: a rule needs exactly one of 'assign' or 'pool' (found assign and pool)",
    ),
    "invalid YAML names line and column": (
        "reps: [\n  - {id: a\n",
        "line 2, column 3: invalid YAML: expected the node content, but found '-'",
    ),
    "top level not a mapping": (
        "- just\n- a list\n",
        "expected a mapping at the top (timezone, reps, routing, ...)",
    ),
    "sla duration typo": (
        "reps:\n"
        + REP
        + "routing:\n  - {name: r, assign: {team: sdr}, sla: {reassign_after: 10mins}}\n",
        "routing[0].sla.reassign_after: expected a duration such as 5m, 2h or 3d, got '10mins'",
    ),
    "sla with no stage": (
        "reps:\n"
        + REP
        + "routing:\n  - {name: r, assign: {team: sdr}, sla: {max_reassignments: 2}}\n",
        "routing[0].sla: an sla needs at least one of first_touch, remind_after, reassign_after, "
        "escalate_after, untouched_after",
    ),
    "sla reminder after the re-assignment": (
        "reps:\n"
        + REP
        + "routing:\n  - {name: r, assign: {team: sdr},\n"
        + "     sla: {remind_after: 1h, reassign_after: 5m}}\n",
        "routing[0].sla.remind_after: remind_after must come before reassign_after "
        "(the reminder is the warning)",
    ),
    "sla on a pool rule": (
        "reps:\n" + REP + "routing:\n  - {name: r, pool: unassigned, sla: {first_touch: 5m}}\n",
        "routing[0].sla: an sla needs an owner to watch: put it on a rule that assigns to reps",
    ),
    "sla then unknown pool": (
        "reps:\n"
        + REP
        + "routing:\n  - {name: r, assign: {team: sdr},\n"
        + "     sla: {first_touch: 5m, then: {pool: backlgo}}}\n",
        "routing[0].sla.then.pool: unknown pool 'backlgo'",
    ),
    "team settings for an unknown team": (
        "reps:\n" + REP + "teams:\n  sdrs: {sla: {first_touch: 5m}}\n" + RULE,
        "teams.sdrs: unknown team 'sdrs' (did you mean 'sdr'?)",
    ),
    "channel without a scheme": (
        "reps:\n  - {id: ana, teams: [sdr], notify: [ana@example.com]}\n" + RULE,
        "reps[0].notify[0]: expected an apprise URL such as slack://TOKEN/#channel or "
        "mailto://user:pass@example.com, got 'ana@example.com'",
    ),
    "unknown notice kind": (
        "reps:\n" + REP + "notifications: {send: [assigned, remind]}\n" + RULE,
        "notifications.send[1]: unknown notice 'remind' (did you mean 'reminder'?)",
    ),  # Found by tests/fuzz: past timedelta's range it was an OverflowError; under it, a lookback
    # of a million days loaded and then overflowed the date of every lead routed.
    "duration past timedelta's range": (
        "pools:\n  p: {claim_ttl: 9999999999999d}\n",
        "pools.p.claim_ttl: '9999999999999d' is longer than 100 years",
    ),
    "duration past a century": (
        "reps:\n" + REP + "routing:\n  - {name: r, assign: {team: sdr, lookback: 999999d}}\n",
        "routing[0].assign.lookback: '999999d' is longer than 100 years",
    ),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_each_error_class_exits_1_and_names_the_path(tmp_path: Path, case: str) -> None:
    text, expected = ERRORS[case]
    code, lines = check(tmp_path, text)
    assert code == 1
    assert lines == [expected]


@pytest.mark.parametrize("name", ["routing.yaml", "routing.json"])
def test_a_file_nested_past_the_readers_is_refused_not_a_traceback(
    tmp_path: Path, name: str
) -> None:
    # Found by tests/fuzz: 1,000 nested `not:` raised RecursionError in the YAML and JSON readers.
    def nested(depth: int) -> str:
        when = '{"not": ' * depth + '{"field": "a", "eq": 1}' + "}" * depth
        return f'{{"routing": [{{"pool": "unassigned", "when": {when}}}]}}'

    assert check(tmp_path, nested(1000), name) == (1, ["nested more than 100 levels deep"])
    code, [line] = check(tmp_path, nested(101), name)
    assert code == 1
    assert line.startswith("routing[0].when.not.not.")
    assert line.endswith(".not: nested more than 100 levels deep")
    assert check(tmp_path, nested(90), name)[0] == 0


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    code, lines = check(tmp_path, '{\n  "reps": [}\n', "routing.json")
    assert code == 1
    assert lines == ["line 2, column 12: invalid JSON: Expecting value"]


def test_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "cannot read" in result.stderr


def test_several_errors_are_reported_in_one_run_in_file_order(tmp_path: Path) -> None:
    text = """\
        timezone: America/New_Yrok
        reps:
          - {id: ana, teams: [sdr], hours: "mon-fry 09:00-17:00"}
          - {id: ana, teams: sdr, skils: [es]}
        routing:
          - name: a
            when: {field: x, gtee: 1}
            assign: {team: sdx}
          - name: a
            when: {field: y, matches: "(["}
            pool: nurtur
        """
    path = write(tmp_path, text)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    lines = [line.removeprefix(f"error: {path}: ") for line in result.stderr.splitlines()]
    assert lines[-1] == "9 problems found."
    assert sorted(lines[:-1]) == sorted(
        [
            "timezone: unknown timezone 'America/New_Yrok' (did you mean 'America/New_York'?)",
            "reps[0].hours: 'mon-fry' in 'mon-fry 09:00-17:00' is not a day (mon..sun), "
            "day range or HH:MM-HH:MM",
            "reps[1].skils: unknown key 'skils' (did you mean 'skills'?)",
            "reps[1].id: duplicate rep id 'ana' (first at reps[0])",
            "routing[0].assign.team[0]: unknown team 'sdx' (did you mean 'sdr'?)",
            "routing[0].when.gtee: unknown operator 'gtee' (did you mean 'gte'?)",
            "routing[1].pool: unknown pool 'nurtur'",
            "routing[1].when.matches: bad regular expression '([': "
            "unterminated character set at position 1",
            "routing[1].name: duplicate rule name 'a' (first at routing[0])",
        ]
    )
    # Problems come in file order: by section, then by item.
    heads = [re.match(r"^([a-z]+)(?:\[(\d+)\])?", line) for line in lines[:-1]]
    order = {"timezone": 0, "reps": 1, "routing": 2}
    keys = [(order[m.group(1)], int(m.group(2) or -1)) for m in heads if m]
    assert keys == sorted(keys)
    assert len(keys) == 9


ROUND_ROBIN = """\
timezone: America/New_York
reps:
  - {id: ana, teams: [sdr], hours: "mon-fri 09:00-17:00"}
  - {id: bob, teams: [sdr], hours: "mon-fri 09:00-17:00"}
routing:
  - name: sdr rotation
    assign: {team: sdr, select: round_robin}
"""


def test_replay_prints_one_json_line_per_event(tmp_path: Path) -> None:
    routing = write(tmp_path, ROUND_ROBIN)
    scenario = tmp_path / "scenario.jsonl"
    scenario.write_text(
        '{"at": "2026-03-02T09:00:00-05:00", "lead": {"id": "L1"}}\n'
        "# a comment\n"
        '{"at": "2026-03-02T09:01:00-05:00", "rep": "ana", "status": "away"}\n'
        '{"at": "2026-03-02T09:02:00-05:00", "lead": {"id": "L2"}}\n'
        '{"at": "2026-03-02T09:03:00-05:00", "lead": {"id": "L3"}}\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["replay", str(routing), str(scenario)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("rep") for line in lines] == ["ana", "ana", "bob", "bob"]
    assert lines[1] == {"rep": "ana", "status": "away", "ok": True}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: invalid JSON at column 2"),
        ('{"lead": {}}', "line 2: at: expected an ISO 8601 time with offset, got None"),
        (
            '{"at": "2026-03-02T09:05:00", "lead": {}}',
            "line 2: at: '2026-03-02T09:05:00' has no UTC offset (write e.g. -05:00 or Z)",
        ),
        ('{"at": "2026-03-02T09:05:00Z", "leed": {}}', "line 2: unknown key 'leed'"),
        (
            '{"at": "2026-03-02T09:05:00Z", "rep": "ana", "status": "gone"}',
            "line 2: status: expected one of available, away, offline, got 'gone'",
        ),
        (
            '{"at": "2026-03-02T09:05:00Z", "outcome": {"lead": "L1", "result": "maybe"}}',
            "line 2: outcome.result: expected one of touched, qualified, won, lost, disqualified",
        ),
        (
            '{"at": "2026-03-02T08:00:00-05:00", "lead": {}}',
            "line 2.at: 2026-03-02T08:00:00-05:00 is earlier than the line before",
        ),
    ],
)
def test_replay_names_the_bad_scenario_line(tmp_path: Path, line: str, message: str) -> None:
    routing = write(tmp_path, ROUND_ROBIN)
    scenario = tmp_path / "scenario.jsonl"
    scenario.write_text(
        '{"at": "2026-03-02T09:00:00-05:00", "lead": {"id": "L1"}}\n' + line + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["replay", str(routing), str(scenario)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"error: {scenario}: {message}" in result.stderr
    assert result.stderr.strip().endswith("1 problem found.")


def test_replay_with_a_broken_routing_file_fails_before_reading_the_scenario(
    tmp_path: Path,
) -> None:
    routing = write(tmp_path, "reps:\n  - {id: ana, weight: -1}\n")
    result = runner.invoke(app, ["replay", str(routing), str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 1
    assert "reps[0].weight: must not be negative (got -1)" in result.stderr


def test_route_previews_one_lead(tmp_path: Path) -> None:
    routing = write(tmp_path, ROUND_ROBIN)
    result = runner.invoke(
        app,
        [
            "route",
            str(routing),
            "--lead",
            '{"id": "P1", "country": "United States"}',
            "--at",
            "2026-03-02T10:00:00-05:00",
        ],
    )
    assert result.exit_code == 0, result.output
    decision = json.loads(result.stdout)
    assert decision["lead"] == "P1"
    assert decision["rep"] == "ana"
    assert decision["rule"] == "sdr rotation"
    assert decision["trace"][0]["candidates"][0]["chosen"] is True
    assert result.stderr.strip() == "sdr rotation: ana (round robin: never served by this rule)"


def test_route_outside_hours_goes_to_unassigned(tmp_path: Path) -> None:
    routing = write(tmp_path, ROUND_ROBIN)
    result = runner.invoke(
        app, ["route", str(routing), "--lead", "{}", "--at", "2026-03-07T10:00:00"]
    )
    assert result.exit_code == 0, result.output
    decision = json.loads(result.stdout)
    assert (decision["rep"], decision["pool"]) == (None, "unassigned")
    skipped = decision["trace"][0]["candidates"]
    assert skipped[0] == {"rep": "ana", "skipped": "outside hours (Sat 10:00 America/New_York)"}


@pytest.mark.parametrize(
    ("lead", "message"),
    [("not json", "error: --lead/--at:"), ("[1, 2]", "error: --lead: expected a JSON object")],
)
def test_route_rejects_a_bad_lead(tmp_path: Path, lead: str, message: str) -> None:
    routing = write(tmp_path, ROUND_ROBIN)
    result = runner.invoke(app, ["route", str(routing), "--lead", lead])
    assert result.exit_code == 1
    assert result.stderr.startswith(message)
