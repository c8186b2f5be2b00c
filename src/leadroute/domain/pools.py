"""Pools: queues of leads that eligible reps pull from."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

UNASSIGNED = "unassigned"


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
    """A named queue. `members` are rep ids and `team:x` references; empty means everybody."""

    name: str
    members: tuple[str, ...] = ()
    order: PoolOrder = PoolOrder.FIFO
    visibility: Visibility = Visibility.FULL
    wip_limit: int | None = None


DEFAULT_UNASSIGNED = Pool(name=UNASSIGNED)
