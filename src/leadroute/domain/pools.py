"""Pools: queues of leads that eligible reps pull from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

UNASSIGNED = "unassigned"
TRIAGE = "triage"


class PoolOrder(StrEnum):
    FIFO = "fifo"
    LIFO = "lifo"
    SCORE = "score"
    OLDEST_FIRST = "oldest_first"


class Visibility(StrEnum):
    FULL = "full"
    BLIND = "blind"


@dataclass(frozen=True, kw_only=True, slots=True)
class Pool:
    """A named queue. `members` are rep ids and `team:x` references; empty means everybody.

    `claim_ttl`: a claimed lead its rep has not touched by then goes back to the pool.
    `max_wait`: a lead waiting longer is escalated (pushed by the pool's escalation rule, or
    reported). `managers_only`: no rep sees or claims its leads; a manager assigns them (triage).
    """

    name: str
    members: tuple[str, ...] = ()
    order: PoolOrder = PoolOrder.FIFO
    visibility: Visibility = Visibility.FULL
    wip_limit: int | None = None
    claim_ttl: timedelta | None = None
    max_wait: timedelta | None = None
    managers_only: bool = False


DEFAULT_UNASSIGNED = Pool(name=UNASSIGNED)
DEFAULT_TRIAGE = Pool(name=TRIAGE, managers_only=True)
