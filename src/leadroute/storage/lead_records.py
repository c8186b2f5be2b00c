"""The lead records of the in-memory store (storage/memory.py): one lead's owner, pool, status
and SLA and offer state, and the small helpers the store keeps them with."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime

from leadroute.domain.leads import Lead
from leadroute.routing.pools import Waiting
from leadroute.rules.values import as_float
from leadroute.scoring.points import Activity

CLOSED = frozenset({"won", "lost", "disqualified"})


@dataclass(slots=True)
class LeadRecord:
    """One lead as the store holds it.

    `offered` lists the reps of the current run of offers, in order (cleared once the lead is
    accepted, claimed, assigned without an offer or pooled, as the service does). A claimed
    lead keeps `pool_entered` and `pooled_at` (with `claimed_from`), so a release or a
    claim_ttl return puts it back at its place with its waiting time.
    """

    lead: Lead
    owner: str | None = None
    pool: str | None = None
    status: str = "new"
    rule: str | None = None
    touched_at: datetime | None = None
    last_touched_at: datetime | None = None
    amount: float | None = None
    offered: list[str] = field(default_factory=list)
    claimed_from: str | None = None
    pool_entered: int | None = None
    pooled_at: datetime | None = None
    qualified_by: str | None = None
    # How many timers were started for the lead; only the latest (this number) may act.
    timers: int = 0
    activities: list[Activity] = field(default_factory=list)
    status_reason: str | None = None
    # The POSIX stamp of the current assignment: a declined offer removes it from the caps.
    given_at: float | None = None
    # SLA (domain/sla.py): the first owner's start, re-assignments made, owners so far.
    sla_started_at: datetime | None = None
    reassignments: int = 0
    past_owners: list[str] = field(default_factory=list)
    # When it was won, lost or disqualified; its A/B experiment and arm (first decision's).
    closed_at: datetime | None = None
    experiment: str | None = None
    arm: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED


def waiting_of(record: LeadRecord, entered: int) -> Waiting:
    score = record.lead.get("score")
    return Waiting(
        lead_id=record.lead.id,
        entered=entered,
        received_at=record.lead.received_at,
        score=as_float(score) if isinstance(score, int | float) else 0.0,
    )


def remove_stamp(stamps: list[float], stamp: float) -> None:
    """Remove one occurrence of `stamp` from a sorted list (equal stamps are interchangeable)."""
    index = bisect_left(stamps, stamp)
    if index < len(stamps) and stamps[index] == stamp:
        del stamps[index]
