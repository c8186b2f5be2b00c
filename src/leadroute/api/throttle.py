"""Rate limits: a token bucket per caller (an API key, a browser session, a client address).

A bucket holds up to a minute's allowance and refills continuously, so a caller may burst up to
its limit and then goes at the limit's pace. Buckets live in the process: with several server
processes each keeps its own, so the limit a caller sees is per process (docs/RELIABILITY.md).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from leadroute.services.errors import TooManyRequests

# Past this many buckets, full ones (callers idle for a minute) are forgotten.
_PRUNE_AT = 10_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class Throttle:
    """`per_minute` requests a minute per caller name; 0 lets everything through."""

    def __init__(
        self, per_minute: int, *, what: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_minute = per_minute
        self.what = what
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def spend(self, caller: str) -> None:
        """Take one request from the caller's bucket; TooManyRequests when it is empty."""
        if self.per_minute <= 0:
            return
        wait = self._take(caller)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise TooManyRequests(
                f"too many requests: {self.what} is limited to {self.per_minute} a minute; "
                f"retry in {seconds} s",
                retry_after=seconds,
            )

    def _take(self, caller: str) -> float | None:
        rate = self.per_minute / 60.0
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(caller)
            if bucket is None:
                if len(self._buckets) >= _PRUNE_AT:
                    self._prune(now, rate)
                bucket = self._buckets[caller] = _Bucket(tokens=float(self.per_minute), at=now)
            else:
                elapsed = max(0.0, now - bucket.at)
                bucket.tokens = min(float(self.per_minute), bucket.tokens + elapsed * rate)
                bucket.at = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            return (1.0 - bucket.tokens) / rate

    def _prune(self, now: float, rate: float) -> None:
        full = [
            name
            for name, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.at) * rate >= self.per_minute
        ]
        for name in full:
            del self._buckets[name]


@dataclass(frozen=True, kw_only=True, slots=True)
class Throttles:
    """The limits of one app: per API key or browser session (and per client address for
    calls that bring no valid key), per client address for form posts to the intake, and per
    client address for sign-in attempts."""

    callers: Throttle
    forms: Throttle
    sign_ins: Throttle

    @classmethod
    def of(
        cls,
        *,
        per_caller: int,
        per_form_address: int,
        per_sign_in_address: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> Throttles:
        return cls(
            callers=Throttle(per_caller, what="this caller", clock=clock),
            forms=Throttle(per_form_address, what="form posting from this address", clock=clock),
            sign_ins=Throttle(
                per_sign_in_address, what="signing in from this address", clock=clock
            ),
        )
