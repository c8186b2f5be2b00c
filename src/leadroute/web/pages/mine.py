"""A rep's start page: the leads offered to them (accept or decline), their open leads with
the soonest due first and one-click outcomes, their own availability (away / back) and the
pools they may pull from. The list refreshes itself (htmx) while the rep is not typing in it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from leadroute.api.auth import Now, Runtime_
from leadroute.domain.reps import Availability
from leadroute.services.errors import Forbidden
from leadroute.services.my_leads import open_leads
from leadroute.services.pools import list_pools
from leadroute.services.principals import Role
from leadroute.services.rep_stats import roster
from leadroute.services.reps import set_availability
from leadroute.services.runtime import Runtime
from leadroute.services.web_sessions import WebSession
from leadroute.web.render import page, redirect
from leadroute.web.session import Poster, Visitor

router = APIRouter(include_in_schema=False)

_SAID = {
    "away": "You are away: no new leads come to you until you press Back",
    "available": "You are back: new leads can come to you",
}


def my_leads_page(request: Request, runtime: Runtime, now: datetime, seen: WebSession) -> Response:
    return page(request, seen, "mine.html", title="My leads", **_desk(runtime, now, seen))


@router.get("/me/desk")
def desk_rows(request: Request, runtime: Runtime_, now: Now, seen: Visitor) -> Response:
    """The offers and open leads of the start page, polled by htmx."""
    return page(request, seen, "fragments/mine_desk.html", **_desk(runtime, now, seen))


@router.post("/me/availability")
def my_availability(
    runtime: Runtime_,
    now: Now,
    seen: Poster,
    status: Annotated[Literal["away", "available"], Form()],
) -> Response:
    """Away or back, for the signed-in rep only (managers set anyone's on the Reps page)."""
    rep_id = _rep_of(seen)
    set_availability(
        runtime=runtime,
        rep_id=rep_id,
        status=Availability(status),
        until=None,
        caller=seen.principal,
        now=now,
    )
    return redirect("/", _SAID[status])


def _desk(runtime: Runtime, now: datetime, seen: WebSession) -> dict[str, Any]:
    rep_id = _rep_of(seen)
    leads = open_leads(runtime=runtime, rep_id=rep_id, now=now)
    found = roster(runtime=runtime, caller=seen.principal, now=now)["reps"]
    pools = list_pools(runtime=runtime, caller=seen.principal, now=now)["pools"]
    return {
        "rep": found[0] if found else None,
        "offers": [lead for lead in leads if lead.offered],
        "leads": [lead for lead in leads if not lead.offered],
        "pools": [pool for pool in pools if not pool["managers_only"]],
    }


def _rep_of(seen: WebSession) -> str:
    if seen.principal.role is not Role.REP or seen.principal.rep_id is None:
        raise Forbidden("only a rep has leads and availability of their own")
    return seen.principal.rep_id
