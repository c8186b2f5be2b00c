"""The leads table of managers and auditors: search, filters, sorting and pagination, all in
the query string, so a filtered page can be bookmarked, shared and reloaded; htmx swaps only
the table while the address bar follows."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import QueryParams

from leadroute.api.auth import Runtime_
from leadroute.services.leads import (
    MAX_QUERY,
    SORTS,
    LeadFilter,
    default_descending,
    lead_choices,
    list_leads,
)
from leadroute.web.render import page
from leadroute.web.session import Reader

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
RESULTS = "leads-results"  # the id of the element htmx swaps
COLUMNS = (
    ("received", "Received"),
    ("name", "Lead"),
    ("status", "Status"),
    ("owner", "Owner or pool"),
    ("source", None),
    ("score", "Score"),
)
"""The table's columns: the sort key of each (None: not sortable) and its heading."""
_TEXT_FILTERS = ("q", "status", "owner", "pool", "source")
_NARROWING = (*_TEXT_FILTERS, "score_min", "score_max", "date_from", "date_to")


@dataclass(frozen=True, kw_only=True, slots=True)
class TableQuery:
    """The page's query string as typed (to refill the form) and parsed; `problems` says what
    could not be read and was left out."""

    q: str = ""
    status: str = ""
    owner: str = ""
    pool: str = ""
    source: str = ""
    score_min: str = ""
    score_max: str = ""
    date_from: str = ""
    date_to: str = ""
    sort: str = "received"
    descending: bool = True
    page: int = 1
    problems: tuple[str, ...] = field(default=())

    @property
    def filtered(self) -> bool:
        """Whether anything narrows the list (the sort does not)."""
        return any(getattr(self, name) for name in _NARROWING)

    def url(self, **changes: Any) -> str:
        """This page's address with `changes`, leaving out what is empty or the default."""
        wanted = replace(self, **changes)
        pairs = [(name, getattr(wanted, name)) for name in _TEXT_FILTERS]
        pairs += [
            ("score_min", wanted.score_min),
            ("score_max", wanted.score_max),
            ("from", wanted.date_from),
            ("to", wanted.date_to),
        ]
        if wanted.sort != "received":
            pairs.append(("sort", wanted.sort))
        if wanted.descending != default_descending(wanted.sort):
            pairs.append(("descending", "true" if wanted.descending else "false"))
        if wanted.page > 1:
            pairs.append(("page", str(wanted.page)))
        query = urlencode([(key, value) for key, value in pairs if value])
        return f"/leads?{query}" if query else "/leads"

    def sort_url(self, key: str) -> str:
        """Sort by `key`: its natural direction first, the other way on a second click."""
        descending = not self.descending if key == self.sort else default_descending(key)
        return self.url(sort=key, descending=descending, page=1)

    def where(self, zone: tzinfo, *, page: int | None = None) -> LeadFilter:
        number = self.page if page is None else page
        return LeadFilter(
            q=self.q or None,
            status=self.status or None,
            owner=self.owner or None,
            pool=self.pool or None,
            source=self.source or None,
            score_min=_number(self.score_min),
            score_max=_number(self.score_max),
            received_from=_midnight(self.date_from, zone),
            received_to=_midnight(self.date_to, zone, days=1),
            sort=self.sort,
            descending=self.descending,
            limit=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
        )


def read_query(params: QueryParams) -> TableQuery:
    """The table query from the address; a value that cannot be read is named in `problems`
    and ignored, so a mistyped filter shows a message rather than an error page."""
    problems: list[str] = []
    text = {name: params.get(name, "").strip()[:MAX_QUERY] for name in _TEXT_FILTERS}
    numbers = {}
    for name in ("score_min", "score_max"):
        raw = params.get(name, "").strip()
        if raw and _number(raw) is None:
            problems.append(f"{name.replace('_', ' ')}: {raw!r} is not a number")
            raw = ""
        numbers[name] = raw
    dates = {}
    for name in ("from", "to"):
        raw = params.get(name, "").strip()
        if raw and _day(raw) is None:
            problems.append(f"{name}: {raw!r} is not a date (YYYY-MM-DD)")
            raw = ""
        dates[name] = raw
    sort = params.get("sort", "received")
    if sort not in SORTS:
        problems.append(f"sort: unknown sort {sort!r} ({', '.join(SORTS)})")
        sort = "received"
    raw_direction = params.get("descending", "").lower()
    descending = (
        raw_direction in ("true", "1", "yes") if raw_direction else default_descending(sort)
    )
    page_text = params.get("page", "1")
    # Past a million pages is a typo or a probe (and past the database's integers).
    readable = page_text.isdigit() and len(page_text) <= 7
    page_number = int(page_text) if readable and int(page_text) > 0 else 1
    return TableQuery(
        **text,
        score_min=numbers["score_min"],
        score_max=numbers["score_max"],
        date_from=dates["from"],
        date_to=dates["to"],
        sort=sort,
        descending=descending,
        page=page_number,
        problems=tuple(problems),
    )


@router.get("/leads")
def leads_table(request: Request, runtime: Runtime_, seen: Reader) -> Response:
    choices = lead_choices(runtime=runtime)
    query = read_query(request.query_params)
    zone: tzinfo = choices["timezone"]
    found = list_leads(runtime=runtime, caller=seen.principal, where=query.where(zone))
    pages = max(1, math.ceil(found["total"] / PAGE_SIZE))
    if query.page > pages:
        query = replace(query, page=pages)
        found = list_leads(runtime=runtime, caller=seen.principal, where=query.where(zone))
    any_leads = found["total"] > 0 or (
        query.filtered
        and list_leads(runtime=runtime, caller=seen.principal, where=LeadFilter(limit=1))["total"]
        > 0
    )
    context = {
        "query": query,
        "found": found,
        "pages": pages,
        "any_leads": any_leads,
        "columns": COLUMNS,
        "choices": choices,
        "zone": getattr(zone, "key", str(zone)),
        "results_id": RESULTS,
        "rep_names": {rep["id"]: rep["name"] for rep in choices["reps"]},
    }
    if request.headers.get("hx-target") == RESULTS:
        response = page(request, seen, "fragments/leads_table.html", oob=True, **context)
        response.headers["HX-Push-Url"] = query.url()
        return response
    return page(request, seen, "leads.html", **context)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _midnight(text: str, zone: tzinfo, *, days: int = 0) -> datetime | None:
    """The start of the day (plus `days`) in the routing file's time zone: "to" a day
    includes that whole day."""
    day = _day(text)
    if day is None:
        return None
    try:
        start = datetime.combine(day + timedelta(days=days), time(0), tzinfo=zone)
        start.astimezone(UTC)  # the database compares in UTC: 9999-12-31 has no day after it
    except OverflowError:
        return None
    return start
