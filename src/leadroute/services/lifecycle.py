"""A lead's life after routing: touched, qualified, closed (won, lost, disqualified), given
back for routing again (released), or assigned by hand by a manager.

Statuses run new → routed → touched → qualified → won | lost | disqualified. A closed lead keeps
its owner (reports and the top_performer selector learn from it) and may be corrected to
another result; it is not reopened. Every change is one transaction under the routing lock and
appends an event naming who did it and why.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from leadroute.domain.errors import InvalidInput, Problem
from leadroute.routing.flows import HANDOFF, MAIN
from leadroute.routing.pools import returned_wait_timer
from leadroute.routing.qualify import NURTURE, status_in_pool
from leadroute.services.errors import Conflict, Forbidden
from leadroute.services.leads import visible_lead
from leadroute.services.placing import route_and_record
from leadroute.services.principals import Principal, Role
from leadroute.services.runtime import Runtime
from leadroute.services.sla_clock import after_touch, start_sla
from leadroute.services.views import lead_detail
from leadroute.storage.owners import CLOSED, back_to_pool, change_load, give, log, take_back
from leadroute.storage.tables import LeadRow
from leadroute.storage.timers import schedule

EVENT_KINDS = ("touched", "qualified", "won", "lost", "disqualified", "released")
"""What `record_event` accepts, in the order a lead usually goes through them."""

ACTORS = frozenset({Role.ADMIN, Role.MANAGER, Role.REP})
_END_REASON_LENGTH = 200  # assignments.end_reason


def record_event(
    *,
    runtime: Runtime,
    lead_id: str,
    kind: str,
    caller: Principal,
    now: datetime,
    amount: float | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Apply one lifecycle event to a lead and return the lead's detail.

    A rep key acts only on leads it owns (NotFound for leads it cannot see, Forbidden for pooled
    leads it can see but has not claimed). A status change that cannot happen now is a Conflict
    naming the current status; an unknown kind or a misplaced or negative amount, InvalidInput.
    """
    _check_event_input(kind, amount)
    reason = _clean(reason)
    with runtime.database.writing() as session:
        row = _actionable_lead(session, runtime, lead_id, caller)
        if kind == "touched":
            _touch(session, row, caller=caller, now=now, reason=reason)
            after_touch(session, runtime.routing(session), row, now=now)
        elif kind == "qualified":
            first = row.qualified_by is None
            _qualify(session, row, caller=caller, now=now, reason=reason)
            if first:
                _hand_off(session, runtime, row, caller=caller, now=now)
        elif kind == "released":
            _release(session, runtime, row, caller=caller, now=now, reason=reason)
        else:
            _close(session, row, kind, caller=caller, now=now, amount=amount, reason=reason)
        return lead_detail(session, row)


def assign_lead(
    *,
    runtime: Runtime,
    lead_id: str,
    rep_id: str,
    reason: str,
    caller: Principal,
    now: datetime,
) -> dict[str, Any]:
    """Give an open lead to `rep_id` by hand (ending any current assignment) and return its
    detail. The rep must be in the routing in force and a reason is required (InvalidInput
    otherwise); availability, hours and caps are not checked (a person decided), but the
    assignment counts toward the rep's caps and open load. The lead keeps its progress status.
    """
    if caller.role not in (Role.ADMIN, Role.MANAGER):
        raise Forbidden(f"the {caller.role.value} role may not assign leads")
    why = _clean(reason)
    if why is None:
        raise InvalidInput([Problem(path="reason", message="say why the lead is assigned")])
    with runtime.database.writing() as session:
        row = visible_lead(session, runtime, lead_id, caller)
        reps = runtime.routing(session).router.reps
        rep = reps.get(rep_id)
        if rep is None:
            known = ", ".join(sorted(reps)) or "none"
            raise InvalidInput(
                [Problem(path="rep", message=f"unknown rep {rep_id!r} (reps: {known})")]
            )
        if row.status in CLOSED:
            raise _refused(row, f"cannot assign lead {row.id}: it is {row.status}")
        if row.owner == rep_id:
            raise _refused(row, f"lead {row.id} is already owned by {rep_id}")
        previous, pool = row.owner, row.pool
        take_back(
            session,
            row,
            now=now,
            reason=_end_reason("reassigned by hand", why),
            uncount=row.status == "offered",
        )
        give(session, row, rep_id=rep_id, rule="manual", now=now, timezone=rep.timezone)
        row.offered = []
        if row.status in ("new", "offered", NURTURE):
            row.status = "routed"
        log(
            session,
            "lead.assigned" if previous is None else "lead.reassigned",
            at=now,
            actor=caller.actor,
            lead_id=row.id,
            rep_id=rep_id,
            reason=why,
            data={"from": previous, "to": rep_id, "pool": pool, "manual": True},
        )
        start_sla(session, runtime.routing(session), row, rule="manual", now=now)
        return lead_detail(session, row)


