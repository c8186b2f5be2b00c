"""The relay: sends the outbox's deliveries, at least once, each under its stable id.

A worker claims one due delivery at a time in a short transaction (it becomes `sending` with a
lease), sends it outside any transaction, then records the outcome: delivered; or pending
again after an exponential backoff with jitter; or failed (dead-lettered) after
`max_attempts` tries or an error no retry can mend (a refused address, a deleted webhook).
A worker killed mid-send leaves the delivery `sending`; when the lease ends another worker
sends it again, with the same id, so receivers can drop the repeat.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from leadroute.domain.deliveries import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Retries,
    Sent,
    failure,
)
from leadroute.notify.addresses import Resolver, Unresolvable, is_checked_channel, refusal, resolve
from leadroute.notify.channels import AppriseNotifier, HttpPoster, Notifier, Poster
from leadroute.notify.webhooks import encode, signed_headers
from leadroute.services.runtime import Runtime
from leadroute.settings import Settings
from leadroute.storage.deliveries import claim_next, claiming, settle, subscription

log = logging.getLogger("leadroute.relay")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(kw_only=True)
class Relay:
    runtime: Runtime
    notifier: Notifier = field(default_factory=AppriseNotifier)
    poster: Poster = field(default_factory=HttpPoster)
    retries: Retries = field(default_factory=Retries)
    allow_private: bool = False
    resolver: Resolver = resolve
    clock: Callable[[], datetime] = _utc_now
    rng: random.Random = field(default_factory=random.Random)

    def run_once(self, *, limit: int = 50) -> int:
        """Send up to `limit` due deliveries; return how many were tried."""
        tried = 0
        while tried < limit:
            with claiming(self.runtime.database) as session:
                delivery = claim_next(session, now=self.clock(), lease=self.retries.lease)
            if delivery is None:
                break
            tried += 1
            try:
                sent = self.send(delivery)
            except Exception as error:
                log.exception("delivery %s failed", delivery.id)
                sent = failure(f"{type(error).__name__}: {error}")
            self._settle(delivery, sent)
        return tried

    def send(self, delivery: Delivery) -> Sent:
        """One try, outside any transaction."""
        if delivery.kind is DeliveryKind.NOTIFICATION:
            return self._notify(delivery)
        return self._post(delivery)

    def _notify(self, delivery: Delivery) -> Sent:
        url = delivery.target
        if is_checked_channel(url):
            refused = self._refusal(url)
            if refused is not None:
                return refused
        return self.notifier.notify(
            url,
            title=str(delivery.payload.get("title", "")),
            body=str(delivery.payload.get("body", "")),
            delivery_id=delivery.id,
        )

    def _post(self, delivery: Delivery) -> Sent:
        with self.runtime.database.reading() as session:
            webhook = subscription(session, delivery.target)
        if webhook is None or not webhook.active:
            return failure(f"webhook {delivery.target} was deleted", permanent=True)
        refused = self._refusal(webhook.url)
        if refused is not None:
            return refused
        body = encode(delivery.payload)
        headers = signed_headers(
            delivery_id=delivery.id,
            event_type=delivery.event,
            secret=webhook.secret,
            timestamp=int(self.clock().timestamp()),
            body=body,
        )
        return self.poster.post(webhook.url, body=body, headers=headers)

    def _refusal(self, url: str) -> Sent | None:
        if self.allow_private:
            return None
        try:
            why = refusal(url, resolver=self.resolver)
        except Unresolvable as error:
            return failure(str(error))
        return failure(f"refused: {why}", permanent=True) if why is not None else None

    def _settle(self, delivery: Delivery, sent: Sent) -> None:
        now = self.clock()
        next_try = None if sent.ok else self.retries.next_try(delivery.attempts, now, self.rng)
        with claiming(self.runtime.database) as session:
            status = settle(session, delivery, sent, now=now, next_try=next_try)
        if status is DeliveryStatus.FAILED:
            log.warning(
                "delivery %s (%s %s) failed after %d tries: %s",
                delivery.id,
                delivery.kind.value,
                delivery.event,
                delivery.attempts,
                _loggable(sent.error),
            )


def relay_for(runtime: Runtime, settings: Settings) -> Relay:
    """The relay the settings describe: real senders, the SSRF guard, the retry policy."""
    return Relay(
        runtime=runtime,
        notifier=AppriseNotifier(follow_redirects=settings.allow_private_urls),
        allow_private=settings.allow_private_urls,
        retries=Retries(
            max_attempts=settings.delivery_max_attempts,
            lease=timedelta(seconds=settings.delivery_lease_seconds),
        ),
    )


def _loggable(error: str | None) -> str | None:
    """The error without a receiver's answer text, which may echo the lead back (a name is not
    something the log redaction can spot); the whole text stays in the delivery's last_error."""
    if error is not None and error.startswith("HTTP ") and ":" in error:
        return error.split(":", 1)[0] + " (its answer is in the delivery's last_error)"
    return error
