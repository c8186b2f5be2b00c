"""The roster page: every rep of the routing file in force with availability (toggled here by
managers), working hours, cap usage today and this month, open load and conversion; and a small
form to add a rep, which stores a new version of the routing file."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from leadroute.api.auth import Now, Runtime_
from leadroute.domain.errors import InvalidInput, Problem
from leadroute.domain.reps import Availability
from leadroute.services.rep_stats import roster
from leadroute.services.reps import add_rep, get_rep, set_availability
from leadroute.web.render import page, redirect
from leadroute.web.session import ManagingPoster, Reader

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=2000)]


@router.get("/reps")
def reps_page(request: Request, runtime: Runtime_, now: Now, seen: Reader) -> Response:
    found = roster(runtime=runtime, caller=seen.principal, now=now)
    reps = found["reps"]
    return page(
        request,
        seen,
        "reps.html",
        title="Reps",
        reps=reps,
        version=found["version"],
        totals=_totals(reps),
        timezones=_timezones(),
    )


@router.post("/reps/{rep_id}/availability")
def set_rep_availability(
    rep_id: str,
    runtime: Runtime_,
    now: Now,
    seen: ManagingPoster,
    status: Annotated[Availability, Form()],
    until: Text = "",
) -> Response:
    rep = get_rep(runtime=runtime, rep_id=rep_id, caller=seen.principal, now=now)
    ends = parse_until(until, rep["timezone"])
    view = set_availability(
        runtime=runtime, rep_id=rep_id, status=status, until=ends, caller=seen.principal, now=now
    )
    return redirect("/reps", f"{rep['name'] or rep_id} is {_said(view['availability'], rep)}")


@router.post("/reps")
def add_rep_form(
    runtime: Runtime_,
    now: Now,
    seen: ManagingPoster,
    id: Text = "",
    name: Text = "",
    email: Text = "",
    teams: Text = "",
    timezone: Text = "",
    hours: Text = "",
    cap_day: Text = "",
    cap_month: Text = "",
    cap_open: Text = "",
) -> Response:
    try:
        entry = rep_entry(
            id=id,
            name=name,
            email=email,
            teams=teams,
            timezone=timezone,
            hours=hours,
            caps={"day": cap_day, "month": cap_month, "open": cap_open},
        )
        view = add_rep(runtime=runtime, entry=entry, caller=seen.principal, now=now)
    except InvalidInput as error:
        problems = "; ".join(str(problem) for problem in error.problems)
        return redirect("/reps", f"the rep was not added: {problems}", kind="error")
    return redirect(
        "/reps",
        f"{view['name'] or view['id']} added: a new version of the routing file is in force",
    )


def rep_entry(
    *,
    id: str,
    name: str,
    email: str,
    teams: str,
    timezone: str,
    hours: str,
    caps: dict[str, str],
) -> dict[str, Any]:
    """A rep as the routing file writes one, from the form's fields (empty ones left out);
    the routing file check judges the rest (zones, hours) with paths such as `reps[3].hours`."""
    rep_id = id.strip()
    problems: list[Problem] = []
    if not rep_id or any(char.isspace() for char in rep_id) or len(rep_id) > 100:
        problems.append(Problem(path="id", message="a short id without spaces, such as 'ana'"))
    entry: dict[str, Any] = {"id": rep_id}
    for key, value in (("name", name), ("email", email), ("timezone", timezone), ("hours", hours)):
        if value.strip():
            entry[key] = value.strip()
    team_names = [team for team in teams.replace(",", " ").split() if team]
    if team_names:
        entry["teams"] = team_names
    limits: dict[str, int] = {}
    for window, value in caps.items():
        if not value.strip():
            continue
        if not value.strip().isdigit():
            problems.append(Problem(path=f"caps.{window}", message="a whole number of leads"))
            continue
        limits[window] = int(value)
    if limits:
        entry["caps"] = limits
    if problems:
        raise InvalidInput(problems)
    return entry


def parse_until(text: str, timezone: str) -> datetime | None:
    """An away spell's end: a time with an offset, or a wall-clock time (a `datetime-local`
    field) read in the rep's own timezone."""
    if not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            [Problem(path="until", message=f"{text!r} is not a date and time")]
        ) from None
    if moment.tzinfo is not None:
        return moment
    try:
        return moment.replace(tzinfo=ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            [Problem(path="until", message="give an offset, such as 2026-03-04T09:00+01:00")]
        ) from None


def _said(availability: dict[str, Any], rep: dict[str, Any]) -> str:
    status = availability["status"]
    until = availability.get("until")
    if not until:
        return f"{status} now"
    try:
        local = datetime.fromisoformat(until).astimezone(ZoneInfo(rep["timezone"]))
    except (ZoneInfoNotFoundError, ValueError):
        return f"{status} until {until}"
    return f"{status} until {local:%a %d %b %H:%M} ({rep['timezone']})"


def _totals(reps: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "reps": len(reps),
        "available": sum(1 for rep in reps if rep["availability"]["status"] == "available"),
        "in_hours": sum(1 for rep in reps if rep["outside_hours"] is None),
        "open": sum(rep["open"] for rep in reps),
        "today": sum(rep["assigned_today"] for rep in reps),
    }


@cache
def _timezones() -> tuple[str, ...]:
    return tuple(sorted(zone for zone in available_timezones() if "/" in zone))
