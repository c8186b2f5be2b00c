"""The benchmark workload: a 200-rep, 20-rule routing file and a seeded stream of leads.

The reps are described once (`RepSpec`) and rendered both as routing-file YAML (for the engine)
and as plain dicts (for the hand-written baseline), so both see exactly the same people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from random import Random

import yaml

from leadroute.domain.leads import Lead
from leadroute.normalize import lead_from_payload

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a Monday; the run covers about a week
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

REGIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "na": {
        "zones": ("America/New_York", "America/Chicago", "America/Los_Angeles"),
        "territories": ("US-CA", "US-NY", "US-TX", "US-FL", "US-WA", "US-IL", "US", "CA"),
        "languages": ("en", "es"),
    },
    "emea": {
        "zones": ("Europe/London", "Europe/Berlin", "Europe/Paris", "Europe/Madrid"),
        "territories": ("GB", "DE", "FR", "ES", "IT", "NL", "NO"),
        "languages": ("en", "de", "fr", "es", "it", "nl", "no"),
    },
    "latam": {
        "zones": ("America/Sao_Paulo", "America/Mexico_City", "America/Bogota"),
        "territories": ("BR", "MX", "AR", "CO"),
        "languages": ("pt", "es", "en"),
    },
    "apac": {
        "zones": ("Asia/Tokyo", "Australia/Sydney", "Asia/Singapore", "Asia/Kolkata"),
        "territories": ("JP", "AU", "SG", "IN"),
        "languages": ("ja", "en", "hi"),
    },
}
PRODUCTS = ("crm", "analytics", "payments")

# team -> (size, region or "any", caps)
TEAMS: dict[str, tuple[int, str, dict[str, int]]] = {
    "ent_na": (12, "na", {"day": 25, "week": 100}),
    "ent_emea": (10, "emea", {"day": 25, "week": 100}),
    "ent_latam": (8, "latam", {"day": 25}),
    "ent_apac": (8, "apac", {"day": 25}),
    "mm_na": (25, "na", {"hour": 8, "day": 40}),
    "mm_emea": (20, "emea", {"hour": 8, "day": 40}),
    "mm_latam": (12, "latam", {"hour": 8, "day": 40}),
    "mm_apac": (10, "apac", {"hour": 8, "day": 40}),
    "sdr": (40, "any", {"hour": 15, "day": 100}),
    "partners": (10, "any", {"day": 50}),
    "support": (20, "any", {"day": 300, "open": 400}),
    "health": (10, "any", {"day": 25}),
    "fin": (15, "any", {"day": 25, "month": 400}),
}


@dataclass(frozen=True, kw_only=True)
class RepSpec:
    """One rep, as both the routing file and the baseline describe them."""

    id: str
    teams: tuple[str, ...]
    timezone: str
    skills: tuple[str, ...]
    territories: tuple[str, ...]
    weight: float = 1.0
    caps: dict[str, int] = field(default_factory=dict)
    days: tuple[int, ...] = ()  # empty: always working
    start: int = 0  # minutes after local midnight
    end: int = 0
    holidays: tuple[str, ...] = ()
    status: str = "available"
    away_until: str | None = None

    @property
    def hours(self) -> str:
        if not self.days:
            return "always"
        first, last = DAYS[self.days[0]], DAYS[self.days[-1]]
        return f"{first}-{last} {_hhmm(self.start)}-{_hhmm(self.end)}"

    def as_yaml_item(self) -> dict[str, object]:
        item: dict[str, object] = {
            "id": self.id,
            "teams": list(self.teams),
            "timezone": self.timezone,
            "skills": list(self.skills),
            "territories": list(self.territories),
            "weight": self.weight,
            "caps": dict(self.caps),
            "hours": self.hours,
        }
        if self.holidays:
            item["holidays"] = list(self.holidays)
        if self.status != "available":
            item["status"] = self.status
        if self.away_until:
            item["away_until"] = self.away_until
        return item


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def make_reps(seed: int = 7) -> list[RepSpec]:
    rng = Random(seed)
    reps: list[RepSpec] = []
    for team, (size, home, caps) in TEAMS.items():
        for number in range(size):
            region = home if home != "any" else rng.choice(tuple(REGIONS))
            info = REGIONS[region]
            zone = rng.choice(info["zones"])
            languages = {"en", rng.choice(info["languages"])}
            if rng.random() < 0.3:
                languages.add(rng.choice(info["languages"]))
            products = set(rng.sample(PRODUCTS, rng.randint(1, 3)))
            extra = {"events"} if team == "sdr" and rng.random() < 0.5 else set()
            territories = tuple(dict.fromkeys(rng.sample(info["territories"], rng.randint(1, 3))))
            index = len(reps)
            days: tuple[int, ...] = (0, 1, 2, 3, 4)
            start, end = rng.choice(((8 * 60, 17 * 60), (9 * 60, 18 * 60), (7 * 60 + 30, 16 * 60)))
            if team == "support":
                days = () if number % 2 == 0 else (0, 1, 2, 3, 4, 5, 6)
                start, end = (0, 0) if not days else (6 * 60, 22 * 60)
            holidays = ("2026-03-04",) if zone == "Europe/Berlin" else ()
            if zone == "America/Sao_Paulo" and index % 2 == 0:
                holidays = ("2026-03-03",)
            status, away_until = "available", None
            if index % 37 == 5:
                status, away_until = "away", "2026-03-04T12:00:00+00:00"
            elif index % 53 == 7:
                status = "offline"
            reps.append(
                RepSpec(
                    id=f"{team}-{number:02d}",
                    teams=(team,),
                    timezone=zone,
                    skills=tuple(sorted(languages | products | extra)),
                    territories=territories,
                    weight=rng.choice((1.0, 1.0, 1.5, 2.0, 3.0)),
                    caps=dict(caps),
                    days=days,
                    start=start,
                    end=end,
                    holidays=holidays,
                    status=status,
                    away_until=away_until,
                )
            )
    return reps


RULES_YAML = """\
timezone: America/New_York
pools:
  review: {order: fifo}
  partner_queue: {members: ["team:partners"]}
  ent_queue: {members: ["team:ent_na"], order: score}
