"""The engine's Ledger over the database: a snapshot read inside the routing transaction.

`SqlLedger.load` reads the small state tables (statuses, loads, cap counters, rotations) in four
statements whatever the number of leads; counts the counters cannot answer (a window the counters
do not hold, catch-up counts per rule, outcomes, account owners) are read on demand and kept for
the rest of the decision; accounts are matched as storage/accounts.py says. Made once per
transaction, it never sees its own writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadroute.domain.reps import CAP_WINDOWS, Availability, Rep, Status
from leadroute.routing.account_book import AccountMatch
from leadroute.routing.windows import window_start
from leadroute.storage.accounts import find_account
from leadroute.storage.tables import (
    AccountKey,
    AssignmentRow,
    CapCounter,
    LeadRow,
    RepLoad,
    RepStatusRow,
    Rotation,
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Counter:
    starts: datetime
    count: int
    last_at: datetime


@dataclass(kw_only=True, slots=True)
class SqlLedger:
    session: Session
    now: datetime
    reps: Mapping[str, Rep]
    statuses: dict[str, Status]
    open: dict[str, int]
    last: dict[str, int]
    counters: dict[tuple[str, str], Counter]
    rotations: dict[tuple[str, str], tuple[int | None, float]]
    _counts: dict[tuple[object, ...], int] = field(default_factory=dict)
    _outcome_tables: dict[datetime | None, dict[str, tuple[int, int]]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, reps: Sequence[Rep], now: datetime) -> SqlLedger:
        statuses = {
            row.rep_id: Status(availability=Availability(row.availability), until=row.until)
            for row in session.scalars(select(RepStatusRow))
        }
        open_counts: dict[str, int] = {}
        last: dict[str, int] = {}
        for load in session.scalars(select(RepLoad)):
            open_counts[load.rep_id] = load.open
            if load.last_sequence is not None:
                last[load.rep_id] = load.last_sequence
        counters = {
            (row.rep_id, row.window): Counter(
                starts=row.starts, count=row.count, last_at=row.last_at
            )
            for row in session.scalars(select(CapCounter))
        }
        rotations = {
            (row.rule, row.rep_id): (row.last_sequence, row.credit)
            for row in session.scalars(select(Rotation))
        }
        return cls(
            session=session,
            now=now,
            reps={rep.id: rep for rep in reps},
            statuses=statuses,
            open=open_counts,
            last=last,
            counters=counters,
            rotations=rotations,
        )

    def status(self, rep_id: str) -> Status | None:
        return self.statuses.get(rep_id)

    def assigned_since(self, rep_id: str, since: datetime) -> int:
        rep = self.reps.get(rep_id)
        if rep is not None:
            for window in CAP_WINDOWS:
                if window_start(window, self.now, rep.timezone) != since:
                    continue
                counter = self.counters.get((rep_id, window))
                if counter is None or counter.last_at < since:
                    return 0  # nothing assigned since this window began
                if counter.starts == since:
                    return counter.count
        return self._count_assigned(rep_id, since)

    def open_count(self, rep_id: str) -> int:
        return self.open.get(rep_id, 0)

    def last_assigned(self, rep_id: str) -> int | None:
        return self.last.get(rep_id)

    def last_served(self, rule: str, rep_id: str) -> int | None:
        entry = self.rotations.get((rule, rep_id))
        return entry[0] if entry else None

    def served_since(self, rule: str, rep_id: str, since: datetime) -> int:
        key = ("served", rule, rep_id, since)
        if key not in self._counts:
            self._counts[key] = (
                self.session.scalar(
                    select(func.count())
                    .select_from(AssignmentRow)
                    .where(
                        AssignmentRow.rule == rule,
                        AssignmentRow.rep_id == rep_id,
                        AssignmentRow.assigned_at >= since,
                        AssignmentRow.counted.is_(True),
                    )
                )
                or 0
            )
        return self._counts[key]

    def credit(self, rule: str, rep_id: str) -> float:
        entry = self.rotations.get((rule, rep_id))
        return entry[1] if entry else 0.0

    def outcomes_since(self, rep_id: str, since: datetime | None) -> tuple[int, int]:
        if since not in self._outcome_tables:
            self._outcome_tables[since] = self._outcomes(since)
        return self._outcome_tables[since].get(rep_id, (0, 0))

    def account_owner(self, keys: Sequence[str]) -> str | None:
        if not keys:
            return None
        rows = self.session.execute(
            select(AccountKey.key, LeadRow.owner)
            .join(LeadRow, LeadRow.id == AccountKey.lead_id)
            .where(AccountKey.key.in_(list(keys)))
        ).all()
        owners = {key: owner for key, owner in rows if owner}
        return next((owners[key] for key in keys if key in owners), None)

    def account_match(self, fields: Mapping[str, object]) -> AccountMatch | None:
        """By domain: one indexed query; by name: the per-process book, rebuilt when
        `routing_state.accounts_revision` moved (storage/accounts.py)."""
        return find_account(self.session, fields)

    def revision(self) -> int:
        return 0

    def changed_since(self, revision: int) -> Sequence[str] | None:
        return None  # a snapshot per transaction: the router must not reuse older answers

    def _count_assigned(self, rep_id: str, since: datetime) -> int:
        key = ("assigned", rep_id, since)
        if key not in self._counts:
            self._counts[key] = (
                self.session.scalar(
                    select(func.count())
                    .select_from(AssignmentRow)
                    .where(
                        AssignmentRow.rep_id == rep_id,
                        AssignmentRow.assigned_at >= since,
                        AssignmentRow.counted.is_(True),
                    )
                )
                or 0
            )
        return self._counts[key]

    def _outcomes(self, since: datetime | None) -> dict[str, tuple[int, int]]:
        query = (
            select(LeadRow.owner, LeadRow.status, func.count())
            .where(LeadRow.status.in_(("won", "lost")), LeadRow.owner.is_not(None))
            .group_by(LeadRow.owner, LeadRow.status)
        )
        if since is not None:
            query = query.where(LeadRow.closed_at >= since)
        table: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
        for owner, status, count in self.session.execute(query):
            if owner is not None:
                table[owner][0 if status == "won" else 1] += count
        return {owner: (won, lost) for owner, (won, lost) in table.items()}
