"""The instant a lead is routed at, with the per-timezone arithmetic cached for one decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from leadroute.routing.ledger import Ledger

if TYPE_CHECKING:
    from leadroute.routing.batch_plan import BatchPlan
from leadroute.routing.windows import window_start


@dataclass(slots=True)
class Moment:
    """`now`, the state to read, and caches of local times and window starts by timezone."""

    now: datetime
    ledger: Ledger
    # The batch being planned or placed (routing/batch_plan.py), read by the optimal selector.
    batch: BatchPlan | None = None
    _local: dict[tzinfo, datetime] = field(default_factory=dict)
    _starts: dict[tuple[str, tzinfo], datetime] = field(default_factory=dict)

    def local(self, tz: tzinfo) -> datetime:
        local = self._local.get(tz)
        if local is None:
            local = self._local[tz] = self.now.astimezone(tz)
        return local

    def window_start(self, window: str, tz: tzinfo) -> datetime:
        key = (window, tz)
        start = self._starts.get(key)
        if start is None:
            start = self._starts[key] = window_start(window, self.now, tz)
        return start


def zone_name(tz: tzinfo) -> str:
    """`America/Sao_Paulo` for a ZoneInfo, the tzinfo's own name otherwise."""
    key = getattr(tz, "key", None)
    return key if isinstance(key, str) else str(tz)