scoring:
  rules:
    - {when: {field: source, eq: referral}, points: 30}
    - {when: {field: company_size, gte: 500}, points: 20}
    - {when: {field: product, eq: payments}, points: 15}
    - {when: {field: industry, in: [saas, fintech]}, points: 20}
routing:
  - name: junk
    when: {field: source, in: [spam, test]}
    pool: review
  - name: partner referrals
    when: {field: source, eq: partner}
    assign: {team: partners, select: hunt}
    on_empty: {pool: partner_queue}
  - name: health enterprise
    when: {all: [{field: industry, eq: healthcare}, {field: company_size, gte: 1000}]}
    assign: {team: health, select: top_performer, match_skills: [product]}
  - name: finance enterprise
    when:
      all:
        - {field: industry, in: [banking, insurance, fintech]}
        - {field: company_size, gte: 1000}
    assign: {team: fin, select: weighted, territory: true}
  - name: enterprise na
    when: {all: [{field: country, in: [US, CA]}, {field: company_size, gte: 1000}]}
    assign: {team: ent_na, select: round_robin, territory: true}
    on_empty: {pool: ent_queue}
  - name: enterprise emea
    when:
      all:
        - {field: country, in: [GB, DE, FR, ES, IT, NL, NO]}
        - {field: company_size, gte: 1000}
    assign: {team: ent_emea, select: top_performer, match_skills: [language]}
  - name: enterprise latam
    when: {all: [{field: country, in: [BR, MX, AR, CO]}, {field: company_size, gte: 1000}]}
    assign: {team: ent_latam, select: round_robin, catch_up: true}
  - name: enterprise apac
    when: {all: [{field: country, in: [JP, AU, SG, IN]}, {field: company_size, gte: 1000}]}
    assign: {team: ent_apac, select: least_loaded, territory: true}
  - name: hot inbound
    when: {field: score, gte: 60}
    assign: {team: sdr, select: weighted, match_skills: [language]}
  - name: mid-market na
    when: {all: [{field: country, in: [US, CA]}, {field: company_size, between: [100, 999]}]}
    assign: {team: mm_na, select: round_robin, territory: true}
  - name: mid-market emea
    when:
      all:
        - {field: country, in: [GB, DE, FR, ES, IT, NL, NO]}
        - {field: company_size, between: [100, 999]}
    assign: {team: mm_emea, select: weighted, match_skills: [language]}
  - name: mid-market latam
    when:
      all:
        - {field: country, in: [BR, MX, AR, CO]}
        - {field: company_size, between: [100, 999]}
    assign: {team: mm_latam, select: least_loaded}
  - name: mid-market apac
    when:
      all:
        - {field: country, in: [JP, AU, SG, IN]}
        - {field: company_size, between: [100, 999]}
    assign: {team: mm_apac, select: round_robin, territory: true}
  - name: events
    when: {field: source, eq: event}
    assign: {team: sdr, select: hunt, require_skills: [events]}
  - name: spanish speakers
    when: {field: language, eq: es}
    assign: {team: [sdr, mm_latam], select: round_robin, match_skills: [language]}
  - name: portuguese speakers
    when: {field: language, eq: pt}
    assign: {team: [sdr, mm_latam], select: least_loaded, require_skills: [pt]}
  - name: smb na
    when: {all: [{field: country, in: [US, CA]}, {not: {field: company_size, gte: 100}}]}
    assign: {team: sdr, select: round_robin, territory: true}
  - name: analytics
    when: {field: product, eq: analytics}
    assign: {team: sdr, select: least_loaded, require_skills: [analytics]}
  - name: labs
    when: {field: company, matches: "labs?$"}
    assign: {team: sdr, select: top_performer}
  - name: everyone else
    when: {field: country, exists: true}
    assign: {team: sdr, select: round_robin}
