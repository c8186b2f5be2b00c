"""Outbound webhook events for CRM sync: which logged events become which webhook event, the
JSON body, and its HMAC-SHA256 signature.

A receiver checks `X-Leadroute-Signature: sha256=<hex>`, the HMAC-SHA256 with the
subscription's secret of `<X-Leadroute-Timestamp>.<raw body>`, rejects old timestamps, and
drops a repeated `X-Leadroute-Delivery` id (deliveries are at least once).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Collection, Mapping
from typing import Any

from leadroute.domain.errors import Problem
from leadroute.notify.notices import LeadFacts, LoggedEvent

WEBHOOK_EVENTS = (
    "lead.created",
    "lead.assigned",
    "lead.reassigned",
    "lead.status_changed",
    "lead.won",
)
STATUS_CHANGED = "lead.status_changed"

WEBHOOK_OF_EVENT: Mapping[str, str] = {
    "lead.received": "lead.created",
    "lead.assigned": "lead.assigned",
    "lead.claimed": "lead.assigned",
    "lead.accepted": "lead.assigned",
    "lead.reassigned": "lead.reassigned",
    "lead.won": "lead.won",
}
"""Logged event → webhook event. `lead.status_changed` is not one event's: it is sent once
per change that leaves an existing lead in another status than before."""
ASSIGNING = frozenset(kind for kind, sent in WEBHOOK_OF_EVENT.items() if sent == "lead.assigned")


def webhook_events(
    event: LoggedEvent, assigned: Collection[tuple[str | None, str | None]]
) -> tuple[str, ...]:
    """The webhook events a logged event sends. `lead.assigned` goes out whenever a lead gets
    an owner, so a re-assignment by hand (no routing, no `lead.assigned` logged: `assigned`
    lacks its (lead, rep)) sends it after `lead.reassigned`."""
    sent = WEBHOOK_OF_EVENT.get(event.kind)
    if sent is None:
        return ()
    if sent == "lead.reassigned" and event.rep_id and (event.lead_id, event.rep_id) not in assigned:
        return (sent, "lead.assigned")
    return (sent,)


SIGNATURE = "X-Leadroute-Signature"
TIMESTAMP = "X-Leadroute-Timestamp"
DELIVERY = "X-Leadroute-Delivery"
EVENT = "X-Leadroute-Event"


def webhook_body(
    delivery_id: str,
    event_type: str,
    event: LoggedEvent,
    lead: LeadFacts,
    *,
    change: tuple[str | None, str] | None = None,
) -> dict[str, Any]:
    """The JSON a subscriber receives; `lead` is the lead as the change left it."""
    body: dict[str, Any] = {
        "id": delivery_id,
        "event": event_type,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "reason": event.reason,
        "lead": lead.as_dict(),
    }
    if event.rep_id is not None:
        body["rep"] = event.rep_id
    if event.data:
        body["data"] = dict(event.data)
    if change is not None:
        body["change"] = {"from": change[0], "to": change[1]}
    return body


def encode(body: Mapping[str, Any]) -> bytes:
    """The bytes posted (and signed): the same for every try of a delivery."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


MIN_SECRET = 16
MAX_SECRET = 200


def secret_problem(secret: str | None) -> Problem | None:
    """What is wrong with a shared signing secret given by a person (None: made for them)."""
    if secret is None or MIN_SECRET <= len(secret) <= MAX_SECRET:
        return None
    return Problem(
        path="secret",
        message=f"must be {MIN_SECRET} to {MAX_SECRET} characters "
        "(or left out: leadroute makes one)",
    )


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=` and the hex HMAC-SHA256 of `<timestamp>.<body>` keyed by the secret."""
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(
    *, delivery_id: str, event_type: str, secret: str, timestamp: int, body: bytes
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "leadroute-webhooks",
        DELIVERY: delivery_id,
        EVENT: event_type,
        TIMESTAMP: str(timestamp),
        SIGNATURE: signature(secret, timestamp, body),
    }


def verify(
    secret: str, *, timestamp: str, body: bytes, signed: str, now: float, tolerance: float = 300
) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        stamp = int(timestamp)
    except ValueError:
        return False
    if abs(now - stamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, stamp, body), signed)
