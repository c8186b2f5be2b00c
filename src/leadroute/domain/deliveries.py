"""Deliveries of the outbox: a notice for a channel or an event for a webhook subscriber,
written in the transaction of the change that causes it and sent at least once.

A delivery keeps its id across tries, so a receiver that sees the same id twice drops the
repeat. A failed try is retried after an exponential backoff with jitter; after `max_attempts`
tries the delivery is dead-lettered (status failed) until someone re-sends it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class DeliveryKind(StrEnum):
    NOTIFICATION = "notification"  # a rendered notice for an apprise URL
    WEBHOOK = "webhook"  # a signed JSON event for a webhook subscription


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its next try (`next_attempt_at`)
    SENDING = "sending"  # a worker holds it until `next_attempt_at` (its lease)
    DELIVERED = "delivered"
    FAILED = "failed"  # dead-lettered: tried `max_attempts` times, or refused for good


@dataclass(frozen=True, kw_only=True, slots=True)
class Delivery:
    """One message to send: `target` is the apprise URL of a notification or the id of a
    webhook subscription; `attempts` counts the tries started, this one included."""

    id: str
    kind: DeliveryKind
    target: str
    event: str
    lead_id: str | None
    payload: Mapping[str, Any]
    attempts: int


@dataclass(frozen=True, kw_only=True, slots=True)
class Sent:
    """What one try came to: delivered, or the error and whether trying again may help."""

    ok: bool
    error: str | None = None
    permanent: bool = False


DELIVERED = Sent(ok=True)


def failure(error: str, *, permanent: bool = False) -> Sent:
    return Sent(ok=False, error=error[:2000], permanent=permanent)


@dataclass(frozen=True, kw_only=True, slots=True)
class Retries:
    """When to try a failed delivery again: `base` * 2^(tries - 1), at most `cap`, moved by up
    to ±`jitter` of itself (so deliveries that failed together do not retry together)."""

    max_attempts: int = 8
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    jitter: float = 0.2
    lease: timedelta = timedelta(seconds=60)

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        """The wait after the `attempts`-th failed try."""
        exponent = min(max(attempts - 1, 0), 30)
        plain = min(self.cap, self.base * (1 << exponent))
        return plain * (1 + self.jitter * (2 * rng.random() - 1))

    def next_try(self, attempts: int, now: datetime, rng: random.Random) -> datetime | None:
        """When to try again after the `attempts`-th try failed at `now`; None: give up."""
        if attempts >= self.max_attempts:
            return None
        return now + self.delay(attempts, rng)


@dataclass(frozen=True, kw_only=True, slots=True)
class Subscription:
    """A webhook subscription: the events it wants, where to post them, the signing key."""

    id: str
    url: str
    secret: str
    events: frozenset[str]
    active: bool = True
