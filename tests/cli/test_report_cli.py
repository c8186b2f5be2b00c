"""`leadroute report`: the same rows as table, CSV and JSON from a database (SQLite and
PostgreSQL) prepared through the services, a chart, an experiment's verdict, and the replay
mode that measures a scenario before the routing goes live."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from leadroute.cli import app
from leadroute.services.intake import take_lead
from leadroute.services.lifecycle import record_event
from leadroute.services.principals import SYSTEM
from leadroute.settings import Settings
from tests.api.conftest import Clock, start_migrated

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "experiments"
ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr]}
  - {id: bob, teams: [sdr]}
routing:
  - name: inbound
    assign: {team: sdr, select: round_robin}
reports:
  cost_per_lead: {paid: 30, "*": 5}
"""


def prepare(database_url: str, tmp_path: Path) -> None:
    """Three leads received a minute ago: ana's paid one touched after 2 minutes and won
    (900), bob's organic one lost, ana's third open. The CLI reports as of the real clock."""
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING, encoding="utf-8")
    now = datetime.now(UTC) - timedelta(minutes=5)
    runtime = start_migrated(Settings(database_url=database_url, routing=routing), Clock(now=now))
    try:
        ids = [
            take_lead(runtime=runtime, payload=payload, caller=SYSTEM, now=now).body["id"]
            for payload in (
                {"email": "a@acme.com", "source": "paid"},
                {"email": "b@acme.com", "source": "organic"},
                {"email": "c@acme.com", "source": "paid"},
            )
        ]
        later = now + timedelta(minutes=2)
        record_event(runtime=runtime, lead_id=ids[0], kind="touched", caller=SYSTEM, now=later)
        record_event(
            runtime=runtime, lead_id=ids[0], kind="won", caller=SYSTEM, now=later, amount=900
        )
        record_event(runtime=runtime, lead_id=ids[1], kind="lost", caller=SYSTEM, now=later)
    finally:
        runtime.database.dispose()


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["report", *args])


def test_table_csv_and_json_from_the_database(database_url: str, tmp_path: Path) -> None:
    prepare(database_url, tmp_path)
    database = ["--database", database_url]

    as_json = run(*database, "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    body = json.loads(as_json.stdout)
    rows = {row["group"]: row for row in body["rows"]}
    assert list(rows) == ["ana", "bob"]
    assert (rows["ana"]["leads"], rows["ana"]["won"], rows["ana"]["sales"]) == (2, 1, 900.0)
    assert rows["ana"]["speed_to_lead_median_s"] == 120.0
    assert (rows["ana"]["cost"], rows["ana"]["cost_per_won"]) == (60.0, 60.0)
    assert (rows["bob"]["lost"], rows["bob"]["conversion"], rows["bob"]["cost"]) == (1, 0.0, 5.0)
    assert (body["totals"]["leads"], body["totals"]["conversion"]) == (3, 0.5)

    as_csv = run(*database, "--format", "csv", "--by", "source")
    assert as_csv.exit_code == 0, as_csv.output
    table = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [(row["group"], row["leads"], row["won"]) for row in table] == [
        ("organic", "1", "0"),
        ("paid", "2", "1"),
        ("(all)", "3", "1"),
    ]

    as_table = run(*database)
    assert as_table.exit_code == 0, as_table.output
    lines = as_table.stdout.splitlines()
    ana = next(line for line in lines if line.startswith("│ ana "))
    assert "100.0% (21-100)" in ana  # 1 won of 1 decided, Wilson 95%
    assert "2m 00s" in ana
    assert any(line.startswith("│ (all) ") for line in lines)
    assert lines[-1].startswith("fairness: 3 leads routed to reps; Gini of leads per rep 0.167")

    chart = tmp_path / "conversion.svg"
    drawn = run(*database, "--chart", str(chart), "--metric", "conversion")
    assert drawn.exit_code == 0, drawn.output
    assert drawn.stdout.strip() == f"wrote {chart} (conversion by rep)"
    assert b"<svg" in chart.read_bytes()


def test_errors_exit_1(database_url: str, tmp_path: Path) -> None:
    prepare(database_url, tmp_path)
    database = ["--database", database_url]
    wrong = run(*database, "--by", "reps")
    assert wrong.exit_code == 1
    assert "error: by: unknown grouping 'reps' (did you mean 'rep'?)" in wrong.stderr
    backwards = run(*database, "--from", "2026-03-02", "--to", "2026-03-01")
    assert backwards.exit_code == 1
    assert "error: from: 2026-03-02T00:00:00+00:00 is not before to (2026-03-01" in backwards.stderr
    missing = run(*database, "--experiment", "nope")
    assert missing.exit_code == 1
    assert "error: no experiment 'nope' (experiments: none)" in missing.stderr
    chart = run(*database, "--chart", str(tmp_path / "x.gif"))
    assert chart.exit_code == 1
    assert "error: format: 'gif': expected svg, png" in chart.stderr


REPLAY = [
    "--routing",
    str(EXAMPLES / "routing.yaml"),
    "--scenario",
    str(EXAMPLES / "scenario.jsonl"),
]


def test_replay_mode_measures_a_scenario() -> None:
    done = run(*REPLAY, "--format", "json")
    assert done.exit_code == 0, done.output
    body = json.loads(done.stdout)
    rows = {row["group"]: row for row in body["rows"]}
    assert {group: row["leads"] for group, row in rows.items()} == {
        "ana": 4,
        "bob": 4,
        "cho": 3,
        "dev": 1,
    }
    # bob won L1 (1200, paid_search at 42); cho won L3 (800); ana lost L2
    assert (rows["bob"]["sales"], rows["bob"]["cost_per_won"]) == (1200.0, 42.0)
    assert (rows["ana"]["lost"], rows["cho"]["won"]) == (1, 1)
    assert body["totals"]["cost"] == 210.0  # 5 paid_search at 42; organic is free

    by_arm = json.loads(run(*REPLAY, "--format", "json", "--by", "arm").stdout)
    assert {row["group"]: row["leads"] for row in by_arm["rows"]} == {
        "top-vs-rotation:control": 4,
        "top-vs-rotation:variant": 5,
        "(none)": 3,  # before the start, after the stop, and the enterprise lead
    }
    window = json.loads(
        run(*REPLAY, "--format", "json", "--from", "2026-03-01", "--to", "2026-06-01").stdout
    )
    assert window["totals"]["leads"] == 10


def test_replay_mode_experiment_verdict() -> None:
    done = run(*REPLAY, "--experiment", "top-vs-rotation", "--format", "json")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["status"] == "stopped"  # the scenario ends after the stop
    assert [(arm["arm"], arm["leads"], arm["won"], arm["lost"]) for arm in report["arms"]] == [
        ("control", 4, 2, 0),
        ("variant", 5, 0, 1),
    ]
    assert report["verdict"].startswith("not enough data yet: need about ")
    table = run(*REPLAY, "--experiment", "top-vs-rotation")
    assert table.exit_code == 0, table.output
    assert table.stdout.splitlines()[-1] == f"verdict: {report['verdict']}"


def test_replay_needs_both_files() -> None:
    done = run("--routing", str(EXAMPLES / "routing.yaml"))
    assert done.exit_code == 1
    assert "--routing and --scenario go together" in done.stderr
