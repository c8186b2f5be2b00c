"""Check the validated routing file for meaning (references, zones, hours) and build the config.

One walk does both: every value is converted once, and each failure becomes a Problem.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta, tzinfo
from functools import lru_cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ValidationError

from leadroute.domain.errors import ConditionError, Problem, join_path
from leadroute.domain.offers import Offer
from leadroute.domain.pools import DEFAULT_TRIAGE, DEFAULT_UNASSIGNED, TRIAGE, UNASSIGNED
from leadroute.domain.sla import Sla
from leadroute.routing.config import Assign, Handoff, Prior, RoutingConfig, Rule
from leadroute.routing_file.durations import bounded_duration
from leadroute.routing_file.experiment_sections import (
    build_experiments,
    build_flows,
    build_reporting,
)
from leadroute.routing_file.learning import build_learning
from leadroute.routing_file.messages import problems_from
from leadroute.routing_file.pool_sections import pool_of, triage_is_for_managers
from leadroute.routing_file.qualifying import build_duplicates, build_qualify, build_scoring
from leadroute.routing_file.rep_sections import holidays_of, rep_of
from leadroute.routing_file.schema import (
    AssignSchema,
    FallbackSchema,
    HandoffSchema,
    PoolSchema,
    RepSchema,
    RoutingFileSchema,
    RuleSchema,
    ScoringSchema,
)
from leadroute.routing_file.service_levels import build_notifications, build_sla, build_teams
from leadroute.rules import ALWAYS as ALWAYS_TRUE
from leadroute.rules import Condition, parse_condition
from leadroute.rules.parsing import suggest

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


@lru_cache(maxsize=1)
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


class Builder:
    """Turns a RoutingFileSchema into a RoutingConfig, collecting every problem on the way."""

    def __init__(self, doc: RoutingFileSchema) -> None:
        self.doc = doc
        self.problems: list[Problem] = []
        self.reps = self._parts(RepSchema, doc.reps, "reps")
        self.rules = self._parts(RuleSchema, doc.routing, "routing")
        self.pools = {
            name: self._part(PoolSchema, spec, join_path("pools", name))
            for name, spec in doc.pools.items()
        }
        self.scoring = self._part(ScoringSchema, doc.scoring or {}, "scoring")
        self.fallback = self._part(FallbackSchema, doc.fallback, "fallback")
        # Names of broken items still count, so one typo does not cascade into "unknown rep".
        raw_ids = [_raw_text(item, "id") for item in doc.reps]
        self.rep_ids = [rep_id for rep_id in raw_ids if rep_id]
        self.teams = sorted(
            {team for item in doc.reps for team in _raw_texts(item, "teams") if team}
        )
        self.pool_names = sorted({*doc.pools, UNASSIGNED, TRIAGE})
        self.escalations: dict[str, Rule] = {}

    def _parts(self, schema: type[M], items: list[Any], section: str) -> list[M | None]:
        return [self._part(schema, item, join_path(section, i)) for i, item in enumerate(items)]

    def _part(self, schema: type[M], raw: object, path: str) -> M | None:
        if raw is None:
            return None
        try:
            return schema.model_validate(raw)
        except ValidationError as error:
            self.problems.extend(problems_from(error, schema, prefix=path))
            return None

    def build(self) -> RoutingConfig | None:
        doc = self.doc
        timezone = self._zone(doc.timezone, "timezone") or ZoneInfo("UTC")
        shared = holidays_of(self, doc.holidays, "holidays")
        self._duplicates(
            [_raw_text(item, "id") or f"#{i}" for i, item in enumerate(doc.reps)],
            "reps",
            "id",
            "rep id",
        )
        reps = tuple(
            rep_of(self, rep, join_path("reps", i), timezone, shared)
            for i, rep in enumerate(self.reps)
            if rep is not None
        )
        pools = {
            name: pool_of(self, name, spec) for name, spec in self.pools.items() if spec is not None
        }
        pools.setdefault(UNASSIGNED, DEFAULT_UNASSIGNED)
        pools.setdefault(TRIAGE, DEFAULT_TRIAGE)
        rules = tuple(
            self._rule(rule, join_path("routing", i))
            for i, rule in enumerate(self.rules)
            if rule is not None
        )
        fallback = self._fallback(self.fallback, "fallback", "fallback", UNASSIGNED)
        handoff, handoff_names = self._handoff(doc.handoff)
        flows, flow_names = build_flows(self, doc.flows)
        self._unique_rule_names(
            [
                (join_path("routing", i), _raw_text(r, "name") or f"routing[{i}]")
                for i, r in enumerate(doc.routing)
            ]
            + handoff_names
            + flow_names
        )
        flow_rules = tuple(rule for rules_of_flow in flows.values() for rule in rules_of_flow)
        triage_is_for_managers(
            self, pools, (*rules, *(handoff.rules if handoff else ()), *flow_rules)
        )
        experiments = build_experiments(self, doc.experiments, flows, timezone)
        reporting = build_reporting(self, doc.reports)
        scoring = build_scoring(self, self.scoring)
        qualify = build_qualify(self, doc.qualify)
        duplicates = build_duplicates(self, doc.duplicates)
        teams = build_teams(self, doc.teams)
        notifications = build_notifications(self, doc.notifications)
        if self.problems:
            return None
        return RoutingConfig(
            timezone=timezone,
            reps=reps,
            rules=rules,
            pools=pools,
            fallback=fallback,
            scoring=scoring,
            handoff=handoff,
            escalations=self.escalations,
            qualify=qualify,
            duplicates=duplicates,
            teams=teams,
            notifications=notifications,
            flows=flows,
            experiments=experiments,
            reporting=reporting,
        )

    def _problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path=path, message=message))

    # What the section builders of other modules (qualifying.py) use.
    def problem(self, path: str, message: str) -> None:
        self._problem(path, message)

    def part(self, schema: type[M], raw: object, path: str) -> M | None:
        return self._part(schema, raw, path)

    def when(self, raw: object, path: str) -> Condition:
        return self._when(raw, path)

    @property
    def declared_pools(self) -> tuple[str, ...]:
        return tuple(self.doc.pools)

    def zone(self, name: str | None, path: str) -> tzinfo | None:
        return self._zone(name, path)

    def attempt(self, path: str, convert: Callable[[], T]) -> T | None:
        return self._try(path, convert)

    def known(self, name: str, choices: Sequence[str], path: str, what: str) -> bool:
        return self._known(name, choices, path, what)

    def assign_of(self, spec: AssignSchema, path: str) -> Assign:
        return self._assign(spec, path)

    def rules_at(self, items: list[Any], prefix: str) -> tuple[Rule, ...]:
        """The rules of a list (each checked at `prefix[i]`), broken ones left out."""
        parsed = self._parts(RuleSchema, items, prefix)
        return tuple(
            self._rule(rule, join_path(prefix, i)) for i, rule in enumerate(parsed) if rule
        )

    def positive(self, text: str | None, path: str) -> timedelta | None:
        """A duration longer than zero (None when absent or wrong: the problem is noted)."""
        if text is None:
            return None
        value = self._try(path, lambda: bounded_duration(text))
        if value is not None and value <= timedelta(0):
            self._problem(path, f"must be longer than zero, got {text!r}")
            return None
        return value

    def _try(self, path: str, convert: Callable[[], T]) -> T | None:
        try:
            return convert()
        except ValueError as error:
            self._problem(path, str(error))
            return None

    def _zone(self, name: str | None, path: str) -> tzinfo | None:
        if name is None:
            return None
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            self._problem(path, f"unknown timezone {name!r}{suggest(name, _zone_names())}")
            return None

    def _duplicates(self, values: Sequence[str], section: str, key: str, what: str) -> None:
        first: dict[str, int] = {}
        for index, value in enumerate(values):
            if value in first:
                self._problem(
                    join_path(join_path(section, index), key),
                    f"duplicate {what} {value!r} (first at {section}[{first[value]}])",
                )
            else:
                first[value] = index

    def _handoff(self, raw: object) -> tuple[Handoff | None, list[tuple[str, str]]]:
        """`handoff:` as a list of rules, or as {routing: [rules], fallback: {...}}."""
        if raw is None:
            return None, []
        prefix = "handoff"
        spec = HandoffSchema(routing=raw) if isinstance(raw, list) else None
        if spec is None:
            spec = self._part(HandoffSchema, raw, "handoff")
            prefix = "handoff.routing"
        if spec is None:
            return None, []
        parsed = self._parts(RuleSchema, spec.routing, prefix)
        rules = tuple(
            self._rule(rule, join_path(prefix, i))
            for i, rule in enumerate(parsed)
            if rule is not None
        )
        if not spec.routing:
            self._problem(prefix, "a hand-off flow needs at least one rule")
        fallback_spec = self._part(FallbackSchema, spec.fallback, "handoff.fallback")
        fallback = self._fallback(fallback_spec, "handoff.fallback", "handoff fallback", UNASSIGNED)
        names = [
            (join_path(prefix, i), _raw_text(r, "name") or f"{prefix}[{i}]")
            for i, r in enumerate(spec.routing)
        ]
        return Handoff(rules=rules, fallback=fallback), names

    def _unique_rule_names(self, named: Sequence[tuple[str, str]]) -> None:
        """Rotations are kept per rule name, so names are unique across both flows."""
        first: dict[str, str] = {}
        for path, name in named:
            if name in first:
                self._problem(
                    join_path(path, "name"),
                    f"duplicate rule name {name!r} (first at {first[name]})",
                )
            else:
                first[name] = path

    def _known(self, name: str, choices: Sequence[str], path: str, what: str) -> bool:
        if name in choices:
            return True
        self._problem(path, f"unknown {what} {name!r}{suggest(name, tuple(choices))}")
        return False

    def _when(self, raw: object, path: str) -> Condition:
        if raw is None:
            return ALWAYS_TRUE
        try:
            return parse_condition(raw, path)
        except ConditionError as error:
            self.problems.extend(error.problems)
            return ALWAYS_TRUE

    def _rule(self, rule: RuleSchema, path: str) -> Rule:
        name = rule.name or path
        targets = [t for t in ("assign", "pool") if getattr(rule, t) is not None]
        if len(targets) != 1:
            found = " and ".join(targets) or "neither"
            self._problem(path, f"a rule needs exactly one of 'assign' or 'pool' (found {found})")
        if rule.pool is not None:
            self._known(rule.pool, self.pool_names, join_path(path, "pool"), "pool")
        pool = rule.pool
        assign = None
        if rule.assign is not None and rule.assign.triage is not None:
            pool = self._triage(rule.assign, join_path(path, "assign"))
        elif rule.assign is not None:
            assign = self._assign(rule.assign, join_path(path, "assign"))
        return Rule(
            name=name,
            when=self._when(rule.when, join_path(path, "when")),
            assign=assign,
            pool=pool,
            on_empty_pool=self._on_empty(rule.on_empty, join_path(path, "on_empty")),
            sla=self._sla(rule, path),
        )

    def _sla(self, rule: RuleSchema, path: str) -> Sla | None:
        if rule.sla is None:
            return None
        if rule.assign is None or rule.assign.triage is not None:
            self._problem(
                join_path(path, "sla"),
                "an sla needs an owner to watch: put it on a rule that assigns to reps",
            )
        return build_sla(self, rule.sla, join_path(path, "sla"))

    def _triage(self, spec: AssignSchema, path: str) -> str:
        """`assign: {triage: managers}`: the lead waits in the triage pool for a manager."""
        others = sorted(spec.model_fields_set - {"triage"})
        if others:
            self._problem(
                join_path(path, others[0]),
                "triage takes no other keys: a manager chooses the rep by hand",
            )
        return TRIAGE

    def _on_empty(self, spec: object, path: str) -> str | None:
        if spec == "next":
            return None
        if isinstance(spec, dict) and set(spec) == {"pool"} and isinstance(spec["pool"], str):
            self._known(spec["pool"], self.pool_names, join_path(path, "pool"), "pool")
            return spec["pool"]
        self._problem(path, f"expected 'next' or {{pool: NAME}}, got {spec!r}")
        return None

    def _assign(self, spec: AssignSchema, path: str) -> Assign:
        for index, team in enumerate(spec.team):
            self._known(team, self.teams, join_path(join_path(path, "team"), index), "team")
        reps = [*spec.reps, *([spec.rep] if spec.rep else [])]
        for index, rep_id in enumerate(spec.reps):
            self._known(rep_id, self.rep_ids, join_path(join_path(path, "reps"), index), "rep")
        if spec.rep:
            self._known(spec.rep, self.rep_ids, join_path(path, "rep"), "rep")
        lookback: timedelta | None = None
        if spec.lookback is not None:
            lookback = self._try(
                join_path(path, "lookback"), lambda: bounded_duration(spec.lookback or "")
            )
        return Assign(
            teams=tuple(spec.team),
            reps=tuple(dict.fromkeys(reps)),
            select=spec.select,
            owner_of=spec.owner_of,
            match_skills=tuple(spec.match_skills),
            require_skills=frozenset(tag.strip().casefold() for tag in spec.require_skills),
            territory=spec.territory,
            any_hours=spec.any_hours,
            catch_up=spec.catch_up,
            prior=Prior(mean=spec.prior.mean, strength=spec.prior.strength),
            lookback=lookback,
            learning=build_learning(self, spec, path),
            offer=self._offer(spec, path),
        )

    def _offer(self, spec: AssignSchema, path: str) -> Offer | None:
        if spec.offer is None:
            return None
        timeout = self.positive(spec.offer.timeout, join_path(path, "offer.timeout"))
        return Offer(timeout=timeout or timedelta(minutes=1), max_offers=spec.offer.max_offers)

    def _fallback(
        self, spec: FallbackSchema | None, path: str, name: str, default_pool: str
    ) -> Rule:
        if spec is None:
            return Rule(name=name, pool=default_pool)
        if spec.pool is not None:
            self._known(spec.pool, self.pool_names, join_path(path, "pool"), "pool")
        if (spec.pool is None) == (spec.assign is None):
            self._problem(path, "expected exactly one of 'pool' or 'assign'")
        assign = self._assign(spec.assign, join_path(path, "assign")) if spec.assign else None
        return Rule(name=name, pool=spec.pool if assign is None else None, assign=assign)


def _raw_text(item: object, key: str) -> str | None:
    value = item.get(key) if isinstance(item, dict) else None
    return value if isinstance(value, str) else None


def _raw_texts(item: object, key: str) -> list[str]:
    value = item.get(key) if isinstance(item, dict) else None
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
