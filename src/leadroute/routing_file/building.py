"""Check the validated routing file for meaning (references, zones, hours) and build the config.

One walk does both: every value is converted once, and each failure becomes a Problem.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ValidationError

from leadroute.domain.calendars import CombinedCalendar, FixedDates, HolidayCalendar
from leadroute.domain.durations import parse_duration
from leadroute.domain.errors import ConditionError, Problem, join_path
from leadroute.domain.hours import ALWAYS, WorkingHours, parse_hours
from leadroute.domain.pools import DEFAULT_UNASSIGNED, UNASSIGNED, Pool
from leadroute.domain.reps import Availability, Caps, Rep, Status
from leadroute.domain.territories import Territory, territory_from_code
from leadroute.geo import territory_code
from leadroute.routing.config import Assign, Prior, RoutingConfig, Rule
from leadroute.routing_file.calendars import country_calendar, supported_codes
from leadroute.routing_file.messages import problems_from
from leadroute.routing_file.schema import (
    AssignSchema,
    FallbackSchema,
    PoolSchema,
    RepSchema,
    RoutingFileSchema,
    RuleSchema,
    ScoringSchema,
)
from leadroute.rules import ALWAYS as ALWAYS_TRUE
from leadroute.rules import Condition, parse_condition
from leadroute.rules.parsing import suggest
from leadroute.scoring.points import PointsRule, Scoring

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
        self.pool_names = sorted({*doc.pools, UNASSIGNED})

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
        shared = self._holidays(doc.holidays, "holidays")
        self._duplicates(
            [_raw_text(item, "id") or f"#{i}" for i, item in enumerate(doc.reps)],
            "reps",
            "id",
            "rep id",
        )
        reps = tuple(
            self._rep(rep, join_path("reps", i), timezone, shared)
            for i, rep in enumerate(self.reps)
            if rep is not None
        )
        pools = {
            name: self._pool(name, spec) for name, spec in self.pools.items() if spec is not None
        }
        pools.setdefault(UNASSIGNED, DEFAULT_UNASSIGNED)
        rules = tuple(
            self._rule(rule, join_path("routing", i))
            for i, rule in enumerate(self.rules)
            if rule is not None
        )
        self._duplicates(
            [_raw_text(r, "name") or f"routing[{i}]" for i, r in enumerate(doc.routing)],
            "routing",
            "name",
            "rule name",
        )
        fallback = self._fallback()
        points = self.scoring.rules if self.scoring else []
        scoring = Scoring(
            rules=tuple(
                PointsRule(when=self._when(r.when, f"scoring.rules[{i}].when"), points=r.points)
                for i, r in enumerate(points)
            )
        )
        if self.problems:
            return None
        return RoutingConfig(
            timezone=timezone,
            reps=reps,
            rules=rules,
            pools=pools,
            fallback=fallback,
            scoring=scoring,
        )

    def _problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path=path, message=message))

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

    def _rep(
        self, rep: RepSchema, path: str, default_zone: tzinfo, shared: HolidayCalendar | None
    ) -> Rep:
        zone = self._zone(rep.timezone, join_path(path, "timezone")) or default_zone
        hours = ALWAYS
        if rep.hours is not None:
            hours = (
                self._try(join_path(path, "hours"), lambda: parse_hours(rep.hours or "")) or ALWAYS
            )
        own = self._holidays(rep.holidays, join_path(path, "holidays"))
        calendars = [c for c in (own, shared) if c is not None]
        until = rep.away_until
        if until is not None and until.tzinfo is None:
            until = until.replace(tzinfo=zone)
        return Rep(
            id=rep.id,
            timezone=zone,
            name=rep.name or rep.id,
            email=rep.email,
            teams=frozenset(rep.teams),
            skills=frozenset(tag.strip().casefold() for tag in rep.skills),
            territories=self._territories(rep.territories, join_path(path, "territories")),
            weight=rep.weight,
            caps=Caps(**rep.caps.model_dump()),
            hours=hours if isinstance(hours, WorkingHours) else ALWAYS,
            holidays=CombinedCalendar(calendars=tuple(calendars)),
            status=Status(availability=Availability(rep.status), until=until),
        )

    def _territories(self, codes: list[str], path: str) -> tuple[Territory, ...]:
        found: list[Territory] = []
        for index, code in enumerate(codes):
            normal = territory_code(code)
            if normal is None:
                self._problem(
                    join_path(path, index),
                    f"unknown territory {code!r} (use an ISO 3166 code such as BR or US-FL)",
                )
            else:
                found.append(territory_from_code(normal))
        return tuple(found)

    def _holidays(self, spec: object, path: str) -> HolidayCalendar | None:
        if spec is None:
            return None
        items = spec if isinstance(spec, list) else [spec]
        days: dict[date, str] = {}
        calendars: list[HolidayCalendar] = []
        for index, item in enumerate(items):
            where = join_path(path, index) if isinstance(spec, list) else path
            if isinstance(item, datetime):
                days[item.date()] = "listed in the routing file"
            elif isinstance(item, date):
                days[item] = "listed in the routing file"
            elif isinstance(item, str) and item.upper() in supported_codes():
                calendars.append(country_calendar(item.upper()))
            elif isinstance(item, str) and _iso_date(item) is not None:
                days[_iso_date(item) or date.min] = "listed in the routing file"
            else:
                self._problem(
                    where,
                    f"expected a date (2026-12-25) or a country code (US, BR, US-CA), got {item!r}",
                )
        if days:
            calendars.insert(0, FixedDates(days=days))
        return CombinedCalendar(calendars=tuple(calendars)) if calendars else None

    def _pool(self, name: str, spec: PoolSchema) -> Pool:
        path = join_path("pools", name)
        for index, member in enumerate(spec.members):
            self._member(member, join_path(join_path(path, "members"), index))
        return Pool(
            name=name,
            members=tuple(spec.members),
            order=spec.order,
            visibility=spec.visibility,
            wip_limit=spec.wip_limit,
        )

    def _member(self, member: str, path: str) -> None:
        if member.startswith("team:"):
            self._known(member[5:], self.teams, path, "team")
        else:
            self._known(member, self.rep_ids, path, "rep")

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
        return Rule(
            name=name,
            when=self._when(rule.when, join_path(path, "when")),
            assign=self._assign(rule.assign, join_path(path, "assign")) if rule.assign else None,
            pool=rule.pool,
            on_empty_pool=self._on_empty(rule.on_empty, join_path(path, "on_empty")),
        )

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
                join_path(path, "lookback"), lambda: parse_duration(spec.lookback or "")
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
        )

    def _fallback(self) -> Rule:
        spec = self.fallback
        if spec is None:
            return Rule(name="fallback", pool=UNASSIGNED)
        if spec.pool is not None:
            self._known(spec.pool, self.pool_names, "fallback.pool", "pool")
        if (spec.pool is None) == (spec.assign is None):
            self._problem("fallback", "expected exactly one of 'pool' or 'assign'")
        assign = self._assign(spec.assign, "fallback.assign") if spec.assign else None
        return Rule(name="fallback", pool=spec.pool if assign is None else None, assign=assign)


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
