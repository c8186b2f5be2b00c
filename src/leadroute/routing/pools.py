"""Pure pool rules: who may claim from a pool, which lead a blind pull takes next, and the
timers that pooling, claiming and offering start. Replay and the service both call these."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from leadroute.domain.durations import format_duration
from leadroute.domain.offers import Offer
from leadroute.domain.pools import Pool, PoolOrder, Visibility
from leadroute.domain.reps import Rep
from leadroute.domain.timers import Timer, TimerKind
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


# Which lead a blind pull takes: sort the waiting leads by these (field, descending) and take
# the first. The database sorts by the same keys (storage/pools.py), so both agree.
ORDER_KEYS: dict[PoolOrder, tuple[tuple[str, bool], ...]] = {
    PoolOrder.FIFO: (("entered", False),),
    PoolOrder.LIFO: (("entered", True),),
    PoolOrder.SCORE: (("score", True), ("entered", False)),
    PoolOrder.OLDEST_FIRST: (("received_at", False), ("entered", False)),
}


def is_member(rep: Rep, pool: Pool) -> bool:
    if pool.managers_only:
        return False
    if not pool.members:
        return True
    return rep.id in pool.members or any(f"team:{team}" in pool.members for team in rep.teams)


def claim_refusal(
    rep: Rep, pool: Pool, *, now: datetime, ledger: Ledger, cherry_pick: bool = False
) -> str | None:
    """Why the rep may not claim from the pool now (membership, blindness when cherry-picking,
    WIP limit, caps), or None."""
    if pool.managers_only:
        return f"pool {pool.name} is for managers to assign by hand"
    if not is_member(rep, pool):
        return f"{rep.id} is not a member of pool {pool.name}"
    if cherry_pick and pool.visibility is Visibility.BLIND:
        return f"pool {pool.name} is blind: take the next lead instead of choosing one"
    open_now = ledger.open_count(rep.id)
    if pool.wip_limit is not None and open_now >= pool.wip_limit:
        return f"wip limit {open_now}/{pool.wip_limit}"
    return caps(rep, {}, NO_ASK, Moment(now=now, ledger=ledger))


def next_in_pool(waiting: Sequence[Waiting], order: PoolOrder) -> Waiting | None:
    """The lead a blind pull takes, by the pool's order."""
    if not waiting:
        return None
    ranked = list(waiting)
    for name, descending in reversed(ORDER_KEYS[order]):
        ranked.sort(key=lambda w: getattr(w, name), reverse=descending)
    return ranked[0]


def offer_timer(lead_id: str, rep: str, offer: Offer, now: datetime) -> Timer:
    """The timeout of an offer of the lead to `rep`, made at `now`."""
    return Timer(kind=TimerKind.OFFER, lead_id=lead_id, due=now + offer.timeout, rep=rep)


def claim_timer(lead_id: str, rep: str, pool: Pool, now: datetime) -> Timer | None:
    """When a claimed lead goes back if its rep has not touched it (None: no claim_ttl)."""
    if pool.claim_ttl is None:
        return None
    return Timer(
        kind=TimerKind.CLAIM,
        lead_id=lead_id,
        due=now + pool.claim_ttl,
        rep=rep,
        pool=pool.name,
        since=now,
    )


def wait_timer(lead_id: str, pool: Pool, due_from: datetime) -> Timer | None:
    """When a lead waiting in the pool since `due_from` (or since its escalation last failed)
    is overdue (None: no max_wait)."""
    if pool.max_wait is None:
        return None
    return Timer(
        kind=TimerKind.WAIT,
        lead_id=lead_id,
        due=due_from + pool.max_wait,
        pool=pool.name,
        since=due_from,
    )


def returned_wait_timer(
    lead_id: str, pool: Pool, pooled_at: datetime, now: datetime
) -> Timer | None:
    """A lead back in its pool keeps its place and its waiting time: overdue when max_wait
    after it first entered the pool, and at once when that passed while it was claimed."""
    first = wait_timer(lead_id, pool, pooled_at)
    if first is None or first.due > now:
        return first
    return Timer(kind=TimerKind.WAIT, lead_id=lead_id, due=now, pool=pool.name, since=pooled_at)


def expired_reason(offer: Offer) -> str:
    return f"not accepted within {format_duration(offer.timeout)}"


def returned_reason(pool: Pool) -> str:
    ttl = format_duration(pool.claim_ttl) if pool.claim_ttl else "?"
    return f"untouched {ttl} after the claim (claim_ttl {ttl}): back to pool {pool.name}"


def overdue_reason(pool: Pool, waited_since: datetime, now: datetime) -> str:
    limit = format_duration(pool.max_wait) if pool.max_wait else "?"
    waited = format_duration(now - waited_since)
    return f"waited {waited} in pool {pool.name} (max_wait {limit})"