def _touch(
    session: Session, row: LeadRow, *, caller: Principal, now: datetime, reason: str | None
) -> None:
    """Every touch is logged (a call, an email); the first one stamps `touched_at`."""
    _need_open_owner(row, "touch")
    first = row.touched_at is None
    if first:
        row.touched_at = now
    row.last_touched_at = now
    previous = row.status
    if row.status in ("new", "routed"):
        row.status = "touched"
    row.updated_at = now
    log(
        session,
        "lead.touched",
        at=now,
        actor=caller.actor,
        lead_id=row.id,
        rep_id=row.owner,
        reason=reason,
        data={"from": previous, "first": first},
    )


def _qualify(
    session: Session, row: LeadRow, *, caller: Principal, now: datetime, reason: str | None
) -> None:
    _need_open_owner(row, "qualify")
    if row.status == "qualified":
        raise _refused(row, f"lead {row.id} is qualified already")
    previous = row.status
    row.status = "qualified"
    if row.qualified_by is None:  # a closer qualifying a handed-off lead keeps the SDR's credit
        row.qualified_by, row.qualified_at = row.owner, now
    row.updated_at = now
    log(
        session,
        "lead.qualified",
        at=now,
        actor=caller.actor,
        lead_id=row.id,
        rep_id=row.owner,
        reason=reason,
        data={"from": previous},
    )


def _close(
    session: Session,
    row: LeadRow,
    result: str,
    *,
    caller: Principal,
    now: datetime,
    amount: float | None,
    reason: str | None,
) -> None:
    """Close an open lead (its owner's open load drops by one) or correct a closed one's
    result (the load is left alone). A pooled lead may be lost or disqualified: it leaves the
    pool; only an owned lead can be won."""
    previous = row.status
    correction = previous in CLOSED
    if correction and previous == result and row.amount == amount:
        raise _refused(row, f"lead {row.id} is {previous} already")
    if result == "won" and row.status == "offered":
        raise _refused(
            row,
            f"cannot mark lead {row.id} won: it is offered to {row.owner}, who has not "
            "accepted it yet",
        )
    if row.owner is None and result == "won":
        where = f"in pool {row.pool}" if row.pool else "unowned"
        raise _refused(row, f"cannot mark lead {row.id} won: it is {row.status} and {where}")
    if not correction:
        if row.owner is not None:
            change_load(session, row.owner, -1)
        row.pool, row.pool_entered = None, None
    row.status, row.closed_at, row.amount = result, now, amount
    row.updated_at = now
    data: dict[str, Any] = {"from": previous, "owner": row.owner}
    if amount is not None:
        data["amount"] = amount
    if correction:
        data["correction"] = True
    log(
        session,
        f"lead.{result}",
        at=now,
        actor=caller.actor,
        lead_id=row.id,
        rep_id=row.owner,
        reason=reason,
        data=data,
    )


