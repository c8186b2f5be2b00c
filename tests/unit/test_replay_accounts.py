"""Replay: `account` lines add known accounts that `owner_of: account` routes by."""

from __future__ import annotations

import pytest

from leadroute.domain.errors import ScenarioError
from leadroute.simulate.scenario import read_scenario
from tests.replaying import brief, event, replay_lines

ROUTING = """
    timezone: America/New_York
    reps:
      - {id: ana, teams: [sdr]}
      - {id: bob, teams: [sdr]}
    routing:
      - name: owner
        assign: {owner_of: account}
      - name: rr
        assign: {team: sdr, select: round_robin}
"""


def test_an_account_line_makes_its_leads_go_to_its_owner() -> None:
    lines = replay_lines(
        ROUTING,
        event(0, "account", id="a1", name="Acme GmbH", domains=["www.acme.de"], owner="bob"),
        event(1, "lead", id="L1", email="x@acme.de"),
        event(2, "lead", id="L2", company="ACME"),
        event(3, "lead", id="L3", company="Acme Widgets"),
    )
    assert brief(lines)[0] == {"account": "a1", "ok": True}
    assert [(line["lead"], line["rep"], line["rule"]) for line in lines[1:]] == [
        ("L1", "bob", "owner"),
        ("L2", "bob", "owner"),
        ("L3", "ana", "rr"),
    ]
    assert lines[1]["reason"] == "owner: bob (owns account Acme GmbH (domain acme.de))"
    assert lines[2]["reason"] == "owner: bob (owns account Acme GmbH (name match 100))"


def test_an_account_line_is_refused_for_an_unknown_owner_or_a_free_mail_domain() -> None:
    lines = replay_lines(
        ROUTING,
        event(0, "account", id="a1", name="Acme", owner="zed"),
        event(1, "account", id="a2", name="Acme", domains=["gmail.com"]),
        event(2, "lead", id="L1", company="Acme"),
    )
    assert lines[:2] == [
        {"account": "a1", "ok": False, "reason": "unknown rep zed"},
        {"account": "a2", "ok": False, "reason": "'gmail.com' is not a company domain"},
    ]
    assert lines[2]["rule"] == "rr"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"id": "a1"}', "account.name: expected a text"),
        ('{"id": "a1", "name": "A", "domains": "acme.com"}', "account.domains: expected a list"),
        ('{"id": "a1", "name": "A", "owner": 3}', "account.owner: expected a rep id or null"),
        ('{"id": "a1", "name": "A", "web": "x"}', "account.web: unknown key"),
    ],
)
def test_bad_account_lines_are_named(body: str, message: str) -> None:
    line = '{"at": "2026-03-02T09:00:00-05:00", "account": ' + body + "}"
    with pytest.raises(ScenarioError, match=message):
        read_scenario([line], source="s.jsonl")
