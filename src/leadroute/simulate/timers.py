"""Replay's timers on the virtual clock: a queue in due order, ties in the order they were set."""

from __future__ import annotations

import heapq
from datetime import datetime

from leadroute.domain.timers import Timer
from leadroute.storage.memory import MemoryStore


class TimerQueue:
    """Timers waiting to come due. Nothing is ever removed early: a timer whose lead moved on
    or got a later timer is dropped when it comes due (`domain.timers.still_due`)."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._heap: list[tuple[datetime, int, Timer]] = []
        self._count = 0

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, timer: Timer | None) -> Timer | None:
        """Set a timer as its lead's latest (None, from a pool without that timer, sets
        nothing); return it with its number."""
        if timer is None:
            return None
        timer = self._store.stamp(timer)
        self._count += 1
        heapq.heappush(self._heap, (timer.due, self._count, timer))
        return timer

    def pop_due(self, until: datetime) -> Timer | None:
        """The earliest timer due at or before `until`, taken off the queue; None when none."""
        if not self._heap or self._heap[0][0] > until:
            return None
        return heapq.heappop(self._heap)[2]
