"""Pure pool rules: who may claim from a pool, and which lead a blind pull takes next."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from leadroute.domain.pools import Pool, PoolOrder
from leadroute.domain.reps import Rep
from leadroute.routing.config import Assign
from leadroute.routing.filters import caps
from leadroute.routing.ledger import Ledger
from leadroute.routing.moment import Moment

NO_ASK = Assign()


@dataclass(frozen=True, kw_only=True, slots=True)
class Waiting:
    """A lead waiting in a pool: when it entered (sequence), when it arrived, its score."""

    lead_id: str
    entered: int
    received_at: datetime
    score: float


def is_member(rep: Rep, pool: Pool) -> bool:
    if not pool.members:
        return True
    return rep.id in pool.members or any(f"team:{team}" in pool.members for team in rep.teams)


def claim_refusal(rep: Rep, pool: Pool, *, now: datetime, ledger: Ledger) -> str | None:
    """Why the rep may not claim from the pool now (membership, WIP limit, caps), or None."""
    if not is_member(rep, pool):
        return f"{rep.id} is not a member of pool {pool.name}"
    open_now = ledger.open_count(rep.id)
    if pool.wip_limit is not None and open_now >= pool.wip_limit:
        return f"wip limit {open_now}/{pool.wip_limit}"
    return caps(rep, {}, NO_ASK, Moment(now=now, ledger=ledger))


def next_in_pool(waiting: Sequence[Waiting], order: PoolOrder) -> Waiting | None:
    """The lead a blind pull takes, by the pool's order."""
    if not waiting:
        return None
    if order is PoolOrder.FIFO:
        return min(waiting, key=lambda w: w.entered)
    if order is PoolOrder.LIFO:
        return max(waiting, key=lambda w: w.entered)
    if order is PoolOrder.SCORE:
        return min(waiting, key=lambda w: (-w.score, w.entered))
    return min(waiting, key=lambda w: (w.received_at, w.entered))
