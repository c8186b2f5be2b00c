"""Scenario tests through the public replay API: inline routing YAML, events at minutes after
a fixed start, the lines replay prints."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from leadroute.routing_file import parse_routing_text
from leadroute.simulate.replay import Replay
from leadroute.simulate.scenario import read_scenario

# Monday 2 March 2026, 09:00 in New York.
START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("America/New_York"))

Line = dict[str, Any]


def at(minutes: float) -> str:
    """The ISO time `minutes` after START, as scenario lines and replay print it."""
    return (START + timedelta(minutes=minutes)).isoformat()


def event(minutes: float, kind: str, **body: Any) -> str:
    """One scenario line: `event(5, "claim", pool="inbound", rep="bob")`."""
    return json.dumps({"at": at(minutes), kind: body})


def replayed(routing: str, *events: str, seed: int = 0) -> tuple[Replay, list[Line]]:
    """Replay the events; the Replay (to read its store) and every line it printed."""
    config = parse_routing_text(textwrap.dedent(routing), source="routing.yaml")
    replay = Replay(config, seed=seed)
    lines = list(replay.run(read_scenario(list(events), source="scenario.jsonl")))
    return replay, lines


def replay_lines(routing: str, *events: str) -> list[Line]:
    return replayed(routing, *events)[1]


def brief(lines: list[Line]) -> list[Line]:
    """The lines without their traces (decisions keep lead, rep, pool, rule, reason...)."""
    return [{key: value for key, value in line.items() if key != "trace"} for line in lines]


def where(lines: list[Line]) -> list[tuple[str, str | None, str | None]]:
    """(lead, rep, pool) of every decision line (lines with a trace), in order."""
    return [(line["lead"], line["rep"], line["pool"]) for line in lines if "trace" in line]


def of_kind(lines: list[Line], key: str) -> list[Line]:
    """The lines that have `key` (e.g. "claim", "expired", "overdue")."""
    return [line for line in lines if key in line]


def rep_status(minutes: float, rep: str, status: str) -> str:
    """A rep status line: `rep_status(5, "ana", "away")`."""
    return json.dumps({"at": at(minutes), "rep": rep, "status": status})
