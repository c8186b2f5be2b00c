"""The world of tests/property/test_service_model.py: a routing file in three versions (base;
caps and WIP limits lowered; reps and a pool removed; a hand-off flow in all three), and what
each step must respect: the roster, availability, caps and WIP limits of the version in force
when it assigned. The invariants that hold whatever happened are tests/ownership_checks.py.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from tests.ownership_checks import Assignment, Snapshot, Taking, window_count

REPS = ("ana", "bob", "cy", "dee", "eve")
POOLS = ("inbound", "blind", "nurture", "backlog", "triage")
# What a lead's `kind` field steers it to (routing rules below); `hot` adds score.
KINDS = ("strategic", "pool", "blind", "offer", "sla", "push", "cold", "spam")

Data = dict[str, Any]

BASE_TEXT = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr], caps: {day: 4, open: 3}}
  - {id: bob, teams: [sdr], caps: {hour: 3, day: 6}}
  - {id: cy, teams: [sdr, ae], caps: {open: 2}}
  - {id: dee, teams: [ae], caps: {day: 3, open: 2}}
  - {id: eve, teams: [ae], timezone: America/New_York, caps: {day: 5}}
pools:
  inbound: {members: [team:sdr], order: fifo, visibility: full, wip_limit: 3, claim_ttl: 30m}
  blind:
    members: [team:sdr, team:ae]
    order: score
    visibility: blind
    wip_limit: 2
    claim_ttl: 1h
    max_wait: 2h
    escalate: {assign: {team: ae, select: least_loaded}}
  nurture: {members: [team:sdr], order: lifo}
  backlog: {members: [team:sdr, team:ae], claim_ttl: 45m}
scoring:
  rules:
    - {when: {field: kind, ne: cold}, points: 20}
    - {when: {field: hot, eq: true}, points: 30}
qualify:
  disqualify: [{name: spam, when: {field: kind, eq: spam}}]
  nurture_below: 10
  nurture_pool: nurture
routing:
  - {name: strategic, when: {field: kind, eq: strategic}, assign: {triage: managers}}
  - {name: cherry-picked, when: {field: kind, eq: pool}, pool: inbound}
  - {name: blind, when: {field: kind, eq: blind}, pool: blind}
  - name: offered
    when: {field: kind, eq: offer}
    assign: {team: sdr, select: round_robin, offer: {timeout: 30m, max_offers: 2}}
    on_empty: {pool: inbound}
  - name: watched
    when: {field: kind, eq: sla}
    assign: {team: ae, select: round_robin}
    sla: {remind_after: 5m, reassign_after: 20m, max_reassignments: 1, then: {pool: backlog}}
  - {name: pushed, assign: {team: sdr, select: round_robin}, on_empty: {pool: backlog}}
fallback: {pool: backlog}
handoff:
  routing:
    - {name: closers, when: {field: hot, eq: true}, assign: {team: ae, select: least_loaded}}
  fallback: {pool: backlog}
"""
BASE: Data = yaml.safe_load(BASE_TEXT)


def _variant(change: Any) -> Data:
    data = copy.deepcopy(BASE)
    change(data)
    return data


def _tighten(data: Data) -> None:
    """Every cap and WIP limit lowered (below what reps may hold already)."""
    caps = {"ana": {"day": 1, "open": 1}, "bob": {"hour": 1, "day": 2, "open": 1}}
    caps |= {"cy": {"open": 1}, "dee": {"day": 1, "open": 1}, "eve": {"day": 1}}
    for rep in data["reps"]:
        rep["caps"] = caps[rep["id"]]
    data["pools"]["inbound"]["wip_limit"] = 1
    data["pools"]["blind"]["wip_limit"] = 1


def _reshuffle(data: Data) -> None:
    """bob and dee leave (owning leads, offered some, maybe), cy leaves sdr, eve moves from
    New York to Tokyo (her day starts 14 hours earlier), the inbound pool changes members, and
    the blind pool goes (its leads wait where no rep may pull)."""
    data["reps"] = [rep for rep in data["reps"] if rep["id"] not in ("bob", "dee")]
    reps = {rep["id"]: rep for rep in data["reps"]}
    reps["cy"]["teams"] = ["ae"]
    reps["eve"]["timezone"] = "Asia/Tokyo"
    data["pools"]["inbound"]["members"] = ["ana", "eve"]
    del data["pools"]["blind"]
    data["routing"] = [rule for rule in data["routing"] if rule["name"] != "blind"]


VARIANTS: dict[str, Data] = {
    "base": BASE,
    "tight": _variant(_tighten),
    "reshuffled": _variant(_reshuffle),
}


def routing_text(variant: str) -> str:
    if variant == "base":
        return BASE_TEXT
    return yaml.safe_dump(VARIANTS[variant], sort_keys=False, default_flow_style=None)


def roster(variant: str) -> frozenset[str]:
    return frozenset(rep["id"] for rep in VARIANTS[variant]["reps"])


def cap(variant: str, rep: str, name: str) -> int | None:
    entry = next((r for r in VARIANTS[variant]["reps"] if r["id"] == rep), None)
    value = (entry or {}).get("caps", {}).get(name)
    return int(value) if value is not None else None


def rep_zone(variant: str, rep: str) -> ZoneInfo:
    """The rep's timezone in the variant: its calendar windows (caps) are reckoned in it."""
    entry: Data = next((r for r in VARIANTS[variant]["reps"] if r["id"] == rep), {})
    return ZoneInfo(entry.get("timezone") or VARIANTS[variant]["timezone"])


def wip_limit(variant: str, pool: str) -> int | None:
    value = VARIANTS[variant]["pools"].get(pool, {}).get("wip_limit")
    return int(value) if value is not None else None


@dataclass(frozen=True, kw_only=True, slots=True)
class Step:
    """What was in force while one step ran: the routing variant and version, who was away,
    and the first assignment and decision ids the step could have made."""

    variant: str
    version: int
    away: frozenset[str]
    first_assignment: int
    first_decision: int


def check_step(snap: Snapshot, step: Step, made: list[Taking]) -> None:
    """What the step assigned (the new rows, and `made`, their events) respects the routing
    in force then: roster, availability, day caps, open caps, WIP limits, each at the moment
    of the assignment; its decisions name that version."""
    for _, version in (d for d in snap.decisions if d[0] >= step.first_decision):
        assert version == step.version, (version, step)
    rows = [a for a in snap.assignments if a.id >= step.first_assignment]
    assert sorted(a.rep_id for a in rows) == sorted(t.rep for t in made), (rows, made)
    for a in rows:
        if a.rule != "manual":
            _check_window_caps(snap, a, step.variant)
    for taking in made:
        if taking.how == "manual":
            continue  # a person decided: caps and availability are not checked
        assert taking.rep in roster(step.variant), (taking, step.variant)
        if taking.how == "pushed":  # a rep who claims is working; one who is away gets nothing
            assert taking.rep not in step.away, (taking, step.away)
        limit = cap(step.variant, taking.rep, "open")
        assert limit is None or taking.held < limit, (taking, "open cap", limit)
        if taking.pool is not None:
            wip = wip_limit(step.variant, taking.pool)
            assert wip is None or taking.held < wip, (taking, "wip limit", wip)


def _check_window_caps(snap: Snapshot, made: Assignment, variant: str) -> None:
    for window in ("hour", "day"):
        limit = cap(variant, made.rep_id, window)
        if limit is not None:
            zone = rep_zone(variant, made.rep_id)
            count = window_count(snap, made, window, zone)
            assert count <= limit, (made, window, count, limit, variant)
