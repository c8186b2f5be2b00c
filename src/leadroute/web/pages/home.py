"""The start page: a manager's live feed of incoming leads and where they went; a rep's own
leads (pages/mine.py)."""

from __future__ import annotations

from datetime import datetime, time

from fastapi import APIRouter, Request
from fastapi.responses import Response

from leadroute.api.auth import Now, Runtime_
from leadroute.services.feed import counts_since, latest_leads
from leadroute.services.principals import Role
from leadroute.services.runtime import Runtime
from leadroute.web.pages.mine import my_leads_page
from leadroute.web.render import page
from leadroute.web.session import Reader, Visitor

router = APIRouter(include_in_schema=False)
FEED_SIZE = 30


@router.get("/")
def home(request: Request, runtime: Runtime_, now: Now, seen: Visitor) -> Response:
    if seen.principal.role is Role.REP:
        return my_leads_page(request, runtime, now, seen)
    return page(
        request,
        seen,
        "feed.html",
        leads=latest_leads(runtime=runtime, limit=FEED_SIZE),
        today=counts_since(runtime=runtime, since=_midnight(now)),
        roster_size=_roster_size(runtime),
    )


@router.get("/feed/rows")
def feed_rows(request: Request, runtime: Runtime_, now: Now, seen: Reader) -> Response:
    """The feed's rows and today's counts, polled by htmx every few seconds."""
    return page(
        request,
        seen,
        "fragments/feed_rows.html",
        leads=latest_leads(runtime=runtime, limit=FEED_SIZE),
        today=counts_since(runtime=runtime, since=_midnight(now)),
    )


def _midnight(now: datetime) -> datetime:
    return datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)


def _roster_size(runtime: Runtime) -> int:
    with runtime.database.reading() as session:
        return len(runtime.routing(session).router.config.reps)
