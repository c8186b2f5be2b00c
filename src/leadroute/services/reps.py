"""The roster: reps as the routing file in force describes them, with their state now.

Reps live in the routing file (its `reps:` list), so adding or changing one stores a new version
of that file, checked like any other. Availability is state, not configuration: it is kept in
`rep_status` and overrides the file's `status` until changed again (or until its `until`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from leadroute.domain.errors import InvalidInput, Problem
from leadroute.domain.reps import Availability, Rep
from leadroute.routing.windows import window_start
from leadroute.services.errors import Conflict, Forbidden, NotFound
from leadroute.services.principals import Principal, Role
from leadroute.services.routing_admin import routing_data, routing_text
from leadroute.services.runtime import Routing, Runtime, store_routing
from leadroute.storage.ledger import SqlLedger
from leadroute.storage.owners import log
from leadroute.storage.tables import RepStatusRow

Entry = dict[str, Any]


def list_reps(*, runtime: Runtime, caller: Principal, now: datetime) -> dict[str, Any]:
    """Every rep of the routing in force with availability, open load and today's count; a rep
    key sees only itself."""
    return roster_with(runtime=runtime, caller=caller, now=now, view=rep_view)


def roster_with(
    *,
    runtime: Runtime,
    caller: Principal,
    now: datetime,
    view: Callable[[Rep, SqlLedger, datetime], dict[str, Any]],
) -> dict[str, Any]:
    """The routing version in force and `view` of each rep of it a caller may see (a rep key
    only itself), with the ledger loaded once for all of them."""
    with runtime.database.reading() as session:
        routing = runtime.routing(session)
        reps = routing.router.config.reps
        if caller.role is Role.REP:
            reps = tuple(rep for rep in reps if rep.id == caller.rep_id)
        ledger = SqlLedger.load(session, reps, now, eager=True)
        return {"version": routing.version, "reps": [view(rep, ledger, now) for rep in reps]}


def get_rep(*, runtime: Runtime, rep_id: str, caller: Principal, now: datetime) -> dict[str, Any]:
    _refuse_other_rep(caller, rep_id, "see")
    with runtime.database.reading() as session:
        return _view(session, runtime.routing(session), rep_id, now)


def add_rep(*, runtime: Runtime, entry: Entry, caller: Principal, now: datetime) -> dict[str, Any]:
    """Add a rep (written as the routing file writes one) to the roster: a new version of the
    routing file. Conflict when the id is taken; RoutingFileError (paths `reps[N]...`) when the
    rep is not valid."""
    rep_id = str(entry["id"])
    with runtime.database.writing() as session:
        routing = runtime.routing(session)
        if rep_id in routing.router.reps:
            raise Conflict(f"rep {rep_id} exists already", rep=rep_id)
        data = routing_data(routing)
        _roster(data).append(entry)
        version = _store(session, routing, data, now, caller, f"rep {rep_id} added")
        log(session, "rep.added", at=now, actor=caller.actor, rep_id=rep_id, data=entry)
    return _read_view(runtime, version, rep_id, now)


def update_rep(
    *, runtime: Runtime, rep_id: str, changes: Entry, caller: Principal, now: datetime
) -> dict[str, Any]:
    """Merge `changes` into the rep's entry (JSON merge patch: mappings merge, null removes a
    key) and store the routing file as a new version. The id cannot change."""
    if "id" in changes and changes["id"] != rep_id:
        raise InvalidInput([Problem(path="id", message="a rep's id cannot change")])
    with runtime.database.writing() as session:
        routing = runtime.routing(session)
        data = routing_data(routing)
        entry = next(
            (item for item in _roster(data) if isinstance(item, dict) and item.get("id") == rep_id),
            None,
        )
        if entry is None:
            raise NotFound(f"no rep {rep_id}")
        merged = _merge(entry, changes)
        entry.clear()
        entry.update(merged)
        version = _store(session, routing, data, now, caller, f"rep {rep_id} changed")
        log(session, "rep.updated", at=now, actor=caller.actor, rep_id=rep_id, data=changes)
    return _read_view(runtime, version, rep_id, now)


def set_availability(
    *,
    runtime: Runtime,
    rep_id: str,
    status: Availability,
    until: datetime | None,
    caller: Principal,
    now: datetime,
) -> dict[str, Any]:
    """Set a rep's availability now (a rep key only its own). `until` ends an away or offline
    spell on its own and must lie ahead. The next routing decision sees it."""
    _refuse_other_rep(caller, rep_id, "change the availability of")
    if until is not None and status is Availability.AVAILABLE:
        raise InvalidInput([Problem(path="until", message="only away or offline can end")])
    if until is not None and until <= now:
        raise InvalidInput([Problem(path="until", message="must lie in the future")])
    with runtime.database.writing() as session:
        routing = runtime.routing(session)
        if rep_id not in routing.router.reps:
            raise NotFound(f"no rep {rep_id}")
        row = session.get(RepStatusRow, rep_id)
        previous = None if row is None else _status_data(row.availability, row.until)
        if row is None:
            row = RepStatusRow(rep_id=rep_id)
            session.add(row)
        row.availability, row.until = status.value, until
        row.changed_at, row.changed_by = now, caller.actor
        log(
            session,
            "rep.availability",
            at=now,
            actor=caller.actor,
            rep_id=rep_id,
            data={**_status_data(status.value, until), "previous": previous},
        )
        return _view(session, routing, rep_id, now)


def rep_view(rep: Rep, ledger: SqlLedger, now: datetime) -> dict[str, Any]:
    """A rep as the API shows it: the file's settings and the state routing sees now."""
    status = ledger.status(rep.id) or rep.status
    state = status.effective(now)
    until = status.until if state is not Availability.AVAILABLE else None
    return {
        "id": rep.id,
        "name": rep.name,
        "email": rep.email,
        "teams": sorted(rep.teams),
        "skills": sorted(rep.skills),
        "territories": [territory.code for territory in rep.territories],
        "weight": rep.weight,
        "caps": asdict(rep.caps),
        "hours": rep.hours.text,
        "timezone": getattr(rep.timezone, "key", str(rep.timezone)),
        "availability": _status_data(state.value, until),
        "open": ledger.open_count(rep.id),
        "assigned_today": ledger.assigned_since(rep.id, window_start("day", now, rep.timezone)),
    }


