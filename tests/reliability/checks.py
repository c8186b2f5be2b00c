"""What a crashed and restarted server must have kept, read straight from its database.

Each check returns the problems it found (empty: none), one line each, so a failing round
names every broken lead at once rather than the first.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadroute.storage.outbox_tables import DeliveryRow
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
from tests.reliability.stream import Acknowledged

# The event each timer outcome writes in the lead's timeline (services/timers.py, sla.py);
# "stale" writes none. A pair not listed here is itself a problem.
EVENT_OF_TIMER = {
    ("offer", "expired"): "lead.expired",
    ("wait", "reported"): "lead.overdue",
    ("wait", "kept"): "lead.overdue",
    ("wait", "escalated"): "lead.escalated",
    ("sla_remind", "reminded"): "lead.reminded",
    ("sla_quiet", "reminded"): "lead.reminded",
    ("sla_missed", "missed"): "lead.sla_missed",
    ("sla_escalate", "escalated"): "lead.escalated",
    ("sla_reassign", "reassigned"): "lead.reassigned",
}
TIMER_EVENTS = frozenset(EVENT_OF_TIMER.values())
# Timer outcomes that route the lead again, writing a decision of their own.
ROUTING_OUTCOMES = frozenset(
    {("offer", "expired"), ("wait", "escalated"), ("sla_reassign", "reassigned")}
)
# Where a new lead lands at intake: exactly one of these events at its received_at.
INTAKE_EVENTS = frozenset(
    {"lead.assigned", "lead.offered", "lead.pooled", "lead.nurtured", "lead.disqualified"}
)
# The webhook event a logged event sends to a subscriber of it (notify/webhooks.py).
WEBHOOK_OF_EVENT = {"lead.received": "lead.created", "lead.reassigned": "lead.reassigned"}


@dataclass(frozen=True, kw_only=True, slots=True)
class Pending:
    """What a killed server left to do: timers not fired, deliveries not delivered."""

    timers: frozenset[int]
    deliveries: frozenset[str]


def pending(session: Session) -> Pending:
    timers = session.scalars(select(TimerRow.id).where(TimerRow.fired_at.is_(None)))
    deliveries = session.scalars(select(DeliveryRow.id).where(DeliveryRow.status != "delivered"))
    return Pending(timers=frozenset(timers), deliveries=frozenset(deliveries))


def unfinished(session: Session) -> tuple[int, int]:
    """(timers not fired yet, deliveries not delivered yet)."""
    timers = session.scalar(
        select(func.count()).select_from(TimerRow).where(TimerRow.fired_at.is_(None))
    )
    deliveries = session.scalar(
        select(func.count()).select_from(DeliveryRow).where(DeliveryRow.status != "delivered")
    )
    return timers or 0, deliveries or 0


def delivery_ids(session: Session) -> set[str]:
    return set(session.scalars(select(DeliveryRow.id)))


@dataclass(kw_only=True)
class Tally:
    """Counts for the round's summary line."""

    leads: int = 0
    lost: int = 0
    double_owners: int = 0
    replayed: int = 0
    timers_fired: int = 0
    timers_acted: int = 0
    deliveries: int = 0
    received: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)


def leads(session: Session, acknowledged: Mapping[str, Acknowledged], tally: Tally) -> None:
    """Every acknowledged lead exists once, under the id its answer gave; nothing else was
    made. A resent request answered by a lead received before that try was sent proves the
    answer was replayed (the first try had committed)."""
    rows = session.execute(
        select(LeadRow.id, LeadRow.external_id, LeadRow.received_at).where(
            LeadRow.source == "crash-test"
        )
    ).all()
    by_external: dict[str | None, list[tuple[str, datetime]]] = defaultdict(list)
    for row in rows:
        by_external[row.external_id].append((row.id, row.received_at))
    tally.leads = len(rows)
    for external, ack in sorted(acknowledged.items()):
        found = by_external.get(external, [])
        if [lead_id for lead_id, _ in found] != [ack.lead_id]:
            tally.lost += 1
            tally.problems.append(f"{external}: answered {ack.lead_id}, stored {found}")
        elif ack.tries > 1 and found[0][1] < ack.sent_at:
            tally.replayed += 1
    extra = sorted(str(external) for external in by_external if external not in acknowledged)
    if extra:
        tally.problems.append(
            f"{len(extra)} leads stored that were never acknowledged: {extra[:5]}"
        )


