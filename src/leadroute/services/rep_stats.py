"""The roster as a manager reads it: every rep as the API shows them (services/reps.py
`rep_view`) with what routing would see of them now (in working hours or not, which cap stops
them), this month's cap usage and how this month's decided leads went; and who may pull from a
pool, for a manager taking a lead on a rep's behalf."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from leadroute.domain.reps import Rep
from leadroute.routing.filters import caps_now, hours_now
from leadroute.routing.moment import Moment
from leadroute.routing.pools import is_member
from leadroute.services.errors import NotFound
from leadroute.services.principals import Principal
from leadroute.services.reps import rep_view, roster_with
from leadroute.services.runtime import Runtime
from leadroute.storage.ledger import SqlLedger


def roster(*, runtime: Runtime, caller: Principal, now: datetime) -> dict[str, Any]:
    """`list_reps` with, per rep: `assigned_month` (leads counted toward the month cap),
    `outside_hours` (None inside working hours, else why not, as a decision trace says it),
    `capped` (the cap that stops them now, or None), `won_month`, `lost_month` and
    `conversion` (won / decided since the start of the month in the rep's timezone, None
    before anything was decided). A rep sees only themselves."""
    return roster_with(runtime=runtime, caller=caller, now=now, view=_with_stats)


def pool_members(*, runtime: Runtime, pool_name: str) -> list[dict[str, str]]:
    """The reps of the routing in force who may pull from the pool (`id` and `name`), in
    roster order; none for a pool only managers assign from."""
    with runtime.database.reading() as session:
        config = runtime.routing(session).router.config
        pool = config.pools.get(pool_name)
        if pool is None:
            raise NotFound(f"no pool {pool_name}")
        return [
            {"id": rep.id, "name": rep.name or rep.id}
            for rep in config.reps
            if is_member(rep, pool)
        ]


def _with_stats(rep: Rep, ledger: SqlLedger, now: datetime) -> dict[str, Any]:
    moment = Moment(now=now, ledger=ledger)
    month = moment.window_start("month", rep.timezone)
    won, lost = ledger.outcomes_since(rep.id, month)
    decided = won + lost
    return {
        **rep_view(rep, ledger, moment.now),
        "assigned_month": ledger.assigned_since(rep.id, month),
        "outside_hours": hours_now(rep, moment),
        "capped": caps_now(rep, moment),
        "won_month": won,
        "lost_month": lost,
        "conversion": won / decided if decided else None,
    }
