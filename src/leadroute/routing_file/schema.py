"""The shape of the routing file, checked by pydantic. Unknown keys are errors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from leadroute.domain.pools import PoolOrder, Visibility
from leadroute.routing.selectors import SELECTORS
from leadroute.rules.parsing import suggest


def _one_or_many(value: object) -> object:
    return [value] if isinstance(value, str) else value


Names = Annotated[list[str], BeforeValidator(_one_or_many)]
Count = Annotated[int, Field(ge=0)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CapsSchema(Strict):
    hour: Count | None = None
    day: Count | None = None
    week: Count | None = None
    month: Count | None = None
    open: Count | None = None


class RepSchema(Strict):
    id: Annotated[str, Field(min_length=1, max_length=100)]
    name: str = ""
    email: str = ""
    teams: Names = []
    skills: Names = []
    territories: Names = []
    weight: Annotated[float, Field(ge=0)] = 1.0
    caps: CapsSchema = CapsSchema()
    hours: str | None = None
    timezone: str | None = None
    holidays: Any = None
    status: Literal["available", "away", "offline"] = "available"
    away_until: datetime | None = None
    notify: Names = []


class PoolSchema(Strict):
    members: Names = []
    order: PoolOrder = PoolOrder.FIFO
    visibility: Visibility = Visibility.FULL
    wip_limit: Count | None = None
    claim_ttl: str | None = None
    max_wait: str | None = None
    escalate: Any = None
    managers_only: bool = False


class OfferSchema(Strict):
    timeout: str
    max_offers: Annotated[int, Field(ge=1, le=100)] = 3


class PriorSchema(Strict):
    mean: Annotated[float, Field(gt=0, lt=1)] = 0.5
    strength: Annotated[float, Field(gt=0)] = 2.0


class AssignSchema(Strict):
    team: Names = []
    reps: Names = []
    rep: str | None = None
    select: str = "round_robin"
    owner_of: Literal["account"] | None = None
    match_skills: Names = []
    require_skills: Names = []
    territory: bool = False
    any_hours: bool = False
    catch_up: bool = False
    prior: PriorSchema = PriorSchema()
    lookback: str | None = None
    by: Names = []
    shrinkage: Annotated[float, Field(gt=0, le=10_000)] = 10.0
    min_share: Annotated[float, Field(ge=0, lt=1)] = 0.0
    max_share: Annotated[float, Field(gt=0, le=1)] = 1.0
    share_window: str | None = None
    value_field: str | None = None
    batch_window: str | None = None
    offer: OfferSchema | None = None
    triage: Literal["managers"] | None = None

    @field_validator("select")
    @classmethod
    def _known_selector(cls, name: str) -> str:
        if name not in SELECTORS:
            message = f"unknown selector {name!r}{suggest(name, tuple(SELECTORS))}"
            raise PydanticCustomError("unknown_selector", message)
        return name


class RuleSchema(Strict):
    name: str | None = None
    when: Any = None
    assign: AssignSchema | None = None
    pool: str | None = None
    on_empty: Any = "next"
    sla: Any = None


class FallbackSchema(Strict):
    pool: str | None = None
    assign: AssignSchema | None = None


class PointsRuleSchema(Strict):
    when: Any = None
    points: float


class ActivityPointsSchema(Strict):
    activity: str
    points: float
    decay_per_day: Annotated[float, Field(ge=0)] = 0.0


class ScoringSchema(Strict):
    rules: list[Any] = []
    grades: dict[str, float] = {}


class DisqualifySchema(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    when: Any


class DuplicatesSchema(Strict):
    match: Names = ["email", "phone"]
    within: str = "90d"
    policy: Literal["merge", "link"] = "merge"


class QualifySchema(Strict):
    disqualify: list[Any] = []
    nurture_below: float | None = None
    nurture_pool: str = "nurture"


class RoutingFileSchema(Strict):
    """The top level. Sections hold raw items, each validated on its own by its schema so
    that one broken rep does not hide the problems of the others."""

    name: str | None = None
    description: str | None = None
    timezone: str = "UTC"
    holidays: Any = None
    reps: list[Any] = []
    pools: dict[str, Any] = {}
    scoring: Any = None
    routing: list[Any] = []
    fallback: Any = None
    handoff: Any = None
    qualify: Any = None
    duplicates: Any = None
    teams: dict[str, Any] = {}
    notifications: Any = None
    flows: dict[str, Any] = {}
    experiments: list[Any] = []
    reports: Any = None


class SlaSchema(Strict):
    first_touch: str | None = None
    remind_after: str | None = None
    reassign_after: str | None = None
    escalate_after: str | None = None
    max_reassignments: Annotated[int, Field(ge=0, le=100)] = 1
    exclude_last: Annotated[int, Field(ge=0, le=100)] | None = None
    then: Any = None
    business_hours: bool = False
    untouched_after: str | None = None


class TeamSchema(Strict):
    sla: Any = None
    notify: Names = []


class NotificationsSchema(Strict):
    managers: Names = []
    send: Names | None = None
    dashboard_url: str = "http://127.0.0.1:8000"


class HandoffSchema(Strict):
    routing: list[Any] = []
    fallback: Any = None


class ExperimentSchema(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    control: str = "routing"
    variant: str
    split: Annotated[float, Field(gt=0, lt=100)] = 50
    # YAML reads 2026-03-01 as a date: dates, times and texts are all taken here.
    start: Any = None
    stop: Any = None
    when: Any = None
    description: str | None = None


class ReportsSchema(Strict):
    cost_per_lead: dict[str, Annotated[float, Field(ge=0)]] = {}
    lifetime_value_field: Annotated[str, Field(min_length=1)] = "lifetime_value"
    currency: str = ""