def _view(session: Session, routing: Routing, rep_id: str, now: datetime) -> dict[str, Any]:
    rep = routing.router.reps.get(rep_id)
    if rep is None:
        raise NotFound(f"no rep {rep_id}")
    return rep_view(rep, SqlLedger.load(session, (rep,), now), now)


def _read_view(runtime: Runtime, version: int, rep_id: str, now: datetime) -> dict[str, Any]:
    # Read after commit: Runtime caches compiled versions by number, and SQLite may hand a
    # rolled-back version's number to the next one.
    with runtime.database.reading() as session:
        return _view(session, runtime.routing(session, version), rep_id, now)


def _store(
    session: Session, routing: Routing, data: Any, now: datetime, caller: Principal, what: str
) -> int:
    had_comments = routing.format != "json" and "#" in routing.text
    note = " (file rewritten: its YAML comments were dropped)" if had_comments else ""
    return store_routing(
        session,
        text=routing_text(data, is_json=routing.format == "json"),
        is_json=routing.format == "json",
        now=now,
        actor=caller.actor,
        comment=f"{what} by {caller.actor}{note}",
    )


def _roster(data: Any) -> list[Any]:
    if not isinstance(data, dict):
        raise InvalidInput([Problem(path="", message="the routing in force is not a mapping")])
    if data.get("reps") is None:
        data["reps"] = []
    roster = data["reps"]
    if not isinstance(roster, list):
        raise InvalidInput([Problem(path="reps", message="expected a list")])
    return roster


def _merge(target: Entry, patch: Entry) -> Entry:
    """RFC 7396 merge: a mapping merges key by key, null removes, anything else replaces."""
    merged = dict(target)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict):
            earlier = merged.get(key)
            merged[key] = _merge(earlier if isinstance(earlier, dict) else {}, value)
        else:
            merged[key] = value
    return merged


def _refuse_other_rep(caller: Principal, rep_id: str, action: str) -> None:
    if caller.role is Role.REP and caller.rep_id != rep_id:
        raise Forbidden(f"a rep key may only {action} its own rep ({caller.rep_id})")


def _status_data(status: str, until: datetime | None) -> dict[str, Any]:
    return {"status": status, "until": until.isoformat() if until is not None else None}
