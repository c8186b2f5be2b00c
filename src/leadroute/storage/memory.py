"""The in-memory store: the Ledger the engine reads, and the record of leads, owners and pools.

Used by replay, simulation and tests. Times must arrive in order (a virtual clock), which keeps
every per-rep time list sorted for bisect.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from leadroute.domain.decisions import Decision
from leadroute.domain.leads import Lead
from leadroute.domain.reps import Status
from leadroute.routing.accounts import account_keys
from leadroute.routing.pools import Waiting

CLOSED = frozenset({"won", "lost", "disqualified"})


@dataclass(slots=True)
class LeadRecord:
    lead: Lead
    owner: str | None = None
    pool: str | None = None
    status: str = "new"
    rule: str | None = None
    touched_at: datetime | None = None
    amount: float | None = None


class MemoryStore:
    """Everything the engine reads (Ledger) plus the state changes that follow a decision."""

    def __init__(self) -> None:
        self.leads: dict[str, LeadRecord] = {}
        self._sequence = 0
        self._statuses: dict[str, Status] = {}
        # Assignment times as POSIX timestamps: bisecting floats is much cheaper than comparing
        # aware datetimes in different zones, and orders them the same way.
        self._assigned: defaultdict[str, list[float]] = defaultdict(list)
        self._served: defaultdict[tuple[str, str], list[float]] = defaultdict(list)
        self._last_assigned: dict[str, int] = {}
        self._last_served: dict[tuple[str, str], int] = {}
        self._credits: defaultdict[tuple[str, str], float] = defaultdict(float)
        self._open: defaultdict[str, int] = defaultdict(int)
        self._outcomes: defaultdict[str, list[tuple[datetime, bool]]] = defaultdict(list)
        self._results: dict[str, tuple[str, tuple[datetime, bool]]] = {}
        self._accounts: dict[str, str] = {}
        self._pools: defaultdict[str, dict[str, Waiting]] = defaultdict(dict)
        # Every change to a rep's status, assignments or open count, in order: the engine asks
        # which reps changed since it last looked, so it can keep what it knows of the others.
        self._changes: list[str] = []

    # Ledger -------------------------------------------------------------------------------
    def status(self, rep_id: str) -> Status | None:
        return self._statuses.get(rep_id)

    def assigned_since(self, rep_id: str, since: datetime) -> int:
        times = self._assigned.get(rep_id)
        return len(times) - bisect_left(times, since.timestamp()) if times else 0

    def open_count(self, rep_id: str) -> int:
        return self._open.get(rep_id, 0)

    def last_assigned(self, rep_id: str) -> int | None:
        return self._last_assigned.get(rep_id)

    def last_served(self, rule: str, rep_id: str) -> int | None:
        return self._last_served.get((rule, rep_id))

    def served_since(self, rule: str, rep_id: str, since: datetime) -> int:
        times = self._served.get((rule, rep_id))
        return len(times) - bisect_left(times, since.timestamp()) if times else 0

    def credit(self, rule: str, rep_id: str) -> float:
        return self._credits.get((rule, rep_id), 0.0)

    def outcomes_since(self, rep_id: str, since: datetime | None) -> tuple[int, int]:
        records = self._outcomes.get(rep_id, [])
        if since is not None:
            records = records[bisect_left(records, (since, False)) :]
        won = sum(1 for _, is_won in records if is_won)
        return won, len(records) - won

    def account_owner(self, keys: Sequence[str]) -> str | None:
        for key in keys:
            lead_id = self._accounts.get(key)
            record = self.leads.get(lead_id) if lead_id else None
            if record and record.owner:
                return record.owner
        return None

    def revision(self) -> int:
        return len(self._changes)

    def changed_since(self, revision: int) -> Sequence[str] | None:
        return self._changes[revision:] if 0 <= revision <= len(self._changes) else None

    # Changes ------------------------------------------------------------------------------
    def set_status(self, rep_id: str, status: Status) -> None:
        self._statuses[rep_id] = status
        self._changes.append(rep_id)

    def record_decision(self, lead: Lead, decision: Decision, now: datetime) -> LeadRecord:
        """Store the lead and apply the decision: owner and rotation, or a place in a pool."""
        record = LeadRecord(lead=lead, rule=decision.rule)
        self.leads[lead.id] = record
        for rep_id, delta in decision.credits:
            self._credits[(decision.rule, rep_id)] += delta
        if decision.rep is not None:
            self._give(record, decision.rep, decision.rule, now)
        elif decision.pool is not None:
            self._enqueue(record, decision.pool)
        return record

    def waiting(self, pool: str) -> list[Waiting]:
        return list(self._pools[pool].values())

    def claim(self, lead_id: str, rep_id: str, now: datetime) -> LeadRecord:
        """Give a pooled lead to the rep (the caller has checked it waits and may be claimed)."""
        record = self.leads[lead_id]
        if record.pool is not None:
            self._pools[record.pool].pop(lead_id, None)
        self._give(record, rep_id, f"pool:{record.pool}", now)
        return record

    def touch(self, lead_id: str, now: datetime) -> LeadRecord:
        record = self.leads[lead_id]
        if record.touched_at is None:
            record.touched_at = now
        if record.status == "assigned":
            record.status = "touched"
        return record

    def record_outcome(
        self, lead_id: str, result: str, now: datetime, amount: float | None = None
    ) -> LeadRecord:
        record = self.leads[lead_id]
        was_open = record.status not in CLOSED
        record.status = result
        record.amount = amount
        if record.owner and was_open != (result not in CLOSED):
            # Closing lowers the owner's open count; reopening a closed lead raises it again.
            self._open[record.owner] += -1 if was_open else 1
            self._changes.append(record.owner)
        if record.owner:
            self._set_result(record.lead.id, record.owner, result, now)
        return record

    def _set_result(self, lead_id: str, owner: str, result: str, now: datetime) -> None:
        """One won/lost per lead: a later result corrects the earlier one, never adds to it."""
        earlier = self._results.pop(lead_id, None)
        if earlier is not None:
            self._outcomes[earlier[0]].remove(earlier[1])
        if result in ("won", "lost"):
            entry = (now, result == "won")
            insort(self._outcomes[owner], entry)
            self._results[lead_id] = (owner, entry)

    def _give(self, record: LeadRecord, rep_id: str, rule: str, now: datetime) -> None:
        self._sequence += 1
        record.owner, record.pool, record.status = rep_id, None, "assigned"
        stamp = now.timestamp()
        self._assigned[rep_id].append(stamp)
        self._served[(rule, rep_id)].append(stamp)
        self._last_assigned[rep_id] = self._sequence
        self._last_served[(rule, rep_id)] = self._sequence
        self._open[rep_id] += 1
        self._changes.append(rep_id)
        for key in account_keys(record.lead.fields):
            self._accounts[key] = record.lead.id

    def _enqueue(self, record: LeadRecord, pool: str) -> None:
        self._sequence += 1
        record.pool, record.status = pool, "pooled"
        score = record.lead.get("score")
        self._pools[pool][record.lead.id] = Waiting(
            lead_id=record.lead.id,
            entered=self._sequence,
            received_at=record.lead.received_at,
            score=float(score) if isinstance(score, int | float) else 0.0,
        )
