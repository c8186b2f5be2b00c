"""The worker loop: fire due timers (offer timeouts, claim_ttl returns, pool max_wait) and send
due deliveries of the outbox (notices, webhooks) until told to stop. `leadroute worker` runs it
alone; `leadroute serve` runs it on a thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

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

    def run_once(self) -> int:
        """Fire what is due now and send due deliveries; return how many of both were taken."""
        return self.fire() + self.deliver()

    def fire(self) -> int:
        """Fire the timers due now; return how many were taken."""
        return fire_due(self.runtime, now=self.clock())

    def deliver(self) -> int:
        """Send the deliveries due now (none without a relay); return how many were tried."""
        return self.relay.run_once() if self.relay is not None else 0

    def run(self) -> None:
        """Loop until `stop` is set; a failing pass is logged and retried after the interval
        (failing timers never hold up deliveries, nor the reverse)."""
        while not self.stop.is_set():
            taken = 0
            for what, step in (("timer", self.fire), ("delivery", self.deliver)):
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
