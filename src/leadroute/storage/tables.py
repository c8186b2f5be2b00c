"""The database schema (SQLAlchemy 2 declarative models). Alembic migrations create it.

Rows never leave `storage/`: repositories turn them into domain values. Times are stored as
timezone-aware UTC timestamps. Shared routing state that must stay exact under concurrent
requests (the rotation sequence, cap counters, open loads, rotation credits) lives in small
tables updated in the same transaction as the lead, under the routing lock (`routing_state` row).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

Json = dict[str, Any]


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which keeps no offset) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to the database")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 (SQLAlchemy reads this class attribute)
        datetime: UtcDateTime(),
        Json: JSON,
        list[str]: JSON,
        list[Json]: JSON,
    }


class RoutingState(Base):
    """One row (id 1): the rotation sequence and the routing version in force.

    Locking this row (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite serialises writers with
    `BEGIN IMMEDIATE`) makes every routing transaction see the previous one's turns and counts.
    """

    __tablename__ = "routing_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int | None] = mapped_column(Integer)
    # Raised by every change to `accounts`: processes keep a compiled account book while it
    # holds (storage/accounts.py).
    accounts_revision: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    # Raised by every change to `webhooks`: processes keep the active subscriptions while it
    # holds (services/outbox.py).
    webhooks_revision: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))


class RoutingVersion(Base):
    __tablename__ = "routing_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str] = mapped_column(String(500), default="")


class LeadRow(Base):
    __tablename__ = "leads"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime]
    source: Mapped[str | None] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(200))
    fields: Mapped[Json]
    raw: Mapped[Json]
    issues: Mapped[list[str]]
    custom: Mapped[list[str]]
    status: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str | None] = mapped_column(String(100))
    pool: Mapped[str | None] = mapped_column(String(100))
    pool_entered: Mapped[int | None] = mapped_column(BigInteger)
    rule: Mapped[str | None] = mapped_column(String(200))
    score: Mapped[float | None] = mapped_column(Float)
    routing_version: Mapped[int | None] = mapped_column(Integer)
    touched_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    amount: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime]
    # Pools, offers, hand-offs (docs/POOLS.md). `pool_entered` and `pooled_at` are kept while a
    # claimed lead is out of its pool, so it goes back to its old place.
    pooled_at: Mapped[datetime | None]
    claimed_from: Mapped[str | None] = mapped_column(String(100))
    offered: Mapped[list[str] | None] = mapped_column(JSON, default=list)  # None: none
    qualified_by: Mapped[str | None] = mapped_column(String(100))
    qualified_at: Mapped[datetime | None]
    last_touched_at: Mapped[datetime | None]
    # How many timers were started for the lead; only the latest (this number) may act.
    timers: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Qualification, duplicates and accounts (issue "Qualification, scoring and duplicate/
    # account matching"): the grade of the score, why the lead is nurtured or disqualified,
    # the normalised keys duplicates are found by, the lead it duplicates, its account.
    grade: Mapped[str | None] = mapped_column(String(40))
    status_reason: Mapped[str | None] = mapped_column(Text)
    email_key: Mapped[str | None] = mapped_column(String(320))
    phone_key: Mapped[str | None] = mapped_column(String(40))
    company_key: Mapped[str | None] = mapped_column(String(600))
    duplicate_of: Mapped[str | None] = mapped_column(String(64))
    account_id: Mapped[str | None] = mapped_column(String(64))
    # SLA (domain/sla.py): the first owner's start, re-assignments made, earlier owners.
    sla_started_at: Mapped[datetime | None]
    reassignments: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    past_owners: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    # The A/B experiment the lead takes part in and its arm, fixed by its first decision.
    experiment: Mapped[str | None] = mapped_column(String(200))
    arm: Mapped[str | None] = mapped_column(String(20))
    # When the lead's personal data was erased (a tombstone stays for reports).
    erased_at: Mapped[datetime | None]

    __table_args__ = (
        Index(
            "uq_leads_source_external_id",
            "source",
            "external_id",
            unique=True,
            sqlite_where=text("external_id IS NOT NULL"),
            postgresql_where=text("external_id IS NOT NULL"),
        ),
        Index("ix_leads_received_at", "received_at"),
        Index("ix_leads_owner_status", "owner", "status"),
        Index("ix_leads_pool", "pool", "pool_entered"),
        Index("ix_leads_status", "status"),
        Index("ix_leads_email_key", "email_key"),
        Index("ix_leads_phone_key", "phone_key"),
        Index("ix_leads_company_key", "company_key"),
        Index("ix_leads_experiment", "experiment", "arm"),
    )


class DecisionRow(Base):
    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id"), index=True)
    at: Mapped[datetime]
    routing_version: Mapped[int | None] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(200))
    rep: Mapped[str | None] = mapped_column(String(100))
    pool: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    trace: Mapped[list[Json]]


class AssignmentRow(Base):
    """Who owned a lead when. At most one open row (ended_at NULL) per lead: a unique index.

    `counted` is false for an offer that was declined or expired: it took the rep's turn in the
    rotation but does not count toward their caps.
    """

    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id"))
    rep_id: Mapped[str] = mapped_column(String(100))
    rule: Mapped[str] = mapped_column(String(200))
    assigned_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(200))
    counted: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))

    __table_args__ = (
        Index(
            "uq_assignments_one_owner",
            "lead_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index("ix_assignments_rep_time", "rep_id", "assigned_at"),
        Index("ix_assignments_rule_rep_time", "rule", "rep_id", "assigned_at"),
    )


class RepLoad(Base):
    """Per rep: open leads now, and the sequence number of their latest assignment."""

    __tablename__ = "rep_loads"
    rep_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    open: Mapped[int] = mapped_column(Integer, default=0)
    last_sequence: Mapped[int | None] = mapped_column(BigInteger)


class CapCounter(Base):
    """Assignments to a rep in the current calendar window (hour/day/week/month, rep's zone)."""

    __tablename__ = "cap_counters"
    rep_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    window: Mapped[str] = mapped_column(String(8), primary_key=True)
    starts: Mapped[datetime]
    count: Mapped[int] = mapped_column(Integer, default=0)
    # The rep's latest assignment: when it is before a window's start, nothing was assigned
    # since, whatever zone the counter's window was reckoned in.
    last_at: Mapped[datetime]


class Rotation(Base):
    """Per rule and rep: the sequence of the rule's latest lead to them, and weighted credit."""

    __tablename__ = "rotations"
    rule: Mapped[str] = mapped_column(String(200), primary_key=True)
    rep_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_sequence: Mapped[int | None] = mapped_column(BigInteger)
    credit: Mapped[float] = mapped_column(Float, default=0.0)


class RepStatusRow(Base):
    """A rep's availability when it was changed after the routing file was loaded."""

    __tablename__ = "rep_status"
    rep_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    availability: Mapped[str] = mapped_column(String(20))
    until: Mapped[datetime | None]
    changed_at: Mapped[datetime]
    changed_by: Mapped[str] = mapped_column(String(200))


class AccountKey(Base):
    """Account keys (domain, company name) of owned leads, for `owner_of: account`."""

    __tablename__ = "account_keys"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id"))


class EventRow(Base):
    """The append-only log: what happened to a lead or rep, when, by whom, why."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    lead_id: Mapped[str | None] = mapped_column(String(64))
    rep_id: Mapped[str | None] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[Json]

    __table_args__ = (Index("ix_events_lead", "lead_id", "id"),)


class TimerRow(Base):
    """A stored timer (domain/timers.py): due at `due_at`, fired once by a worker (`fired_at`
    and `outcome` set in the same transaction as what it did)."""

    __tablename__ = "timers"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id"))
    kind: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime]
    rep_id: Mapped[str | None] = mapped_column(String(100))
    pool: Mapped[str | None] = mapped_column(String(100))
    number: Mapped[int] = mapped_column(BigInteger, default=0)
    since: Mapped[datetime | None]
    # Failed tries: a timer that fails is tried again later, and given up after a few.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    created_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (
        Index(
            "ix_timers_pending",
            "due_at",
            sqlite_where=text("fired_at IS NULL"),
            postgresql_where=text("fired_at IS NULL"),
        ),
        Index("ix_timers_lead", "lead_id"),
    )


class ActivityRow(Base):
    """A behaviour event of a lead posted by a marketing tool (email_opened, link_clicked,
    ...) or a repeated form submission merged into it; scoring counts them with decay."""

    __tablename__ = "activities"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id"))
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    source: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[Json]

    __table_args__ = (Index("ix_activities_lead", "lead_id", "at"),)


class AccountRow(Base):
    """A customer or target account: its name, web domains and owner (imported or posted)."""

    __tablename__ = "accounts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300), index=True)
    domains: Mapped[list[str]]
    owner: Mapped[str | None] = mapped_column(String(100))
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AccountDomain(Base):
    """Which account a web domain belongs to (one account per domain)."""

    __tablename__ = "account_domains"
    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))


class IdempotencyRow(Base):
    """The first answer to a request sent with an Idempotency-Key, per API key."""

    __tablename__ = "idempotency_keys"
    principal: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[Json]
    created_at: Mapped[datetime]


__all__ = [
    "AccountDomain",
    "AccountKey",
    "AccountRow",
    "ActivityRow",
    "AssignmentRow",
    "Base",
    "CapCounter",
    "DecisionRow",
    "EventRow",
    "IdempotencyRow",
    "LeadRow",
    "RepLoad",
    "RepStatusRow",
    "Rotation",
    "RoutingState",
    "RoutingVersion",
    "TimerRow",
]