fallback:
  assign: {team: support, select: least_loaded, any_hours: true}
"""


def routing_yaml(reps: list[RepSpec]) -> str:
    """The whole routing file: the rules above plus the reps, as YAML text."""
    body = yaml.safe_dump(
        {"reps": [rep.as_yaml_item() for rep in reps]}, sort_keys=False, width=200
    )
    return RULES_YAML + body


# The lead mix: (value, weight) pairs.
COUNTRIES = (
    ("US", 30), ("CA", 5), ("GB", 6), ("DE", 6), ("FR", 4), ("ES", 3), ("IT", 2), ("NL", 2),
    ("NO", 1), ("BR", 8), ("MX", 5), ("AR", 2), ("CO", 2), ("JP", 4), ("AU", 3), ("SG", 2),
    ("IN", 4), ("ZA", 2),
)  # fmt: skip
US_REGIONS = ("US-CA", "US-NY", "US-TX", "US-FL", "US-WA", "US-IL", "US-OH")
LANGUAGE_OF = {
    "US": "en", "CA": "en", "GB": "en", "DE": "de", "FR": "fr", "ES": "es", "IT": "it",
    "NL": "nl", "NO": "no", "BR": "pt", "MX": "es", "AR": "es", "CO": "es", "JP": "ja",
    "AU": "en", "SG": "en", "IN": "hi", "ZA": "en",
}  # fmt: skip
INDUSTRIES = ("saas", "healthcare", "banking", "insurance", "fintech", "retail", "manufacturing")
SOURCES = (
    ("web", 40), ("ads", 20), ("referral", 10), ("event", 10), ("partner", 6), ("webinar", 8),
    ("spam", 3), ("test", 1),
)  # fmt: skip
SIZES = (5, 20, 50, 99, 100, 250, 500, 999, 1000, 2500, 10000)
COMPANY_WORDS = ("Acme", "Nova", "Blue", "Orbit", "Zen", "Pixel", "Iron", "Quantum", "Green")
COMPANY_SUFFIXES = ("Inc", "Labs", "Lab", "GmbH", "Ltda", "Corp", "Systems", "Ltd")


def _pick(rng: Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def make_leads(count: int, seed: int = 42) -> list[tuple[datetime, Lead]]:
    """`count` leads, each with the virtual time it arrives at (1-10 s after the previous)."""
    rng = Random(seed)
    now = START
    leads: list[tuple[datetime, Lead]] = []
    for number in range(count):
        now += timedelta(seconds=rng.randint(1, 10))
        payload: dict[str, object] = {}
        if rng.random() < 0.98:
            country = _pick(rng, COUNTRIES)
            payload["country"] = country
            if country == "US":
                payload["region"] = rng.choice(US_REGIONS)
            if rng.random() < 0.95:
                language = LANGUAGE_OF[country]
                payload["language"] = "es" if rng.random() < 0.08 else language
        word, suffix = rng.choice(COMPANY_WORDS), rng.choice(COMPANY_SUFFIXES)
        company = f"{word} {rng.randint(1, 5000)} {suffix}"
        payload["company"] = company
        payload["email"] = f"lead{number}@{word.lower()}{rng.randint(1, 5000)}.com"
        payload["industry"] = rng.choice(INDUSTRIES)
        if rng.random() < 0.97:
            payload["company_size"] = rng.choice(SIZES)
        payload["source"] = _pick(rng, SOURCES)
        payload["product"] = rng.choice(PRODUCTS)
        lead_id = f"L{number}"
        leads.append((now, lead_from_payload(payload, lead_id=lead_id, received_at=now)))
    return leads


def outcome_for(index: int) -> tuple[int, str] | None:
    """After lead `index` is routed, close an earlier lead: (its index, result), or None."""
    if index < 40 or index % 4:
        return None
    kind = ((index * 2654435761) >> 7) % 5
    return index - 40, ("won", "won", "lost", "lost", "disqualified")[kind]