def _release(
    session: Session,
    runtime: Runtime,
    row: LeadRow,
    *,
    caller: Principal,
    now: datetime,
    reason: str | None,
) -> None:
    """The owner gives the lead back: a claimed lead to the pool it came from, at its old
    place; a pushed lead is routed again to anyone but them (or a pool)."""
    _need_open_owner(row, "release")
    previous, status, pool_name = row.owner, row.status, row.claimed_from
    assert previous is not None, "an open lead with an owner"
    take_back(session, row, now=now, reason=_end_reason("released", reason))
    row.status = "released"
    log(
        session,
        "lead.released",
        at=now,
        actor=caller.actor,
        lead_id=row.id,
        rep_id=previous,
        reason=reason,
        data={"from": status, "owner": previous, **({"to_pool": pool_name} if pool_name else {})},
    )
    routing = runtime.routing(session)
    if pool_name is not None and row.pool_entered is not None and row.pooled_at is not None:
        row.claimed_from = pool_name
        back_to_pool(row, now=now)
        row.status = status_in_pool(routing.router.config.qualify, pool_name)
        pool = routing.router.config.pool(pool_name)
        schedule(session, row, returned_wait_timer(row.id, pool, row.pooled_at, now), now=now)
        return
    handed_off = row.qualified_by is not None and routing.router.has_flow(HANDOFF)
    route_and_record(
        session,
        routing,
        row,
        now=now,
        actor=caller.actor,
        exclude=frozenset({previous}),
        flow=HANDOFF if handed_off else MAIN,
    )


def _hand_off(
    session: Session, runtime: Runtime, row: LeadRow, *, caller: Principal, now: datetime
) -> None:
    """With a `handoff:` flow, a qualified lead leaves its first owner (kept as
    `qualified_by`) and the hand-off flow chooses the next one (SDR → closer)."""
    routing = runtime.routing(session)
    if not routing.router.has_flow(HANDOFF):
        return
    first = take_back(session, row, now=now, reason="handed off after qualifying")
    log(
        session,
        "lead.handed_off",
        at=now,
        actor=caller.actor,
        lead_id=row.id,
        rep_id=first,
        reason="qualified: the hand-off flow chooses the next owner",
        data={"qualified_by": first},
    )
    route_and_record(
        session,
        routing,
        row,
        now=now,
        actor=caller.actor,
        flow=HANDOFF,
        data={"qualified_by": first},
    )


def _actionable_lead(
    session: Session, runtime: Runtime, lead_id: str, caller: Principal
) -> LeadRow:
    if caller.role not in ACTORS:
        raise Forbidden(f"the {caller.role.value} role may not change leads")
    row = visible_lead(session, runtime, lead_id, caller)
    if caller.role is Role.REP and row.owner == caller.rep_id and row.status == "offered":
        raise _refused(row, f"lead {row.id} is offered to you: accept it first")
    if caller.role is Role.REP and row.owner != caller.rep_id:
        raise Forbidden(
            f"lead {row.id} waits in pool {row.pool}: claim it first (a rep acts only on "
            "leads it owns)"
        )
    return row


def _need_open_owner(row: LeadRow, verb: str) -> None:
    if row.status == "offered":
        raise _refused(
            row,
            f"cannot {verb} lead {row.id}: it is offered to {row.owner}, "
            "who has not accepted it yet",
        )
    if row.status in CLOSED:
        raise _refused(row, f"cannot {verb} lead {row.id}: it is {row.status}")
    if row.owner is None:
        where = f"waits in pool {row.pool}" if row.pool else "has no owner"
        raise _refused(row, f"cannot {verb} lead {row.id}: it is {row.status} and {where}")


def _check_event_input(kind: str, amount: float | None) -> None:
    if kind not in EVENT_KINDS:
        raise InvalidInput(
            [Problem(path="type", message=f"unknown event {kind!r} ({', '.join(EVENT_KINDS)})")]
        )
    if amount is None:
        return
    if kind != "won":
        raise InvalidInput([Problem(path="amount", message="only a won lead has an amount")])
    if not math.isfinite(amount) or amount < 0:
        raise InvalidInput([Problem(path="amount", message="must be a number, not negative")])


def _refused(row: LeadRow, message: str) -> Conflict:
    return Conflict(message, lead=row.id, status=row.status, owner=row.owner, pool=row.pool)


def _clean(reason: str | None) -> str | None:
    text = (reason or "").strip()
    return text or None


def _end_reason(what: str, reason: str | None) -> str:
    return (f"{what}: {reason}" if reason else what)[:_END_REASON_LENGTH]
