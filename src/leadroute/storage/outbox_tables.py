"""Tables of the outbox (docs/NOTIFICATIONS.md): deliveries and webhook subscriptions.

A delivery row is written in the transaction of the change that causes it (services/outbox.py),
so a change is never committed without its notices nor a notice sent for a change that was
rolled back. Workers claim due rows (`status`, `next_attempt_at`) and send them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from leadroute.storage.tables import Base, Json


class DeliveryRow(Base):
    """One notice for one channel, or one event for one webhook subscription.

    `id` is stable across tries (receivers drop repeats by it); `next_attempt_at` is when a
    pending row is due, or when the lease of the worker sending it ends.
    """

    __tablename__ = "deliveries"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(Text)
    event: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[int | None] = mapped_column(BigInteger)
    lead_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[Json]
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_lead", "lead_id"),
    )


class WebhookRow(Base):
    """A webhook subscription: events of these types are posted to `url`, signed with
    `secret` (HMAC-SHA256). Deleting one keeps the row (inactive) for its deliveries."""

    __tablename__ = "webhooks"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(200))
    events: Mapped[list[str]]
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    deleted_at: Mapped[datetime | None]


__all__ = ["DeliveryRow", "WebhookRow"]