def owners(session: Session, tally: Tally) -> None:
    """At most one open assignment per lead, held by its owner; each lead owned (or offered),
    pooled, or closed as its latest decision says; rep loads and cap counters as the
    assignments imply."""
    open_rows = session.execute(
        select(AssignmentRow.lead_id, AssignmentRow.rep_id).where(AssignmentRow.ended_at.is_(None))
    ).all()
    holders: dict[str, list[str]] = defaultdict(list)
    for lead_id, rep_id in open_rows:
        holders[lead_id].append(rep_id)
    tally.double_owners = sum(1 for reps in holders.values() if len(reps) > 1)
    latest = _latest_decisions(session)
    loads: Counter[str] = Counter()
    for lead in session.scalars(select(LeadRow)):
        held = holders.get(lead.id, [])
        if held != ([lead.owner] if lead.owner else []):
            tally.problems.append(f"{lead.id}: owner {lead.owner}, open assignments {held}")
        if lead.owner is not None and lead.status not in CLOSED:
            loads[lead.owner] += 1
        decided = latest.get(lead.id)
        if decided is None:
            tally.problems.append(f"{lead.id}: no decision")
            continue
        expected = _place_of(decided.rep, decided.pool)
        if (lead.owner, lead.pool, _parked(lead.status)) != expected:
            tally.problems.append(
                f"{lead.id} ({lead.status}): owner {lead.owner}, pool {lead.pool}; its latest "
                f"decision says rep {decided.rep}, pool {decided.pool}"
            )
    stored = {row.rep_id: row.open for row in session.scalars(select(RepLoad))}
    for rep in sorted(set(stored) | set(loads)):
        if stored.get(rep, 0) != loads[rep]:
            tally.problems.append(f"rep {rep}: open load {stored.get(rep)}, owns {loads[rep]}")
    _caps(session, tally)


def _place_of(rep: str | None, pool: str | None) -> tuple[str | None, str | None, bool]:
    """(owner, pool, closed) a decision leaves a lead in: a decision naming neither a rep nor
    a pool disqualified it."""
    return rep, pool, rep is None and pool is None


def _parked(status: str) -> bool:
    return status in CLOSED


def _latest_decisions(session: Session) -> dict[str, DecisionRow]:
    latest: dict[str, DecisionRow] = {}
    for row in session.scalars(select(DecisionRow).order_by(DecisionRow.id)):
        latest[row.lead_id] = row
    return latest


def _caps(session: Session, tally: Tally) -> None:
    """A counter counts the rep's counted assignments made since its window started."""
    made: dict[str, list[datetime]] = defaultdict(list)
    for rep_id, at in session.execute(
        select(AssignmentRow.rep_id, AssignmentRow.assigned_at).where(
            AssignmentRow.counted.is_(True)
        )
    ):
        made[rep_id].append(at)
    for counter in session.scalars(select(CapCounter)):
        expected = sum(1 for at in made[counter.rep_id] if at >= counter.starts)
        if counter.count != expected:
            tally.problems.append(
                f"cap counter {counter.rep_id}/{counter.window} since {counter.starts}: "
                f"{counter.count}, assignments {expected}"
            )


def decisions(session: Session, tally: Tally) -> None:
    """One decision per lead at intake (at its received_at: no replayed request routed it
    again), and one more for each timer that routed it again, at the time it fired."""
    received = _received(session)
    routed_again: dict[str, Counter[datetime]] = defaultdict(Counter)
    for row in session.scalars(select(TimerRow).where(TimerRow.fired_at.is_not(None))):
        if (row.kind, row.outcome) in ROUTING_OUTCOMES and row.fired_at is not None:
            routed_again[row.lead_id][row.fired_at] += 1
    made: dict[str, Counter[datetime]] = defaultdict(Counter)
    for lead_id, at in session.execute(select(DecisionRow.lead_id, DecisionRow.at)):
        made[lead_id][at] += 1
    for lead_id, at in received.items():
        got = made.get(lead_id, Counter())
        expected = routed_again.get(lead_id, Counter()) + Counter({at: 1})
        if got != expected:
            tally.problems.append(
                f"{lead_id}: decisions at {_times(got)}, expected {_times(expected)}"
            )


