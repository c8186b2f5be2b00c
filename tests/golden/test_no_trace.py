"""`leadroute replay --no-trace` prints every example's expected lines, each without its
`trace` key and otherwise the same, key for key and in the same order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadroute.cli import app
from tests.golden.test_examples import DIRS


@pytest.mark.parametrize("example", DIRS, ids=[path.name for path in DIRS])
def test_replay_without_trace_prints_the_expected_lines_minus_their_traces(
    example: Path,
) -> None:
    args = ["replay", str(example / "routing.yaml"), str(example / "scenario.jsonl")]
    result = CliRunner().invoke(app, [*args, "--no-trace"])
    assert result.exit_code == 0, result.output
    expected = (example / "expected.jsonl").read_text(encoding="utf-8").splitlines()
    printed = result.stdout.splitlines()
    assert len(printed) == len(expected)
    traced = 0
    for text, wanted in zip(printed, expected, strict=True):
        line = json.loads(wanted)
        traced += "trace" in line
        line.pop("trace", None)
        assert list(json.loads(text).items()) == list(line.items())
    assert traced > 0
