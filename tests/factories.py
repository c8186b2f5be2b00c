"""Plain factory functions for tests: reps, leads, configs, and routing a stream into a store."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, tzinfo
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from leadroute.domain.decisions import Decision
from leadroute.domain.hours import parse_hours
from leadroute.domain.leads import Lead
from leadroute.domain.pools import DEFAULT_UNASSIGNED, UNASSIGNED, Pool
from leadroute.domain.reps import Availability, Caps, Rep, Status
from leadroute.domain.territories import territory_from_code
from leadroute.routing.config import Assign, RoutingConfig, Rule
from leadroute.routing.engine import Router
from leadroute.rules import parse_condition
from leadroute.storage.memory import MemoryStore

NEW_YORK = ZoneInfo("America/New_York")
# Monday 2 March 2026, 10:00 in New York (EST, UTC-5): inside ordinary office hours.
MONDAY_10AM = datetime(2026, 3, 2, 10, 0, tzinfo=NEW_YORK)

_counter = {"lead": 0}


def make_rep(**overrides: Any) -> Rep:
    """A rep, available around the clock in New York. Friendly overrides:

    `teams`/`skills` as lists, `territories` as codes, `hours` as text, `caps` as a dict,
    `status` as "away"/"offline" (with optional `until`), `timezone` as a zone name.
    """
    values: dict[str, Any] = {"id": "ana", "timezone": NEW_YORK, "teams": frozenset({"sdr"})}
    until = overrides.pop("until", None)
    for key, value in overrides.items():
        values[key] = _rep_value(key, value, until)
    return Rep(**values)


def _rep_value(key: str, value: Any, until: datetime | None) -> Any:
    if key in ("teams", "skills") and not isinstance(value, frozenset):
        return frozenset(str(item).casefold() if key == "skills" else item for item in value)
    if key == "territories":
        return tuple(territory_from_code(i) if isinstance(i, str) else i for i in value)
    if key == "hours" and isinstance(value, str):
        return parse_hours(value)
    if key == "caps" and isinstance(value, Mapping):
        return Caps(**value)
    if key == "status" and isinstance(value, str):
        return Status(availability=Availability(value), until=until)
    if key == "timezone" and isinstance(value, str):
        return ZoneInfo(value)
    return value


def make_reps(*ids: str, **common: Any) -> tuple[Rep, ...]:
    return tuple(make_rep(id=rep_id, **common) for rep_id in ids)


def make_lead(**fields: object) -> Lead:
    """A lead with the given fields; `id` and `received_at` are filled in when absent."""
    if "id" not in fields:
        _counter["lead"] += 1
        fields["id"] = f"L{_counter['lead']}"
    received = fields.get("received_at")
    if not isinstance(received, datetime):
        received = MONDAY_10AM
        fields["received_at"] = received
    return Lead(id=str(fields["id"]), received_at=received, fields=dict(fields))


def make_rule(
    name: str = "rule",
    *,
    when: object = None,
    pool: str | None = None,
    on_empty_pool: str | None = None,
    **assign: Any,
) -> Rule:
    """A rule: `when` as raw condition data; assign keywords build the Assign (team= str ok)."""
    team = assign.pop("team", None)
    if team is not None:
        assign["teams"] = (team,) if isinstance(team, str) else tuple(team)
    if "reps" in assign:
        assign["reps"] = tuple(assign["reps"])
    for key in ("match_skills",):
        if key in assign:
            assign[key] = tuple(assign[key])
    if "require_skills" in assign:
        assign["require_skills"] = frozenset(s.casefold() for s in assign["require_skills"])
    target = None if pool is not None else Assign(**assign)
    condition = parse_condition(when, f"{name}.when") if when is not None else None
    if condition is None:
        return Rule(name=name, assign=target, pool=pool, on_empty_pool=on_empty_pool)
    return Rule(name=name, when=condition, assign=target, pool=pool, on_empty_pool=on_empty_pool)


def make_config(
    reps: Iterable[Rep],
    rules: Iterable[Rule],
    *,
    fallback: Rule | None = None,
    pools: Iterable[str] = (),
    timezone: tzinfo = NEW_YORK,
) -> RoutingConfig:
    pool_map = {UNASSIGNED: DEFAULT_UNASSIGNED, **{name: Pool(name=name) for name in pools}}
    if fallback is None:
        return RoutingConfig(
            timezone=timezone, reps=tuple(reps), rules=tuple(rules), pools=pool_map
        )
    return RoutingConfig(
        timezone=timezone,
        reps=tuple(reps),
        rules=tuple(rules),
        pools=pool_map,
        fallback=fallback,
    )


def route_one(
    config: RoutingConfig | Router,
    lead: Lead,
    *,
    now: datetime = MONDAY_10AM,
    store: MemoryStore | None = None,
    seed: int = 0,
    record: bool = True,
) -> Decision:
    """Route one lead (scored, as replay does) and record it in the store when given."""
    router = config if isinstance(config, Router) else Router(config)
    ledger = store if store is not None else MemoryStore()
    scored = router.score(lead)
    decision = router.route(scored, now=now, ledger=ledger, rng=Random(seed))
    if record:
        ledger.record_decision(scored, decision, now)
    return decision


def route_many(
    config: RoutingConfig | Router,
    leads: Iterable[Lead | Mapping[str, object]] | int,
    *,
    store: MemoryStore | None = None,
    start: datetime = MONDAY_10AM,
    step: timedelta = timedelta(minutes=1),
    rng: Random | None = None,
) -> list[Decision]:
    """Route and record a stream of leads on a virtual clock (one `step` apart), as replay does.

    `leads` may be a count (plain leads are made), leads, or field mappings.
    """
    router = config if isinstance(config, Router) else Router(config)
    ledger = store if store is not None else MemoryStore()
    random = rng if rng is not None else Random(0)
    items: Iterable[Lead | Mapping[str, object]] = (
        [{} for _ in range(leads)] if isinstance(leads, int) else leads
    )
    decisions: list[Decision] = []
    now = start
    for item in items:
        lead = item if isinstance(item, Lead) else make_lead(received_at=now, **dict(item))
        scored = router.score(lead)
        decision = router.route(scored, now=now, ledger=ledger, rng=random)
        ledger.record_decision(scored, decision, now)
        decisions.append(decision)
        now += step
    return decisions


def owners(decisions: Iterable[Decision]) -> list[str | None]:
    return [decision.rep for decision in decisions]
