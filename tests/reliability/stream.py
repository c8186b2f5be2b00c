"""A stream of lead intakes over HTTP from a few client threads, with an idempotent resend of
every request that got no answer, and a hook that kills the server at given counts of
acknowledged leads.

The clients never give up on a lead: a request cut off by a dead server (connection refused,
reset, or closed mid-answer) is sent again, with the same Idempotency-Key and body, once the
server is back. An answer other than 201/200 is a failure of the test, kept for the report.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

ACKNOWLEDGED = (200, 201)
MAX_TRIES = 100  # a server that keeps failing while it should be up is a failure
REQUEST_TIMEOUT = 120.0  # seconds: slow (SQLite busy, two cores), never mistaken for a crash


@dataclass(frozen=True, kw_only=True, slots=True)
class Intake:
    """One lead to send: its Idempotency-Key and body never change between tries."""

    key: str
    external_id: str
    payload: dict[str, Any]


@dataclass(frozen=True, kw_only=True, slots=True)
class Acknowledged:
    """The answer that acknowledged a lead: the id it gave, how many tries it took, and when
    (client clock) the answered try was sent."""

    lead_id: str
    status: int
    tries: int
    sent_at: datetime


@dataclass(kw_only=True)
class Outcome:
    """What the stream saw: acknowledged leads by external_id, resends, refused answers."""

    acknowledged: dict[str, Acknowledged] = field(default_factory=dict)
    resent: int = 0
    refused: list[str] = field(default_factory=list)


def intakes(count: int, *, run: str, rng: random.Random, kinds: dict[str, float]) -> list[Intake]:
    """`count` leads, each of a `kind` drawn with these weights (the routing file sends each
    kind its own way), with unique external ids, e-mail addresses and keys."""
    names, weights = list(kinds), list(kinds.values())
    made = []
    for number in range(count):
        kind = rng.choices(names, weights)[0]
        external = f"{run}-{number}"
        payload = {
            "external_id": external,
            "source": "crash-test",
            "name": f"Lead {number}",
            "email": f"lead{number}.{run}@example.com",
            "company": f"Company {rng.randrange(1000)}",
            "country": "US",
            "kind": kind,
        }
        made.append(Intake(key=f"{run}-key-{number}", external_id=external, payload=payload))
    return made


@dataclass(kw_only=True)
class Stream:
    """Send `intakes` to `url` from `clients` threads. When the count of acknowledged leads
    reaches each of `kill_points`, wait the matching `kill_delays` (seconds; the clients go on
    sending, so the kill falls anywhere in the requests in flight), then hold new requests back
    and call `crash`, which kills the server and starts it again."""

    url: str
    key: str
    intakes: Sequence[Intake]
    kill_points: Sequence[int]
    kill_delays: Sequence[float]
    crash: Callable[[], None]
    clients: int = 4
    outcome: Outcome = field(default_factory=Outcome)
    _next: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _up: threading.Event = field(default_factory=threading.Event)
    _kill_due: threading.Event = field(default_factory=threading.Event)
    _failure: list[BaseException] = field(default_factory=list)

    def run(self) -> Outcome:
        """Send every intake until each is acknowledged; kills happen on this thread."""
        self._up.set()
        threads = [
            threading.Thread(target=self._client, name=f"intake-{n}", daemon=True)
            for n in range(self.clients)
        ]
        for thread in threads:
            thread.start()
        pending = sorted(zip(self.kill_points, self.kill_delays, strict=True))
        while any(thread.is_alive() for thread in threads):
            if not self._kill_due.wait(timeout=0.05):
                continue
            self._kill_due.clear()
            if not pending or self._failure:
                continue
            _, delay = pending.pop(0)
            time.sleep(delay)
            self._up.clear()
            try:
                self.crash()
            except BaseException as error:
                self._failure.append(error)
            self._up.set()
        if self._failure:
            raise self._failure[0]
        return self.outcome

    def _take(self) -> Intake | None:
        with self._lock:
            if self._next >= len(self.intakes):
                return None
            self._next += 1
            return self.intakes[self._next - 1]

    def _client(self) -> None:
        headers = {"Authorization": f"Bearer {self.key}"}
        try:
            with httpx.Client(base_url=self.url, headers=headers, timeout=REQUEST_TIMEOUT) as http:
                while not self._failure and (intake := self._take()) is not None:
                    self._send(http, intake)
        except BaseException as error:
            self._failure.append(error)

    def _send(self, http: httpx.Client, intake: Intake) -> None:
        """Send until answered; a resend waits for the server to be back."""
        tries = 0
        while True:
            self._up.wait()
            if self._failure:
                return
            if tries >= MAX_TRIES:
                raise AssertionError(f"{intake.external_id}: no answer after {tries} tries")
            tries += 1
            sent_at = datetime.now(UTC)
            try:
                answer = http.post(
                    "/api/v1/leads",
                    json=intake.payload,
                    headers={"Idempotency-Key": intake.key},
                )
            except httpx.TransportError:
                with self._lock:
                    self.outcome.resent += 1
                time.sleep(0.05)  # no spinning on a server that fails while it should be up
                continue
            break
        with self._lock:
            if answer.status_code in ACKNOWLEDGED:
                body = answer.json()
                self.outcome.acknowledged[intake.external_id] = Acknowledged(
                    lead_id=str(body["id"]),
                    status=answer.status_code,
                    tries=tries,
                    sent_at=sent_at,
                )
                count = len(self.outcome.acknowledged)
                if count in self.kill_points:  # one count, one kill
                    self._kill_due.set()
            else:
                self.outcome.refused.append(
                    f"{intake.external_id}: {answer.status_code} {answer.text[:300]}"
                )
