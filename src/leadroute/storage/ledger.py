"""The engine's Ledger over the database: a snapshot read inside the routing transaction.

`SqlLedger.load` reads the small state tables (statuses, loads, cap counters, rotations) for
the reps and rules a decision weighs, a rule's candidates at a time (`prefetch`), whatever the
number of leads; counts the counters cannot answer (a window the counters
do not hold, catch-up counts per rule, outcomes, account owners) are read on demand and kept for
the rest of the decision; accounts are matched as storage/accounts.py says. Made once per
transaction, it never sees its own writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadroute.domain.reps import CAP_WINDOWS, Availability, Rep, Status
from leadroute.routing.account_book import AccountMatch
from leadroute.routing.segments import Segment
from leadroute.routing.windows import window_start
from leadroute.storage.accounts import find_account
from leadroute.storage.outcome_records import Outcomes, read_outcomes
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
    # Reps whose rows are not read yet, and rules whose rotation is read; None: everything is
    # (a ledger built with every row, as services/batch_ledger.py does).
    unread: set[str] | None = None
    rules_read: set[str] | None = None
    _counts: dict[tuple[object, ...], int] = field(default_factory=dict)
    _served: dict[tuple[object, ...], dict[str, int]] = field(default_factory=dict)
    _outcome_tables: dict[tuple[tuple[str, ...], datetime | None], Outcomes] = field(
        default_factory=dict
    )

    @classmethod
    def load(
        cls, session: Session, reps: Sequence[Rep], now: datetime, *, eager: bool = False
    ) -> SqlLedger:
        """A ledger that reads a rep's rows when the engine first asks about the rep, those of
        a rule's candidates in one go (`prefetch`), and a rule's rotation when first asked: so a
        decision reads the reps it weighs, not every rep of the routing file. `eager` reads
        every rep's rows at once (views of all reps)."""
        ledger = cls(
            session=session,
            now=now,
            reps={rep.id: rep for rep in reps},
            statuses={},
            open={},
            last={},
            counters={},
            rotations={},
            unread=set(),
            rules_read=set(),
        )
        if eager:
            ledger._read_reps(None)
            ledger._read_rotations(None)
        else:
            ledger.unread = {rep.id for rep in reps}
        return ledger

    def prefetch(self, rule: str, reps: Sequence[Rep]) -> None:
        if self.unread:
            wanted = [rep.id for rep in reps if rep.id in self.unread]
            if len(wanted) * 2 > len(self.unread):
                self._read_reps(None)  # most of them: the whole tables, without an IN list
            elif wanted:
                self._read_reps(wanted)
        if self.rules_read is not None and rule not in self.rules_read:
            self._read_rotations(rule)

    def _need(self, rep_id: str) -> None:
        if self.unread and rep_id in self.unread:
            self._read_reps([rep_id])

    def _need_rule(self, rule: str) -> None:
        if self.rules_read is not None and rule not in self.rules_read:
            self._read_rotations(rule)

    def _read_reps(self, rep_ids: list[str] | None) -> None:
        """The status, load and cap counters of these reps (all with None). Plain columns, not
        ORM rows: nothing to build per row, and no row of these tables left in the session
        that storage/owners.py's statements would make stale."""
        statuses = select(RepStatusRow.rep_id, RepStatusRow.availability, RepStatusRow.until)
        loads = select(RepLoad.rep_id, RepLoad.open, RepLoad.last_sequence)
        counters = select(
            CapCounter.rep_id, CapCounter.window, CapCounter.starts, CapCounter.count,
            CapCounter.last_at,
        )  # fmt: skip
        if rep_ids is not None:
            statuses = statuses.where(RepStatusRow.rep_id.in_(rep_ids))
            loads = loads.where(RepLoad.rep_id.in_(rep_ids))
            counters = counters.where(CapCounter.rep_id.in_(rep_ids))
            if self.unread is not None:
                self.unread.difference_update(rep_ids)
        else:
            self.unread = None
        for rep_id, availability, until in self.session.execute(statuses):
            self.statuses[rep_id] = Status(availability=Availability(availability), until=until)
        for rep_id, count, sequence in self.session.execute(loads):
            self.open[rep_id] = count
            if sequence is not None:
                self.last[rep_id] = sequence
        for rep_id, window, starts, count, last_at in self.session.execute(counters):
            self.counters[(rep_id, window)] = Counter(starts=starts, count=count, last_at=last_at)

    def _read_rotations(self, rule: str | None) -> None:
        """The round-robin turns and weighted credits of the rule (every rule with None)."""
        query = select(Rotation.rule, Rotation.rep_id, Rotation.last_sequence, Rotation.credit)
        if rule is not None:
            query = query.where(Rotation.rule == rule)
            if self.rules_read is not None:
                self.rules_read.add(rule)
        else:
            self.rules_read = None
        for name, rep_id, sequence, credit in self.session.execute(query):
            self.rotations[(name, rep_id)] = (sequence, credit)

    def status(self, rep_id: str) -> Status | None:
        self._need(rep_id)
        return self.statuses.get(rep_id)

    def assigned_since(self, rep_id: str, since: datetime) -> int:
        rep = self.reps.get(rep_id)
        self._need(rep_id)
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
        self._need(rep_id)
        return self.open.get(rep_id, 0)

    def last_assigned(self, rep_id: str) -> int | None:
        self._need(rep_id)
        return self.last.get(rep_id)

    def last_served(self, rule: str, rep_id: str) -> int | None:
        self._need_rule(rule)
        entry = self.rotations.get((rule, rep_id))
        return entry[0] if entry else None

    def served_since(self, rule: str, rep_id: str, since: datetime) -> int:
        """One grouped query per (rule, since) and ledger counts every rep's leads, so asking
        for each candidate costs no more round-trips as the team grows."""
        key = ("served", rule, since)
        served = self._served.get(key)
        if served is None:
            rows = self.session.execute(
                select(AssignmentRow.rep_id, func.count())
                .where(
                    AssignmentRow.rule == rule,
                    AssignmentRow.assigned_at >= since,
                    AssignmentRow.counted.is_(True),
                )
                .group_by(AssignmentRow.rep_id)
            )
            served = self._served[key] = {rep: count for rep, count in rows}  # noqa: C416
        return served.get(rep_id, 0)

    def credit(self, rule: str, rep_id: str) -> float:
        self._need_rule(rule)
        entry = self.rotations.get((rule, rep_id))
        return entry[1] if entry else 0.0

    def outcomes_since(self, rep_id: str, since: datetime | None) -> tuple[int, int]:
        return self.outcomes_by((), since).get((rep_id, ()), (0, 0))

    def outcomes_by(
        self, by: tuple[str, ...], since: datetime | None
    ) -> Mapping[tuple[str, Segment], tuple[int, int]]:
        """One grouped query per (by, since) and ledger (storage/outcome_records.py); the
        answer is kept for the rest of the decision: read it, do not change it."""
        key = (by, since)
        if key not in self._outcome_tables:
            self._outcome_tables[key] = read_outcomes(self.session, by, since)
        return self._outcome_tables[key]

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
