"""The in-memory store: the Ledger the engine reads, and the record of leads, owners and pools.

Used by replay, simulation and tests. Times must arrive in order (a virtual clock), which keeps
every per-rep time list sorted for bisect.

Statuses are the service's: `routed` once a rule placed the lead (with an owner, or waiting in
a pool with none), `offered` while an offer waits for its rep, then `touched`, `qualified` and
the closed ones (won, lost, disqualified).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from leadroute.domain.decisions import Decision
from leadroute.domain.leads import Lead
from leadroute.domain.reps import Rep, Status
from leadroute.domain.timers import Holding, Timer
from leadroute.routing.account_book import Account, AccountBook, AccountMatch
from leadroute.routing.accounts import account_keys
from leadroute.routing.duplicates import Original
from leadroute.routing.pools import Waiting
from leadroute.routing.qualify import DISQUALIFIED, NURTURE
from leadroute.routing.segments import Segment
from leadroute.storage.lead_records import CLOSED, LeadRecord, remove_stamp, waiting_of
from leadroute.storage.outcome_records import Credit, TrackRecord


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
        self._track = TrackRecord()
        self._results: dict[str, int] = {}  # lead -> the number of its credit in `_track`
        self._accounts: dict[str, str] = {}
        # Leads given to a rep whose account keys are not in `_accounts` yet: indexed when an
        # account owner is first asked for, so routing without account rules never pays for it.
        self._unindexed: list[tuple[Mapping[str, object], str]] = []
        self.accounts: dict[str, Account] = {}
        self._book: AccountBook | None = None
        self._pools: defaultdict[str, dict[str, Waiting]] = defaultdict(dict)
        # Every change to a rep's status, assignments or open count, in order: the engine asks
        # which reps changed since it last looked, so it can keep what it knows of the others.
        self._changes: list[str] = []
        self._keys: dict[tuple[str, str], list[str]] = {}

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
        return self._track.of_rep(rep_id, since)

    def outcomes_by(
        self, by: tuple[str, ...], since: datetime | None
    ) -> Mapping[tuple[str, Segment], tuple[int, int]]:
        """Each result counts in the segment of its lead's fields when it was recorded. The
        answer is shared until the next result: read it, do not change it."""
        return self._track.by(by, since)

    def account_owner(self, keys: Sequence[str]) -> str | None:
        if self._unindexed:
            for fields, given in self._unindexed:
                for key in account_keys(fields):
                    self._accounts[key] = given
            self._unindexed.clear()
        for key in keys:
            lead_id = self._accounts.get(key)
            record = self.leads.get(lead_id) if lead_id else None
            if record and record.owner:
                return record.owner
        return None

    def account_match(self, fields: Mapping[str, object]) -> AccountMatch | None:
        if not self.accounts:
            return None
        if self._book is None:
            self._book = AccountBook(self.accounts[key] for key in sorted(self.accounts))
        return self._book.match(fields)

    def revision(self) -> int:
        return len(self._changes)

    def prefetch(self, rule: str, reps: Sequence[Rep]) -> None:
        pass  # everything is in memory already

    def changed_since(self, revision: int) -> Sequence[str] | None:
        return self._changes[revision:] if 0 <= revision <= len(self._changes) else None

    # Reading ------------------------------------------------------------------------------
    def waiting(self, pool: str) -> list[Waiting]:
        """The leads waiting in the pool now (claimed leads are not)."""
        return list(self._pools[pool].values())

    def holding(self, lead_id: str) -> Holding:
        """Where the lead stands, as its timers see it."""
        record = self.leads[lead_id]
        return Holding(
            status=record.status,
            owner=record.owner,
            pool=record.pool,
            claimed_from=record.claimed_from,
            last_touched_at=record.last_touched_at,
            timers=record.timers,
        )

    def stamp(self, timer: Timer) -> Timer:
        """The timer as its lead's latest (earlier timers of the lead become stale)."""
        record = self.leads[timer.lead_id]
        record.timers += 1
        return replace(timer, number=record.timers)

    # Changes ------------------------------------------------------------------------------
    def add_account(self, account: Account) -> None:
        """Add the account, or replace the one with its id; the next match sees it."""
        self.accounts[account.id] = account
        self._book = None

    def remove_account(self, account_id: str) -> Account | None:
        """Forget the account; returns it (None when there was none)."""
        self._book = None
        return self.accounts.pop(account_id, None)

    def set_status(self, rep_id: str, status: Status) -> None:
        self._statuses[rep_id] = status
        self._changes.append(rep_id)

    def record_decision(self, lead: Lead, decision: Decision, now: datetime) -> LeadRecord:
        """Store a new lead and apply its decision."""
        self.leads[lead.id] = LeadRecord(lead=lead)
        return self.place(lead.id, decision, now)

    def place(self, lead_id: str, decision: Decision, now: datetime) -> LeadRecord:
        """Apply a decision to a lead nobody owns: an owner (offered when the decision offers)
        and the rotation turn, or a new place in a pool."""
        record = self.leads[lead_id]
        record.rule = decision.rule
        record.status_reason = None
        if decision.experiment is not None and record.experiment is None:
            record.experiment, record.arm = decision.experiment, decision.arm
        if decision.verdict == DISQUALIFIED:
            if record.pool is not None:
                self._pools[record.pool].pop(lead_id, None)
            record.pool = record.claimed_from = record.pool_entered = record.pooled_at = None
            record.status, record.status_reason, record.offered = DISQUALIFIED, decision.reason, []
            record.closed_at = now
            return record
        for rep_id, delta in decision.credits:
            self._credits[(decision.rule, rep_id)] += delta
        if decision.rep is not None:
            record.claimed_from = record.pool_entered = record.pooled_at = None
            self._give(record, decision.rep, decision.rule, now)
            if decision.offer is not None:
                record.status = "offered"
                record.offered.append(decision.rep)
                return record
        elif decision.pool is not None:
            self._enqueue(record, decision.pool, now)
            if decision.verdict == NURTURE:
                record.status, record.status_reason = NURTURE, decision.reason
        record.offered = []
        return record

    def remember_keys(self, lead_id: str, wanted: Mapping[str, str]) -> None:
        """Index the lead under its duplicate keys (`email`, `phone`, `company` values)."""
        for name, value in wanted.items():
            self._keys.setdefault((name, value), []).append(lead_id)

    def originals(self, wanted: Mapping[str, str], since: datetime) -> list[Original]:
        """Earlier leads received at or after `since` that share one of the keys."""
        found: dict[str, Original] = {}
        for name, value in wanted.items():
            for lead_id in self._keys.get((name, value), []):
                record = self.leads[lead_id]
                if lead_id in found or record.lead.received_at < since:
                    continue
                found[lead_id] = Original(
                    lead_id=lead_id,
                    received_at=record.lead.received_at,
                    status=record.status,
                    owner=record.owner,
                    pool=record.pool,
                    matched=name,
                )
        return list(found.values())

    def rescore(self, lead_id: str, lead: Lead) -> LeadRecord:
        """Keep the lead as scored again (its place in a pool ordered by score follows)."""
        record = self.leads[lead_id]
        record.lead = lead
        if record.pool is not None and lead_id in self._pools[record.pool]:
            entered = self._pools[record.pool][lead_id].entered
            self._pools[record.pool][lead_id] = waiting_of(record, entered)
        return record

    def claim(self, lead_id: str, rep_id: str, now: datetime) -> LeadRecord:
        """Give a pooled lead to the rep (the caller has checked it waits and may be claimed).
        The lead keeps its place in the pool, should it go back."""
        record = self.leads[lead_id]
        pool = record.pool
        self._give(record, rep_id, f"pool:{pool}", now)
        record.claimed_from, record.offered = pool, []
        return record

    def accept(self, lead_id: str) -> LeadRecord:
        """The offered rep takes the lead: it is theirs, as if assigned when it was offered."""
        record = self.leads[lead_id]
        record.status, record.offered = "routed", []
        return record

    def withdraw_offer(self, lead_id: str) -> str | None:
        """End a declined or expired offer: the rep no longer holds the lead, and it no longer
        counts toward their caps or load (the rotation turn stays taken). Returns the rep."""
        record = self.leads[lead_id]
        rep_id, stamp, rule = record.owner, record.given_at, record.rule
        if rep_id is not None and stamp is not None and rule is not None:
            remove_stamp(self._assigned[rep_id], stamp)
            remove_stamp(self._served[(rule, rep_id)], stamp)
        return self.take_back(lead_id)

    def take_back(self, lead_id: str) -> str | None:
        """End the lead's current assignment; return the rep who had it (None if nobody)."""
        record = self.leads[lead_id]
        owner = record.owner
        if owner is None:
            return None
        if record.is_open:
            self._open[owner] -= 1
        self._changes.append(owner)
        record.owner = record.given_at = record.claimed_from = None
        return owner

    def return_to_pool(self, lead_id: str) -> str:
        """Put a claimed lead back in the pool it was claimed from, at its old place (released,
        or claim_ttl passed). Returns the pool."""
        record = self.leads[lead_id]
        pool = record.claimed_from
        entered = record.pool_entered
        if pool is None or entered is None:
            raise ValueError(f"lead {lead_id} was not claimed from a pool")
        self.take_back(lead_id)
        record.pool, record.pool_entered, record.status = pool, entered, "routed"
        self._pools[pool][lead_id] = waiting_of(record, entered)
        return pool

    def hand_off(self, lead_id: str) -> str | None:
        """The owner qualified the lead: keep them as `qualified_by` and end their assignment
        (the hand-off flow chooses the next owner). Returns the qualifier."""
        record = self.leads[lead_id]
        record.status = "qualified"
        record.qualified_by = record.owner
        return self.take_back(lead_id)

    def assign_by_hand(self, lead_id: str, rep_id: str, now: datetime) -> LeadRecord:
        """A manager gives an open lead to `rep_id`, ending any current assignment or pending
        offer and taking it out of its pool. The lead keeps its progress status."""
        record = self.leads[lead_id]
        if record.status == "offered":
            self.withdraw_offer(lead_id)
        else:
            self.take_back(lead_id)
        record.pool_entered = record.pooled_at = None
        progress = record.status
        self._give(record, rep_id, "manual", now)
        record.offered = []
        if progress not in ("new", "offered", NURTURE):
            record.status = progress
        return record

    def touch(self, lead_id: str, now: datetime) -> LeadRecord:
        record = self.leads[lead_id]
        if record.touched_at is None:
            record.touched_at = now
        record.last_touched_at = now
        if record.status == "routed":
            record.status = "touched"
        return record

    def record_outcome(
        self, lead_id: str, result: str, now: datetime, amount: float | None = None
    ) -> LeadRecord:
        record = self.leads[lead_id]
        was_open = record.is_open
        record.status = result
        record.amount = amount
        if result in CLOSED:
            record.closed_at = now
        if result == "qualified" and record.qualified_by is None:
            record.qualified_by = record.owner  # as the service: the first qualifier
        if record.owner and was_open != record.is_open:
            # Closing lowers the owner's open count; reopening a closed lead raises it again.
            self._open[record.owner] += -1 if was_open else 1
            self._changes.append(record.owner)
        if record.pool is not None and not record.is_open:
            self._pools[record.pool].pop(lead_id, None)
            record.pool = record.pool_entered = record.pooled_at = None
        if record.owner:
            self._set_result(record, record.owner, result, now)
        return record

    def close_uncredited(self, lead_id: str, now: datetime) -> LeadRecord:
        """Close an open lead without a result: it leaves its pool and stops counting toward its
        owner's open load (`open` caps, least_loaded), and nobody's track record changes. Its
        status becomes `disqualified`, the closed status that credits no one. History
        simulation closes each lead when history did: the simulated owner did not work it."""
        record = self.leads[lead_id]
        if record.is_open:
            self.record_outcome(lead_id, DISQUALIFIED, now)
            record.status_reason = "closed as in the history replayed"
        return record

    def record_track(
        self, rep_id: str, *, won: bool, at: datetime, fields: Mapping[str, object]
    ) -> None:
        """Add one won or lost deal to the rep's track record (what `outcomes_since` and
        `outcomes_by` count, in the segment of `fields`, the deal's lead fields) with no lead
        of this store behind it: history simulation credits the rep who worked a deal in
        history, whoever the simulation routed it to."""
        self._track.add(Credit(rep=rep_id, won=won, stamp=at.timestamp(), fields=fields))

    def _set_result(self, record: LeadRecord, owner: str, result: str, now: datetime) -> None:
        """One won/lost per lead: a later result corrects the earlier one, never adds to it."""
        earlier = self._results.pop(record.lead.id, None)
        if earlier is not None:
            self._track.remove(earlier)
        if result in ("won", "lost"):
            credit = Credit(
                rep=owner, won=result == "won", stamp=now.timestamp(), fields=record.lead.fields
            )
            self._results[record.lead.id] = self._track.add(credit)

    def _give(self, record: LeadRecord, rep_id: str, rule: str, now: datetime) -> None:
        self._sequence += 1
        if record.pool is not None:
            self._pools[record.pool].pop(record.lead.id, None)
        record.owner, record.pool, record.status = rep_id, None, "routed"
        record.rule = rule
        stamp = now.timestamp()
        record.given_at = stamp
        self._assigned[rep_id].append(stamp)
        self._served[(rule, rep_id)].append(stamp)
        self._last_assigned[rep_id] = self._sequence
        self._last_served[(rule, rep_id)] = self._sequence
        self._open[rep_id] += 1
        self._changes.append(rep_id)
        self._unindexed.append((record.lead.fields, record.lead.id))

    def _enqueue(self, record: LeadRecord, pool: str, now: datetime) -> None:
        self._sequence += 1
        if record.pool is not None:
            self._pools[record.pool].pop(record.lead.id, None)
        record.owner, record.claimed_from, record.status = None, None, "routed"
        record.pool, record.pool_entered, record.pooled_at = pool, self._sequence, now
        self._pools[pool][record.lead.id] = waiting_of(record, self._sequence)