def timers(session: Session, tally: Tally) -> None:
    """Every timer fired, none given up; each one that acted wrote its event once, at the
    time it fired; and each lead's intake wrote exactly one lead.received and one landing."""
    expected: dict[str, Counter[tuple[str, datetime]]] = defaultdict(Counter)
    for row in session.scalars(select(TimerRow)):
        if row.fired_at is None or row.outcome is None:
            tally.problems.append(f"timer {row.id} ({row.kind}) of {row.lead_id} never fired")
            continue
        tally.timers_fired += 1
        if row.outcome == "stale":
            continue
        kind = EVENT_OF_TIMER.get((row.kind, row.outcome))
        if kind is None:
            tally.problems.append(f"timer {row.id} ({row.kind}) of {row.lead_id}: {row.outcome}")
            continue
        tally.timers_acted += 1
        expected[row.lead_id][(kind, row.fired_at)] += 1
    got: dict[str, Counter[tuple[str, datetime]]] = defaultdict(Counter)
    intake: dict[str, Counter[str]] = defaultdict(Counter)
    received = _received(session)
    for lead_id, kind, at in session.execute(select(EventRow.lead_id, EventRow.type, EventRow.at)):
        if lead_id is None:
            continue
        if kind in TIMER_EVENTS:
            got[lead_id][(kind, at)] += 1
        if kind == "lead.received" or (kind in INTAKE_EVENTS and at == received.get(lead_id)):
            intake[lead_id][kind] += 1
    for lead_id in sorted(set(expected) | set(got)):
        if got[lead_id] != expected[lead_id]:
            tally.problems.append(
                f"{lead_id}: timer events {sorted(got[lead_id].items())}, "
                f"timers fired {sorted(expected[lead_id].items())}"
            )
    for lead_id in received:
        if intake[lead_id]["lead.received"] != 1 or intake[lead_id].total() != 2:
            tally.problems.append(f"{lead_id}: intake events {dict(intake[lead_id])}")


def deliveries(
    session: Session, accepted: Iterable[tuple[str, bytes]], tally: Tally
) -> dict[str, int]:
    """Every delivery row delivered and received (at least once) under its id, one row per
    (event, subscribed webhook event); return how many of each webhook event were written."""
    rows = session.execute(
        select(DeliveryRow.id, DeliveryRow.status, DeliveryRow.event, DeliveryRow.event_id)
    ).all()
    tally.deliveries = len(rows)
    got = [delivery for delivery, _ in accepted]
    tally.received = len(got)
    tally.duplicates = len(got) - len(set(got))
    stored = {row.id for row in rows}
    missing = stored - set(got)
    if missing:
        tally.problems.append(f"{len(missing)} deliveries never received: {sorted(missing)[:5]}")
    unknown = set(got) - stored
    if unknown:
        tally.problems.append(
            f"{len(unknown)} received deliveries not stored: {sorted(unknown)[:5]}"
        )
    undelivered = Counter(row.status for row in rows if row.status != "delivered")
    if undelivered:
        tally.problems.append(f"deliveries not delivered: {dict(undelivered)}")
    written: dict[int | None, list[str]] = defaultdict(list)
    for row in rows:
        written[row.event_id].append(row.event)
    events = session.execute(
        select(EventRow.id, EventRow.type).where(EventRow.type.in_(WEBHOOK_OF_EVENT))
    )
    wanted: dict[int | None, list[str]] = {
        event_id: [WEBHOOK_OF_EVENT[kind]] for event_id, kind in events
    }
    for event_id in sorted(set(wanted) | set(written), key=lambda e: e or 0):
        if written.get(event_id, []) != wanted.get(event_id, []):
            tally.problems.append(
                f"event {event_id}: deliveries {written.get(event_id)}, "
                f"expected {wanted.get(event_id)}"
            )
    return dict(Counter(row.event for row in rows))


def _times(counts: Counter[datetime]) -> list[str]:
    return sorted(f"{at.isoformat()}x{n}" for at, n in counts.items())


def created_bodies(
    accepted: Iterable[tuple[str, bytes]], acknowledged: Mapping[str, Acknowledged], tally: Tally
) -> None:
    """The receiver got a `lead.created` for each acknowledged lead, naming it, and none
    for any other lead."""
    created = set()
    for _, body in accepted:
        sent = json.loads(body)
        if sent["event"] == "lead.created":
            created.add(sent["lead"]["id"])
    expected = {ack.lead_id for ack in acknowledged.values()}
    if created != expected:
        tally.problems.append(
            f"lead.created received for {len(created)} leads: missing "
            f"{sorted(expected - created)[:5]}, unexpected {sorted(created - expected)[:5]}"
        )


def _received(session: Session) -> dict[str, datetime]:
    return dict(session.execute(select(LeadRow.id, LeadRow.received_at)).all())
