"""Reading who owns what from the database, and the invariants that must hold whatever
happened: at most one open assignment per lead and `leads.owner` equal to it, loads equal to
open leads, every lead owned or pooled or closed, cap counters exact, no failed timer, and an
event log that alone tells every lead's owner, pool, status and assignments. Used by the
service model (tests/property/test_service_model.py) and the HTTP race
(tests/integration/test_race_clients.py).

Closed leads keep their owner and their open assignment row (a closed lead keeps its owner:
reports learn from it), so "open" means two things here: an assignment row not ended (at most
one per lead, whatever its status) and an open lead (owned, not closed), which is what
`rep_loads.open`, the `open` cap and a pool's `wip_limit` count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from leadroute.routing.windows import window_start
from leadroute.storage.database import Database
from leadroute.storage.owners import CLOSED
from leadroute.storage.tables import (
    AssignmentRow,
    CapCounter,
    DecisionRow,
    EventRow,
    LeadRow,
    RepLoad,
    TimerRow,
)

NURTURE_POOL = "nurture"  # a lead entering this pool is `nurture` (the default nurture_pool)

Data = dict[str, Any]


@dataclass(frozen=True, kw_only=True, slots=True)
class Lead:
    id: str
    status: str
    owner: str | None
    pool: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class Assignment:
    id: int
    lead_id: str
    rep_id: str
    rule: str
    assigned_at: datetime
    ended: bool
    counted: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    lead_id: str | None
    rep_id: str | None
    type: str
    data: Data


@dataclass(frozen=True, kw_only=True, slots=True)
class Snapshot:
    """Everything the invariants read, from one read transaction."""

    leads: dict[str, Lead]
    assignments: list[Assignment]  # in id order
    loads: dict[str, int]
    counters: dict[tuple[str, str], tuple[datetime, int]]
    events: list[Event]  # in id order
    decisions: list[tuple[int, int | None]]  # (id, routing version)
    timer_troubles: list[tuple[int, str, int, str | None]]  # (id, kind, attempts, outcome)

    def open_leads(self) -> Counter[str]:
        """Per rep: leads owned and not closed (what loads, open caps and WIP limits count)."""
        return Counter(
            lead.owner for lead in self.leads.values() if lead.owner and lead.status not in CLOSED
        )


def read_leads(database: Database) -> list[Lead]:
    with database.reading() as session:
        rows = session.execute(select(LeadRow.id, LeadRow.status, LeadRow.owner, LeadRow.pool))
        return [Lead(id=i, status=s, owner=o, pool=p) for i, s, o, p in rows]


def read(database: Database) -> Snapshot:
    with database.reading() as session:
        leads = {
            row.id: Lead(id=row.id, status=row.status, owner=row.owner, pool=row.pool)
            for row in session.scalars(select(LeadRow))
        }
        assignments = [
            Assignment(
                id=row.id,
                lead_id=row.lead_id,
                rep_id=row.rep_id,
                rule=row.rule,
                assigned_at=row.assigned_at,
                ended=row.ended_at is not None,
                counted=row.counted,
            )
            for row in session.scalars(select(AssignmentRow).order_by(AssignmentRow.id))
        ]
        loads = {row.rep_id: row.open for row in session.scalars(select(RepLoad))}
        counters = {
            (row.rep_id, row.window): (row.starts, row.count)
            for row in session.scalars(select(CapCounter))
        }
        events = [
            Event(lead_id=row.lead_id, rep_id=row.rep_id, type=row.type, data=dict(row.data))
            for row in session.scalars(select(EventRow).order_by(EventRow.id))
        ]
        decisions = [
            (row.id, row.routing_version)
            for row in session.scalars(select(DecisionRow).order_by(DecisionRow.id))
        ]
        troubles = [
            (row.id, row.kind, row.attempts, row.outcome)
            for row in session.scalars(
                select(TimerRow).where((TimerRow.attempts > 0) | (TimerRow.outcome == "failed"))
            )
        ]
    return Snapshot(
        leads=leads,
        assignments=assignments,
        loads=loads,
        counters=counters,
        events=events,
        decisions=decisions,
        timer_troubles=troubles,
    )


def check_owners(snap: Snapshot) -> None:
    """At most one open assignment per lead, `leads.owner` equal to it, loads exact."""
    open_rows = [a for a in snap.assignments if not a.ended]
    doubles = {lead: n for lead, n in Counter(a.lead_id for a in open_rows).items() if n > 1}
    assert not doubles, f"leads with two open assignments: {doubles}"
    holder = {a.lead_id: a.rep_id for a in open_rows}
    for lead in snap.leads.values():
        assert holder.get(lead.id) == lead.owner, (lead, holder.get(lead.id))
    owned = snap.open_leads()
    reps = set(owned) | set(snap.loads)
    assert {rep: snap.loads.get(rep, 0) for rep in reps} == {rep: owned[rep] for rep in reps}


def check_places(snap: Snapshot) -> None:
    """Every lead is owned, pooled, or closed; never routed with neither owner nor pool."""
    for lead in snap.leads.values():
        if lead.status in CLOSED:
            assert lead.pool is None, lead
        elif lead.status == "nurture":
            assert lead.owner is None, lead
            assert lead.pool is not None, lead
        elif lead.status == "routed":
            assert (lead.owner is None) != (lead.pool is None), lead
        elif lead.status in ("offered", "touched", "qualified"):
            assert lead.owner is not None, lead
            assert lead.pool is None, lead
        else:
            raise AssertionError(f"lead left in status {lead.status}: {lead}")


def check_timers(snap: Snapshot) -> None:
    """No timer failed (a failing timer is only logged and retried: the test must see it)."""
    assert not snap.timer_troubles, f"timers failed: {snap.timer_troubles}"
    assert not [e for e in snap.events if e.type == "timer.failed"]


def check_counters(snap: Snapshot) -> None:
    """Each cap counter counts the counted assignments of its window."""
    for (rep, window), (starts, count) in snap.counters.items():
        counted = sum(
            1 for a in snap.assignments if a.rep_id == rep and a.counted and a.assigned_at >= starts
        )
        assert count == counted, (rep, window, starts, count, counted)


@dataclass(kw_only=True)
class Folded:
    """A lead as its events tell it."""

    owner: str | None = None
    pool: str | None = None
    status: str = "new"
    taken: list[str] = field(default_factory=list)  # assignments, in order
    ended: int = 0

    def give(self, rep: str | None, what: Event) -> None:
        assert rep is not None, what
        assert self.owner is None, f"{what.type} to {rep} while {self.owner} owns it"
        self.owner, self.pool = rep, None
        self.taken.append(rep)

    def end(self, what: Event) -> None:
        assert self.owner is not None, f"{what.type} of a lead nobody owns"
        self.owner = None
        self.ended += 1

    def enter(self, pool: str, what: Event) -> None:
        assert self.owner is None, f"{what.type} to pool {pool} while {self.owner} owns it"
        self.pool = pool
        self.status = "nurture" if pool == NURTURE_POOL else "routed"


def _apply(folded: Folded, event: Event) -> None:
    kind, data = event.type.removeprefix("lead."), event.data
    if kind == "received":
        folded.status = "new"
    elif kind in ("assigned", "offered", "claimed"):
        folded.give(event.rep_id, event)
        if kind == "offered":
            folded.status = "offered"
        elif kind == "claimed" or not data.get("manual") or folded.status in ("new", "nurture"):
            folded.status = "routed"  # by hand: a lead keeps its progress (touched, qualified)
    elif kind == "reassigned":
        folded.end(event)
        if data.get("manual"):
            folded.give(str(data["to"]), event)
            if folded.status == "offered":
                folded.status = "routed"
    elif kind in ("pooled", "nurtured"):
        folded.enter(str(data["pool"]), event)
        folded.status = "nurture" if kind == "nurtured" else "routed"
    elif kind in ("released", "returned"):
        folded.end(event)
        pool = data.get("to_pool") if kind == "released" else data["pool"]
        if pool is not None:
            folded.enter(str(pool), event)
    elif kind in ("declined", "expired", "handed_off"):
        folded.end(event)
    elif kind == "accepted":
        folded.status = "routed"
    elif kind == "touched":
        folded.status = "touched" if folded.status in ("new", "routed") else folded.status
    elif kind == "qualified":
        folded.status = "qualified"
    elif kind in CLOSED:
        folded.status, folded.pool = kind, None


def check_log(snap: Snapshot) -> None:
    """The event log alone tells every lead's owner, pool and status, and every assignment
    (and every end of one) has its event."""
    folded = fold(snap.events)
    assert set(folded) == set(snap.leads), "leads without events, or events of no lead"
    taken: dict[str, list[str]] = {}
    ended: Counter[str] = Counter()
    for a in snap.assignments:
        taken.setdefault(a.lead_id, []).append(a.rep_id)
        ended[a.lead_id] += a.ended
    for lead in snap.leads.values():
        told = folded[lead.id]
        assert (told.owner, told.pool, told.status) == (lead.owner, lead.pool, lead.status), (
            lead,
            told,
        )
        assert told.taken == taken.get(lead.id, []), (lead.id, told.taken, taken.get(lead.id))
        assert told.ended == ended[lead.id], (lead.id, told.ended, ended[lead.id])


def fold(events: list[Event]) -> dict[str, Folded]:
    """Every lead as its events tell it."""
    folded: dict[str, Folded] = {}
    for event in events:
        if event.lead_id is not None:
            _apply(folded.setdefault(event.lead_id, Folded()), event)
    return folded


@dataclass(frozen=True, kw_only=True, slots=True)
class Taking:
    """A lead given to a rep, as the log tells it, with the open leads the rep held just
    before: what the open cap and a pool's WIP limit are checked against at that moment.
    `how`: pushed (a rule, an offer, an escalation, an SLA re-assignment), claimed, manual."""

    lead_id: str
    rep: str
    how: str
    pool: str | None
    held: int


def takings(events: list[Event]) -> list[Taking]:
    """Replay the log in commit order (writers hold the routing lock, so event ids are
    commit order) and list every assignment with what its rep held before it."""
    folded: dict[str, Folded] = {}
    held: Counter[str] = Counter()
    made: list[Taking] = []
    for event in events:
        if event.lead_id is None:
            continue
        lead = folded.setdefault(event.lead_id, Folded())
        before = _holder(lead)
        count = len(lead.taken)
        _apply(lead, event)
        if len(lead.taken) > count:
            rep = lead.taken[-1]
            how = "manual" if event.data.get("manual") else event.type.removeprefix("lead.")
            how = "pushed" if how in ("assigned", "offered") else how
            pool = str(event.data["pool"]) if how == "claimed" else None
            # the earlier owner (a manual re-assignment) gave the lead up first
            made.append(
                Taking(
                    lead_id=event.lead_id,
                    rep=rep,
                    how=how,
                    pool=pool,
                    held=held[rep] - (before == rep),
                )
            )
        after = _holder(lead)
        if before is not None:
            held[before] -= 1
        if after is not None:
            held[after] += 1
    return made


def _holder(lead: Folded) -> str | None:
    return lead.owner if lead.owner is not None and lead.status not in CLOSED else None


def window_count(snap: Snapshot, made: Assignment, window: str, zone: ZoneInfo) -> int:
    """The rep's assignments of the window (hour, day) up to this one, this one included:
    what its cap bounds. Those counted now, which are all that were counted then (`counted`
    only ever turns false, when an offer is declined or expires)."""
    starts = window_start(window, made.assigned_at, zone)
    return sum(
        1
        for a in snap.assignments
        if a.rep_id == made.rep_id
        and a.id <= made.id
        and a.assigned_at >= starts
        and (a.counted or a.id == made.id)
    )


def check_all(snap: Snapshot) -> None:
    check_owners(snap)
    check_places(snap)
    check_timers(snap)
    check_counters(snap)
    check_log(snap)
