"""The same 20 rules written by hand, the obvious way: plain Python over dicts, no traces.

Every lead walks the rules in order; a rule that matches loops over all 200 reps and checks
team, availability, skills, territory, hours and caps one by one, then picks with the rule's
selector. State is a handful of dicts updated after each assignment. This is what the engine is
measured against.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from workload import RepSpec

Fields = Mapping[str, object]
WINDOWS = ("hour", "day", "week", "month")
EMEA = ("GB", "DE", "FR", "ES", "IT", "NL", "NO")
LATAM = ("BR", "MX", "AR", "CO")
APAC = ("JP", "AU", "SG", "IN")
NORTH_AMERICA = ("US", "CA")
LABS = re.compile("labs?$", re.IGNORECASE)


@dataclass
class Rep:
    id: str
    teams: set[str]
    tz: ZoneInfo
    skills: set[str]
    territories: list[str]
    weight: float
    caps: dict[str, int]
    days: set[int]
    start: int
    end: int
    holidays: set[date]
    status: str
    away_until: datetime | None


@dataclass
class Rule:
    name: str
    when: Callable[[Fields], bool]
    teams: tuple[str, ...] = ()
    select: str = "round_robin"
    pool: str | None = None
    on_empty: str | None = None
    match_skills: tuple[str, ...] = ()
    require_skills: tuple[str, ...] = ()
    territory: bool = False
    any_hours: bool = False
    catch_up: bool = False


def _size(f: Fields) -> int | None:
    size = f.get("company_size")
    return size if isinstance(size, int) else None


def _big(f: Fields) -> bool:
    size = _size(f)
    return size is not None and size >= 1000


def _mid(f: Fields) -> bool:
    size = _size(f)
    return size is not None and 100 <= size <= 999


RULES = [
    Rule(name="junk", when=lambda f: f.get("source") in ("spam", "test"), pool="review"),
    Rule(
        name="partner referrals",
        when=lambda f: f.get("source") == "partner",
        teams=("partners",),
        select="hunt",
        on_empty="partner_queue",
    ),
    Rule(
        name="health enterprise",
        when=lambda f: f.get("industry") == "healthcare" and _big(f),
        teams=("health",),
        select="top_performer",
        match_skills=("product",),
    ),
    Rule(
        name="finance enterprise",
        when=lambda f: f.get("industry") in ("banking", "insurance", "fintech") and _big(f),
        teams=("fin",),
        select="weighted",
        territory=True,
    ),
    Rule(
        name="enterprise na",
        when=lambda f: f.get("country") in NORTH_AMERICA and _big(f),
        teams=("ent_na",),
        territory=True,
        on_empty="ent_queue",
    ),
    Rule(
        name="enterprise emea",
        when=lambda f: f.get("country") in EMEA and _big(f),
        teams=("ent_emea",),
        select="top_performer",
        match_skills=("language",),
    ),
    Rule(
        name="enterprise latam",
        when=lambda f: f.get("country") in LATAM and _big(f),
        teams=("ent_latam",),
        catch_up=True,
    ),
    Rule(
        name="enterprise apac",
        when=lambda f: f.get("country") in APAC and _big(f),
        teams=("ent_apac",),
        select="least_loaded",
        territory=True,
    ),
    Rule(
        name="hot inbound",
        when=lambda f: float(f.get("score") or 0) >= 60,  # type: ignore[arg-type]
        teams=("sdr",),
        select="weighted",
        match_skills=("language",),
    ),
    Rule(
        name="mid-market na",
        when=lambda f: f.get("country") in NORTH_AMERICA and _mid(f),
        teams=("mm_na",),
        territory=True,
    ),
    Rule(
        name="mid-market emea",
        when=lambda f: f.get("country") in EMEA and _mid(f),
        teams=("mm_emea",),
        select="weighted",
        match_skills=("language",),
    ),
    Rule(
        name="mid-market latam",
        when=lambda f: f.get("country") in LATAM and _mid(f),
        teams=("mm_latam",),
        select="least_loaded",
    ),
    Rule(
        name="mid-market apac",
        when=lambda f: f.get("country") in APAC and _mid(f),
        teams=("mm_apac",),
        territory=True,
    ),
    Rule(
        name="events",
        when=lambda f: f.get("source") == "event",
        teams=("sdr",),
        select="hunt",
        require_skills=("events",),
    ),
    Rule(
        name="spanish speakers",
        when=lambda f: f.get("language") == "es",
        teams=("sdr", "mm_latam"),
        match_skills=("language",),
    ),
    Rule(
        name="portuguese speakers",
        when=lambda f: f.get("language") == "pt",
        teams=("sdr", "mm_latam"),
        select="least_loaded",
        require_skills=("pt",),
    ),
    Rule(
        name="smb na",
        when=lambda f: f.get("country") in NORTH_AMERICA and not _big_or_mid(f),
        teams=("sdr",),
        territory=True,
    ),
    Rule(
        name="analytics",
        when=lambda f: f.get("product") == "analytics",
        teams=("sdr",),
        select="least_loaded",
        require_skills=("analytics",),
    ),
    Rule(
        name="labs",
        when=lambda f: LABS.search(str(f.get("company", ""))) is not None,
        teams=("sdr",),
        select="top_performer",
    ),
    Rule(name="everyone else", when=lambda f: f.get("country") is not None, teams=("sdr",)),
]
FALLBACK = Rule(
    name="fallback", when=lambda f: True, teams=("support",), select="least_loaded", any_hours=True
)


def _big_or_mid(f: Fields) -> bool:
    size = _size(f)
    return size is not None and size >= 100


def score(f: Fields) -> float:
    points = 0.0
    if f.get("source") == "referral":
        points += 30
    size = _size(f)
    if size is not None and size >= 500:
        points += 20
    if f.get("product") == "payments":
        points += 15
    if f.get("industry") in ("saas", "fintech"):
        points += 20
    return points


def window_key(window: str, local: datetime) -> object:
    if window == "hour":
        return (local.date(), local.hour)
    if window == "day":
        return local.date()
    if window == "week":
        return local.date() - timedelta(days=local.weekday())
    return (local.year, local.month)


class Baseline:
    """Routes leads with the rules above and keeps the state in plain dicts."""

    def __init__(self, specs: list[RepSpec]) -> None:
        self.reps = [
            Rep(
                id=s.id,
                teams=set(s.teams),
                tz=ZoneInfo(s.timezone),
                skills=set(s.skills),
                territories=list(s.territories),
                weight=s.weight,
                caps=dict(s.caps),
                days=set(s.days),
                start=s.start,
                end=s.end,
                holidays={date.fromisoformat(d) for d in s.holidays},
                status=s.status,
                away_until=datetime.fromisoformat(s.away_until) if s.away_until else None,
            )
            for s in specs
        ]
        self.sequence = 0
        self.counts: dict[tuple[str, str, object], int] = {}
        self.served: dict[tuple[str, str, object], int] = {}
        self.last_served: dict[tuple[str, str], int] = {}
        self.last_assigned: dict[str, int] = {}
        self.open: dict[str, int] = {}
        self.won: dict[str, int] = {}
        self.lost: dict[str, int] = {}
        self.credits: dict[tuple[str, str], float] = {}
        self.owners: dict[str, str] = {}

    def route(
        self, lead_id: str, fields: Fields, now: datetime
    ) -> tuple[str, str | None, str | None]:
        """(rule, rep, pool) for the lead, with the state updated."""
        f = dict(fields)
        f["score"] = score(f)
        for rule in [*RULES, FALLBACK]:
            if not rule.when(f):
                continue
            if rule.pool is not None:
                return rule.name, None, rule.pool
            eligible = [rep for rep in self.reps if self.eligible(rep, rule, f, now)]
            if rule.territory and len(eligible) > 1:
                levels = {rep.id: self.specificity(rep, f) for rep in eligible}
                best = max(levels.values())
                eligible = [rep for rep in eligible if levels[rep.id] == best]
            if eligible:
                rep = self.choose(rule, eligible, now)
                self.give(lead_id, rep, rule, now)
                return rule.name, rep.id, None
            if rule.on_empty is not None:
                return rule.name, None, rule.on_empty
        return "fallback", None, "unassigned"

    def eligible(self, rep: Rep, rule: Rule, f: Fields, now: datetime) -> bool:
        if not any(team in rep.teams for team in rule.teams):
            return False
        if rep.status != "available" and not (rep.away_until and now >= rep.away_until):
            return False
        for skill in rule.require_skills:
            if skill not in rep.skills:
                return False
        for name in rule.match_skills:
            value = f.get(name)
            if value is None or str(value).strip().casefold() not in rep.skills:
                return False
        if rule.territory and self.specificity(rep, f) == 0:
            return False
        local = now.astimezone(rep.tz)
        if not rule.any_hours:
            if local.date() in rep.holidays:
                return False
            if rep.days:
                minute = local.hour * 60 + local.minute
                if local.weekday() not in rep.days or not rep.start <= minute < rep.end:
                    return False
        for window in WINDOWS:
            limit = rep.caps.get(window)
            if (
                limit is not None
                and self.counts.get((rep.id, window, window_key(window, local)), 0) >= limit
            ):
                return False
        limit = rep.caps.get("open")
        return limit is None or self.open.get(rep.id, 0) < limit

    def specificity(self, rep: Rep, f: Fields) -> int:
        best = 0
        for code in rep.territories:
            if "-" in code:
                if f.get("region") == code:
                    best = 2
            elif f.get("country") == code:
                best = max(best, 1)
        return best

    def choose(self, rule: Rule, eligible: list[Rep], now: datetime) -> Rep:
        name = rule.name
        if rule.select == "hunt":
            return eligible[0]
        if rule.select == "least_loaded":
            return min(
                eligible,
                key=lambda r: (self.open.get(r.id, 0), self.last_assigned.get(r.id, -1)),
            )
        if rule.select == "top_performer":

            def rate(r: Rep) -> float:
                won, lost = self.won.get(r.id, 0), self.lost.get(r.id, 0)
                return (won + 0.5 * 2.0) / (won + lost + 2.0)

            return min(eligible, key=lambda r: (-rate(r), self.last_served.get((name, r.id), -1)))
        if rule.select == "weighted":
            total = sum(r.weight for r in eligible)
            # Earliest due among reps not a whole lead ahead of their share.
            best, best_key = eligible[0], (math.inf, 0.0)
            for r in eligible:
                credit = self.credits.get((name, r.id), 0.0)
                if r.weight > 0 and credit > -r.weight + 1e-9:
                    key = (math.ceil((total - credit) / r.weight - 1e-9), -credit)
                    if key < best_key:
                        best, best_key = r, key
            for r in eligible:
                delta = r.weight - (total if r is best else 0.0)
                self.credits[(name, r.id)] = self.credits.get((name, r.id), 0.0) + delta
            return best
        if rule.catch_up:
            return min(
                eligible,
                key=lambda r: (
                    self.served.get((name, r.id, self.catch_up_key(r, now)), 0),
                    self.last_served.get((name, r.id), -1),
                ),
            )
        return min(eligible, key=lambda r: self.last_served.get((name, r.id), -1))

    def catch_up_key(self, rep: Rep, now: datetime) -> object:
        window = next((w for w in WINDOWS if w in rep.caps), "day")
        return (window, window_key(window, now.astimezone(rep.tz)))

    def give(self, lead_id: str, rep: Rep, rule: Rule, now: datetime) -> None:
        self.sequence += 1
        self.owners[lead_id] = rep.id
        self.last_served[(rule.name, rep.id)] = self.sequence
        self.last_assigned[rep.id] = self.sequence
        self.open[rep.id] = self.open.get(rep.id, 0) + 1
        local = now.astimezone(rep.tz)
        for window in WINDOWS:
            key = (rep.id, window, window_key(window, local))
            self.counts[key] = self.counts.get(key, 0) + 1
        served = (rule.name, rep.id, self.catch_up_key(rep, now))
        self.served[served] = self.served.get(served, 0) + 1

    def record_outcome(self, lead_id: str, result: str) -> None:
        owner = self.owners.get(lead_id)
        if owner is None:
            return
        self.open[owner] -= 1
        if result == "won":
            self.won[owner] = self.won.get(owner, 0) + 1
        elif result == "lost":
            self.lost[owner] = self.lost.get(owner, 0) + 1
