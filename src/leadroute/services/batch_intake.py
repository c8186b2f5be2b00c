"""Taking in many leads at once (a CSV import): several leads per `Database.writing()`
transaction, each one exactly as `take_lead` would take it.

Every lead goes through `intake.take_in`, the body of `take_lead`: the same normalisation,
idempotency key, duplicate and account matching, scoring, engine, decision and trace, events,
outbox deliveries (written at each commit for all the leads of the transaction), timers, loads
and caps. What a batch saves is the per-lead overhead: one BEGIN IMMEDIATE, routing-lock row,
routing-version read, subscription read and commit per transaction instead of per lead, and the
routing state read once per transaction (services/batch_ledger.py) instead of once per lead.

A lead refused by normalisation never reaches a transaction; a lead whose key or external id is
already stored raises Conflict before it writes anything. Any other error rolls the whole
transaction back, and its leads are taken again one by one through `take_lead`, so the leads
before the faulty one are kept and the error surfaces at that lead as it would have without
batches.

Concurrency: a transaction holds the routing lock, so it ends after `MAX_SECONDS` (or the end of
the batch): a server routing beside an import waits at most about that long for its turn.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from leadroute.domain.errors import InvalidInput
from leadroute.normalize import Normalized, normalize_lead
from leadroute.services.batch_ledger import BatchLedger
from leadroute.services.errors import Conflict
from leadroute.services.intake import take_in, take_lead
from leadroute.services.principals import Principal
from leadroute.services.runtime import Runtime
from leadroute.storage.tables import IdempotencyRow

MAX_SECONDS = 0.25
"""How long one transaction (and so the routing lock) may last before it commits."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Submission:
    """One lead to take in: its payload and idempotency key."""

    payload: dict[str, object]
    key: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Taken:
    """What became of a submission: the answer body of a new lead; neither (already taken
    in: the key or the external id is stored); or the problems that refused it."""

    body: dict[str, Any] | None = None
    refused: InvalidInput | None = None


def take_batch(
    *,
    runtime: Runtime,
    submissions: Sequence[Submission],
    caller: Principal,
    now: Callable[[], datetime],
    max_seconds: float = MAX_SECONDS,
) -> list[Taken]:
    """Take every submission in, in order, in as few transactions as `max_seconds` allows;
    one `Taken` per submission. `now` is read for each lead, as `take_lead` would be called."""
    prepared = [_normalized(item.payload) for item in submissions]
    results: list[Taken] = []
    while len(results) < len(submissions):
        start = len(results)
        try:
            results.extend(
                _transaction(runtime, submissions, prepared, start, caller, now, max_seconds)
            )
        except Exception:
            # The transaction is rolled back: take its leads one at a time, so the error shows
            # at the lead that causes it and the leads before it are kept.
            results.extend(
                one_by_one(runtime=runtime, submissions=submissions[start:], caller=caller, now=now)
            )
    return results


def _normalized(payload: dict[str, object]) -> Normalized | InvalidInput:
    try:
        return normalize_lead(payload)
    except InvalidInput as error:
        return error


def _transaction(
    runtime: Runtime,
    submissions: Sequence[Submission],
    prepared: Sequence[Normalized | InvalidInput],
    start: int,
    caller: Principal,
    now: Callable[[], datetime],
    max_seconds: float,
) -> list[Taken]:
    """Take submissions from `start` in one transaction until the batch or the time is up."""
    done: list[Taken] = []
    deadline = time.monotonic() + max_seconds
    with runtime.database.writing() as session:
        ledger: BatchLedger | None = None
        for item, normalized in zip(submissions[start:], prepared[start:], strict=True):
            if done and time.monotonic() > deadline:
                break
            if session.get(IdempotencyRow, (caller.key_id, item.key)) is not None:
                done.append(Taken())
                continue
            # Read for a refused lead too, as take_lead's callers read it: a clock that moves
            # at each reading stamps every lead the same with or without batches.
            moment = now()
            if isinstance(normalized, InvalidInput):
                done.append(Taken(refused=normalized))
                continue
            if ledger is None:
                ledger = BatchLedger(session, runtime.routing(session).router.config.reps)
            try:
                answer = take_in(
                    session,
                    runtime,
                    normalized,
                    payload=item.payload,
                    caller=caller,
                    now=moment,
                    idempotency_key=item.key,
                    ledger=ledger.at(moment),
                )
            except Conflict:
                done.append(Taken())
                continue
            ledger.after(answer.decision)
            done.append(Taken(body=answer.body))
    return done


def one_by_one(
    *,
    runtime: Runtime,
    submissions: Sequence[Submission],
    caller: Principal,
    now: Callable[[], datetime],
) -> list[Taken]:
    """The submissions through `take_lead`, one transaction each: the import as it was before
    batches, what a batch falls back to after an error (and what tests compare batches with)."""
    done: list[Taken] = []
    for item in submissions:
        with runtime.database.reading() as session:
            if session.get(IdempotencyRow, (caller.key_id, item.key)) is not None:
                done.append(Taken())
                continue
        try:
            answer = take_lead(
                runtime=runtime,
                payload=item.payload,
                caller=caller,
                now=now(),
                idempotency_key=item.key,
            )
        except Conflict:
            done.append(Taken())
        except InvalidInput as error:
            done.append(Taken(refused=error))
        else:
            done.append(Taken(body=answer.body))
    return done
