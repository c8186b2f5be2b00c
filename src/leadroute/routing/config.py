"""The routing file as typed values the engine runs: rules, targets, pools, reps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta, tzinfo

from leadroute.domain.offers import Offer
from leadroute.domain.pools import DEFAULT_UNASSIGNED, UNASSIGNED, Pool
from leadroute.domain.reps import Rep
from leadroute.domain.sla import Sla
from leadroute.routing.duplicates import Duplicates
from leadroute.routing.experiments import Experiment
from leadroute.routing.qualify import Qualification
from leadroute.rules import ALWAYS, Condition
from leadroute.scoring.points import NO_SCORING, Scoring


@dataclass(frozen=True, kw_only=True, slots=True)
class Prior:
    """Beta prior of a rep's win rate: mean and strength (pseudo-deals). Beta(1,1) by default."""

    mean: float = 0.5
    strength: float = 2.0

    def estimate(self, won: int, lost: int) -> float:
        return (won + self.mean * self.strength) / (won + lost + self.strength)


@dataclass(frozen=True, kw_only=True, slots=True)
class Learning:
    """What top_performer, bandit and optimal learn win rates by, and the guard rails of the
    ones that explore or optimise (routing/performance.py, routing/selectors/shares.py)."""

    by: tuple[str, ...] = ()  # lead fields naming the segment results are counted in
    shrinkage: float = 10.0  # pseudo-deals pulling a rep's and a segment's rate to the level above
    min_share: float = 0.0  # each eligible rep's least share of the rule's leads
    max_share: float = 1.0  # and most (optimal)
    share_window: timedelta = timedelta(days=7)  # the leads those shares count
    value_field: str | None = None  # optimal: the lead field giving a won deal's value (else 1)
    batch_window: timedelta | None = None  # optimal: leads arriving this close are placed together


@dataclass(frozen=True, kw_only=True, slots=True)
class Assign:
    """How a rule picks one rep: who may be a candidate, and which selector chooses."""

    teams: tuple[str, ...] = ()
    reps: tuple[str, ...] = ()
    select: str = "round_robin"
    owner_of: str | None = None
    match_skills: tuple[str, ...] = ()
    require_skills: frozenset[str] = frozenset()
    territory: bool = False
    any_hours: bool = False
    catch_up: bool = False
    prior: Prior = field(default_factory=Prior)
    lookback: timedelta | None = None
    learning: Learning = field(default_factory=Learning)
    offer: Offer | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Rule:
    """`when` + a target. `on_empty_pool` None means fall through to the next rule."""

    name: str
    when: Condition = ALWAYS
    assign: Assign | None = None
    pool: str | None = None
    on_empty_pool: str | None = None
    sla: Sla | None = None


def _to_unassigned() -> Rule:
    return Rule(name="fallback", pool=UNASSIGNED)


@dataclass(frozen=True, kw_only=True, slots=True)
class Handoff:
    """The second flow, run when an owner marks a lead qualified (SDR → closer)."""

    rules: tuple[Rule, ...]
    fallback: Rule = field(default_factory=lambda: Rule(name="handoff fallback", pool=UNASSIGNED))


@dataclass(frozen=True, kw_only=True, slots=True)
class Team:
    """A `teams:` entry: the team's SLA (for leads its members own without a rule SLA) and
    its notification channels (apprise URLs)."""

    name: str
    sla: Sla | None = None
    notify: tuple[str, ...] = ()


NOTICE_KINDS = ("assigned", "offered", "reminder", "reassigned", "escalated", "overdue")


@dataclass(frozen=True, kw_only=True, slots=True)
class Notifications:
    """The `notifications:` section: where managers hear of escalations and overdue leads,
    which kinds of notice are sent at all, and the dashboard address links point at."""

    managers: tuple[str, ...] = ()
    send: frozenset[str] = frozenset(NOTICE_KINDS)
    dashboard_url: str = "http://127.0.0.1:8000"


@dataclass(frozen=True, kw_only=True, slots=True)
class Reporting:
    """The `reports:` section: what a lead costs by source (`"*"` for any other source, else
    0), the lead field that carries a customer's lifetime value, and the currency to show."""

    cost_per_lead: Mapping[str, float] = field(default_factory=dict)
    lifetime_value_field: str = "lifetime_value"
    currency: str = ""

    def cost_of(self, source: str | None) -> float:
        costs = self.cost_per_lead
        if source is not None and source in costs:
            return costs[source]
        return costs.get("*", 0.0)


@dataclass(frozen=True, kw_only=True, slots=True)
class RoutingConfig:
    """`escalations` maps a pool with `max_wait` to the rule that pushes its overdue leads
    (pools without one report overdue leads to managers)."""

    timezone: tzinfo
    reps: tuple[Rep, ...]
    rules: tuple[Rule, ...]
    pools: Mapping[str, Pool] = field(default_factory=lambda: {UNASSIGNED: DEFAULT_UNASSIGNED})
    fallback: Rule = field(default_factory=_to_unassigned)
    scoring: Scoring = NO_SCORING
    handoff: Handoff | None = None
    escalations: Mapping[str, Rule] = field(default_factory=dict)
    qualify: Qualification | None = None
    duplicates: Duplicates | None = None
    teams: Mapping[str, Team] = field(default_factory=dict)
    notifications: Notifications = field(default_factory=Notifications)
    # Named alternative rule lists (`flows:`), tried before the main fallback; experiments
    # route a share of new leads through one of them.
    flows: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict)
    experiments: tuple[Experiment, ...] = ()
    reporting: Reporting = field(default_factory=Reporting)

    def pool(self, name: str) -> Pool:
        return self.pools.get(name) or Pool(name=name)
