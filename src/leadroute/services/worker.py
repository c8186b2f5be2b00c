"""The worker loop: fire due timers (offer timeouts, claim_ttl returns, pool max_wait), send
due deliveries of the outbox (notices, webhooks) and, with a PII retention period, erase the
personal data of leads past it (docs/PRIVACY.md), until told to stop. `leadroute worker` runs
it alone; `leadroute serve` runs it on a thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from leadroute.services.privacy import sweep_retention
from leadroute.services.relay import Relay
from leadroute.services.runtime import Runtime
from leadroute.services.timers import fire_due

log = logging.getLogger("leadroute.worker")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(kw_only=True)
class Worker:
    runtime: Runtime
    interval: float = 1.0
    clock: Callable[[], datetime] = _utc_now
    stop: threading.Event = field(default_factory=threading.Event)
    relay: Relay | None = None
    # PII retention (LEADROUTE_PII_RETENTION_DAYS): None keeps personal data until erased by
    # hand. Swept at most every `sweep_every`, `sweep_batch` leads a pass (a full batch is
    # followed by another pass at once).
    retention_days: int | None = None
    sweep_every: timedelta = timedelta(minutes=5)
    sweep_batch: int = 100
    _next_sweep: datetime | None = field(default=None, init=False)

    def run_once(self) -> int:
        """Fire what is due now, send due deliveries and sweep retention when its turn has
        come; return how many of all were taken."""
        return self.fire() + self.deliver() + self.sweep()

    def fire(self) -> int:
        """Fire the timers due now; return how many were taken."""
        return fire_due(self.runtime, now=self.clock())

    def deliver(self) -> int:
        """Send the deliveries due now (none without a relay); return how many were tried."""
        return self.relay.run_once() if self.relay is not None else 0

    def sweep(self) -> int:
        """Erase the personal data of up to `sweep_batch` leads past the retention period,
        when one is set and the last sweep is `sweep_every` old; return how many."""
        if self.retention_days is None:
            return 0
        now = self.clock()
        if self._next_sweep is not None and now < self._next_sweep:
            return 0
        self._next_sweep = now + self.sweep_every
        erased = sweep_retention(
            runtime=self.runtime, days=self.retention_days, now=now, batch=self.sweep_batch
        )
        if erased >= self.sweep_batch:
            self._next_sweep = now
        return erased

    def run(self) -> None:
        """Loop until `stop` is set; a failing pass is logged and retried after the interval
        (failing timers never hold up deliveries or retention, nor the reverse)."""
        while not self.stop.is_set():
            taken = 0
            steps = (("timer", self.fire), ("delivery", self.deliver), ("retention", self.sweep))
            for what, step in steps:
                try:
                    taken += step()
                except Exception:
                    log.exception("%s pass failed; retrying in %.1fs", what, self.interval)
            if taken == 0:
                self.stop.wait(self.interval)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="leadroute-worker", daemon=True)
        thread.start()
        return thread
