"""`flows:`, `experiments:` and `reports:` in the routing file: each mistake exits 1 with one
error naming its path."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadroute.routing_file import parse_routing_text
from tests.unit.test_routing_file import check

HEAD = """\
timezone: America/New_York
reps:
  - {id: ana, teams: [sdr]}
routing:
  - {name: r, assign: {team: sdr}}
"""
FLOW = "flows:\n  alt:\n    - {name: alt rule, assign: {team: sdr, select: weighted}}\n"

ERRORS: dict[str, tuple[str, str]] = {
    "unknown variant flow": (
        FLOW + "experiments:\n  - {name: t, variant: alts}\n",
        "experiments[0].variant: unknown flow 'alts' (did you mean 'alt'?)",
    ),
    "unknown control flow": (
        FLOW + "experiments:\n  - {name: t, control: routng, variant: alt}\n",
        "experiments[0].control: unknown flow 'routng' (did you mean 'routing'?)",
    ),
    "variant is control": (
        FLOW + "experiments:\n  - {name: t, control: alt, variant: alt}\n",
        "experiments[0].variant: the variant must differ from control",
    ),
    "split out of range": (
        FLOW + "experiments:\n  - {name: t, variant: alt, split: 100}\n",
        "experiments[0].split: must be below 100.0 (got 100)",
    ),
    "stop before start": (
        FLOW + "experiments:\n  - {name: t, variant: alt, start: 2026-03-01, stop: 2026-02-01}\n",
        "experiments[0].stop: stop must be after start",
    ),
    "a time without offset": (
        FLOW + "experiments:\n  - {name: t, variant: alt, start: '2026-03-01T09:00'}\n",
        "experiments[0].start: '2026-03-01T09:00' has no UTC offset "
        "(write e.g. 2026-03-01T09:00-05:00)",
    ),
    "not a date": (
        FLOW + "experiments:\n  - {name: t, variant: alt, start: next monday}\n",
        "experiments[0].start: 'next monday' is not an ISO 8601 date or time",
    ),
    "duplicate experiment": (
        FLOW + "experiments:\n  - {name: t, variant: alt}\n  - {name: t, variant: alt}\n",
        "experiments[1].name: duplicate experiment name 't' (first at experiments[0])",
    ),
    "bad condition in an experiment": (
        FLOW + "experiments:\n  - {name: t, variant: alt, when: {field: x, equals: 1}}\n",
        "experiments[0].when.equals: unknown operator 'equals'",
    ),
    "a rule in a flow names its path": (
        "flows:\n  alt:\n    - {name: a, assign: {team: sdr, select: round-robbin}}\n",
        "flows.alt[0].assign.select: unknown selector 'round-robbin' (did you mean 'round_robin'?)",
    ),
    "a rule name used twice across flows": (
        "flows:\n  alt:\n    - {name: r, assign: {team: sdr}}\n",
        "flows.alt[0].name: duplicate rule name 'r' (first at routing[0])",
    ),
    "a flow named like the main routing": (
        "flows:\n  routing:\n    - {name: x, assign: {team: sdr}}\n",
        "flows.routing: 'routing' cannot name a flow "
        "(letters, digits, _ . -; not routing or handoff)",
    ),
    "an empty flow": ("flows:\n  alt: []\n", "flows.alt: expected a list of rules (like routing:)"),
    "a negative cost": (
        "reports: {cost_per_lead: {google: -3}}\n",
        "reports.cost_per_lead.google: must not be negative (got -3)",
    ),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_each_mistake_exits_1_and_names_the_path(tmp_path: Path, case: str) -> None:
    text, expected = ERRORS[case]
    code, lines = check(tmp_path, HEAD + text)
    assert code == 1
    assert lines == [expected]


def test_dates_and_times_become_instants_in_the_routing_timezone() -> None:
    text = (
        HEAD
        + FLOW
        + (
            "experiments:\n"
            "  - {name: t, variant: alt, split: 12.5, start: 2026-03-01,"
            " stop: '2026-04-01T09:30:00+02:00'}\n"
            "reports: {cost_per_lead: {google: 40, '*': 5}, currency: EUR}\n"
        )
    )
    config = parse_routing_text(text, source="routing")
    (experiment,) = config.experiments
    assert experiment.start is not None
    assert experiment.stop is not None
    assert experiment.start.isoformat() == "2026-03-01T00:00:00-05:00"
    assert experiment.stop.isoformat() == "2026-04-01T09:30:00+02:00"
    assert (experiment.control, experiment.variant, experiment.split) == ("routing", "alt", 12.5)
    assert config.reporting.cost_of("google") == 40
    assert config.reporting.cost_of("bing") == 5
    assert config.reporting.cost_of(None) == 5
    assert config.reporting.currency == "EUR"
