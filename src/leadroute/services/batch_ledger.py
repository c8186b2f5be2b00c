"""The routing state of a batch of new leads routed in one `Database.writing()` transaction.

`SqlLedger.load` reads every status, load, cap counter and rotation row: about 4,000 rows with
200 reps and 20 rules, which costs more than routing the lead. A batch reads them once, then
after each lead re-reads only the rows that lead's placement can have changed (the owner's load
and cap counters, the rule's rotation and credits) and hands the engine a fresh `SqlLedger`
over the kept tables, so each lead is routed on exactly the state a lone `take_lead` would read.

The reads are Core selects of columns, never ORM entities: the session of a batch keeps the
`RepLoad` and `Rotation` objects of the batch's first read in its identity map while
storage/owners.py changes their rows with Core upserts, so an entity select would hand back
the stale objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from leadroute.domain.decisions import Decision
from leadroute.domain.reps import Availability, Rep, Status
from leadroute.storage.ledger import Counter, SqlLedger
from leadroute.storage.tables import CapCounter, RepLoad, RepStatusRow, Rotation


class BatchLedger:
    """Ledgers for the leads of one transaction: `at(now)` before routing a lead, `after(...)`
    once its placement is written (`after(None)`: something else changed, read everything)."""

    def __init__(self, session: Session, reps: Sequence[Rep]) -> None:
        self._session = session
        self._reps = {rep.id: rep for rep in reps}
        self._statuses: dict[str, Status] = {}
        self._open: dict[str, int] = {}
        self._last: dict[str, int] = {}
        self._counters: dict[tuple[str, str], Counter] = {}
        self._rotations: dict[tuple[str, str], tuple[int | None, float]] = {}
        self._read_all()

    def at(self, now: datetime) -> SqlLedger:
        """The state as it stands now (a new SqlLedger: its cached counts start empty)."""
        return SqlLedger(
            session=self._session,
            now=now,
            reps=self._reps,
            statuses=self._statuses,
            open=self._open,
            last=self._last,
            counters=self._counters,
            rotations=self._rotations,
        )

    def after(self, decision: Decision | None) -> None:
        """Re-read what placing `decision` changed: the rep's load and cap counters and the
        rule's rotation rows (its turn and the weighted credits). None: read it all again."""
        if decision is None:
            self._read_all()
            return
        if decision.rep is not None:
            self._read_rep(decision.rep)
        if decision.rule is not None and (decision.rep is not None or decision.credits):
            self._read_rule(decision.rule)

    def _read_all(self) -> None:
        session = self._session
        self._statuses.clear()
        for rep_id, availability, until in session.execute(
            select(RepStatusRow.rep_id, RepStatusRow.availability, RepStatusRow.until)
        ):
            self._statuses[rep_id] = Status(availability=Availability(availability), until=until)
        self._open.clear()
        self._last.clear()
        for rep_id, count, last in session.execute(
            select(RepLoad.rep_id, RepLoad.open, RepLoad.last_sequence)
        ):
            self._keep_load(rep_id, count, last)
        self._counters.clear()
        for rep_id, window, starts, count, last_at in session.execute(
            select(
                CapCounter.rep_id,
                CapCounter.window,
                CapCounter.starts,
                CapCounter.count,
                CapCounter.last_at,
            )
        ):
            self._counters[rep_id, window] = Counter(starts=starts, count=count, last_at=last_at)
        self._rotations.clear()
        for rule, rep_id, last, credit in session.execute(
            select(Rotation.rule, Rotation.rep_id, Rotation.last_sequence, Rotation.credit)
        ):
            self._rotations[rule, rep_id] = (last, credit)

    def _read_rep(self, rep_id: str) -> None:
        session = self._connection()
        for count, last in session.execute(
            select(RepLoad.open, RepLoad.last_sequence).where(RepLoad.rep_id == rep_id)
        ):
            self._keep_load(rep_id, count, last)
        for window, starts, count, last_at in session.execute(
            select(
                CapCounter.window, CapCounter.starts, CapCounter.count, CapCounter.last_at
            ).where(CapCounter.rep_id == rep_id)
        ):
            self._counters[rep_id, window] = Counter(starts=starts, count=count, last_at=last_at)

    def _read_rule(self, rule: str) -> None:
        for rep_id, last, credit in self._connection().execute(
            select(Rotation.rep_id, Rotation.last_sequence, Rotation.credit).where(
                Rotation.rule == rule
            )
        ):
            self._rotations[rule, rep_id] = (last, credit)

    def _connection(self) -> Connection:
        """The transaction's connection, with the session's pending changes written: Core
        statements on it skip the ORM's per-statement work, which costs more than the query."""
        self._session.flush()
        return self._session.connection()

    def _keep_load(self, rep_id: str, count: int, last: int | None) -> None:
        self._open[rep_id] = count
        if last is not None:
            self._last[rep_id] = last
        else:
            self._last.pop(rep_id, None)
