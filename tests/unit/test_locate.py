"""Routing-file problem paths located at lines of the text (routing_file/locate.py)."""

from __future__ import annotations

import json
from textwrap import dedent

import pytest
import yaml

from leadroute.domain.errors import Problem, RoutingFileError
from leadroute.routing_file import parse_routing_text
from leadroute.routing_file.locate import line_of, problem_line

TEXT = dedent(
    """\
    # a comment on line 1
    timezone: America/New_York
    reps:
      - id: ana
        teams: [sdr]
      - {id: bob, teams: [sdr], timezone: Mars/Base}
    pools:
      enterprise_queue:
        members: [team:sdr]
        claim_ttl: soon
      eu.west: {members: [team:sdr]}
    routing:
      - name: first
        when: {field: country, eq: US}
        pool: enterprise_queue
      - name: second
        assign:
          team: sdr
          select: round_robbin
    flows:
      top:
        - name: a
          assign: {team: sdr}
        - name: b
          when:
            field: score
            gte: lots
          assign: {team: sdr}
    """
)


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("timezone", 2),
        ("reps[0]", 4),
        ("reps[0].teams[0]", 5),
        ("reps[1].timezone", 6),
        ("pools.enterprise_queue.claim_ttl", 10),
        ("pools.eu.west.members", 11),
        ("routing[1].assign.select", 19),
        ("routing[0].when.eq", 14),
        ("flows.top[1].when", 25),
        ("flows.top[1].when.gte", 27),
    ],
)
def test_a_path_points_at_the_line_of_its_key_or_item(path: str, line: int) -> None:
    assert line_of(TEXT, path) == line


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("reps[0].timezone", 4),  # no such key: the rep it is missing from
        ("routing[1].assign.weights.ana", 17),
        ("routing[7].name", 12),  # no such rule: the routing section
        ("escalations", 2),  # no such section: the top of the file
        ("routing[1].assign.select.deeper", 19),  # a text has no keys
    ],
)
def test_a_path_past_the_text_points_at_the_deepest_entry_that_exists(path: str, line: int) -> None:
    assert line_of(TEXT, path) == line


def test_json_text_is_located_too_even_indented_with_tabs() -> None:
    text = json.dumps(yaml.safe_load(TEXT), indent="\t")
    line = line_of(text, "routing[1].assign.select")
    assert line is not None
    assert text.splitlines()[line - 1].strip() == '"select": "round_robbin"'
    reps = line_of(text, "reps[1].timezone")
    assert reps is not None
    assert text.splitlines()[reps - 1].strip() == '"timezone": "Mars/Base"'


def test_the_whole_file_and_text_that_does_not_parse_have_no_line() -> None:
    assert line_of(TEXT, "") is None
    assert line_of("reps: [", "reps") is None
    assert line_of("", "reps") is None


def test_a_syntax_error_is_at_the_line_its_message_names() -> None:
    with pytest.raises(RoutingFileError) as raised:
        parse_routing_text("timezone: UTC\nreps:\n  - id: ana\n  - [unclosed\n")
    (problem,) = raised.value.problems
    assert problem.path == ""
    line = problem_line("", problem)
    assert line is not None
    assert 4 <= line <= 5
    json_error = Problem(path="", message="line 3, column 9: invalid JSON: Expecting value")
    assert problem_line("{}", json_error) == 3
    assert problem_line(TEXT, Problem(path="timezone", message="bad")) == 2


def test_the_loaders_problems_land_on_the_lines_that_cause_them() -> None:
    with pytest.raises(RoutingFileError) as raised:
        parse_routing_text(TEXT)
    lines = {problem.path: problem_line(TEXT, problem) for problem in raised.value.problems}
    assert lines.get("routing[1].assign.select") == 19, lines
    assert all(line is not None for line in lines.values()), lines
