"""The worker loop: fire due timers (offer timeouts, claim_ttl returns, pool max_wait) until
told to stop. `leadroute worker` runs it alone; `leadroute serve` runs it on a thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

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

    def run_once(self) -> int:
        """Fire what is due now; return how many timers were taken."""
        return fire_due(self.runtime, now=self.clock())

    def run(self) -> None:
        """Loop until `stop` is set; a failing pass is logged and retried after the interval."""
        while not self.stop.is_set():
            try:
                taken = self.run_once()
            except Exception:
                log.exception("timer pass failed; retrying in %.1fs", self.interval)
                taken = 0
            if taken == 0:
                self.stop.wait(self.interval)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="leadroute-worker", daemon=True)
        thread.start()
        return thread
