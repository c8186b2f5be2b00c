"""The learning keys of `assign:` in the routing file: where they apply and what they hold."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from leadroute.routing.config import Learning
from leadroute.routing_file.loading import load_routing_file
from tests.unit.test_routing_file import REP, check, write

HEAD = "reps:\n" + REP + "routing:\n"

ERRORS: dict[str, tuple[str, str]] = {
    "by on round robin": (
        "  - {name: r, assign: {team: sdr, by: [industry]}}\n",
        "routing[0].assign.by: by applies to select: bandit or optimal or top_performer, "
        "not round_robin",
    ),
    "min_share on top performer": (
        "  - {name: r, assign: {team: sdr, select: top_performer, min_share: 0.1}}\n",
        "routing[0].assign.min_share: min_share applies to select: bandit or optimal, "
        "not top_performer",
    ),
    "max_share on bandit": (
        "  - {name: r, assign: {team: sdr, select: bandit, max_share: 0.5}}\n",
        "routing[0].assign.max_share: max_share applies to select: optimal, not bandit",
    ),
    "share of one": (
        "  - {name: r, assign: {team: sdr, select: bandit, min_share: 1}}\n",
        "routing[0].assign.min_share: must be below 1.0 (got 1)",
    ),
    "segment listed twice": (
        "  - {name: r, assign: {team: sdr, select: bandit, by: [source, source]}}\n",
        "routing[0].assign.by[1]: 'source' is listed twice",
    ),
    "bad window": (
        "  - {name: r, assign: {team: sdr, select: bandit, share_window: soon}}\n",
        "routing[0].assign.share_window:",
    ),
    "zero shrinkage": (
        "  - {name: r, assign: {team: sdr, select: top_performer, by: [source], shrinkage: 0}}\n",
        "routing[0].assign.shrinkage: must be above 0.0 (got 0)",
    ),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_a_misplaced_or_wrong_learning_key_is_named_with_its_path(
    tmp_path: Path, case: str
) -> None:
    rules, expected = ERRORS[case]
    code, lines = check(tmp_path, HEAD + rules)
    assert code != 0
    assert any(line.startswith(expected) for line in lines), lines


def test_bandit_with_segments_and_guard_rails_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEAD + "  - name: r\n    assign: {team: sdr, select: bandit, by: [industry, source],\n"
        "      shrinkage: 4, min_share: 0.1, share_window: 3d, lookback: 90d}\n",
    )
    config = load_routing_file(path)
    ask = config.rules[0].assign
    assert ask is not None
    assert ask.select == "bandit"
    assert ask.learning == Learning(
        by=("industry", "source"), shrinkage=4.0, min_share=0.1, share_window=timedelta(days=3)
    )
