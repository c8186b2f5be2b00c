"""The `reps:` section and holidays: zones, working hours, holiday calendars, territories.

Functions of the Builder (routing_file/building.py), which collects the problems.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING

from leadroute.domain.calendars import CombinedCalendar, FixedDates, HolidayCalendar
from leadroute.domain.errors import join_path
from leadroute.domain.hours import ALWAYS, WorkingHours, parse_hours
from leadroute.domain.reps import Availability, Caps, Rep, Status
from leadroute.domain.territories import Territory, territory_from_code
from leadroute.geo import territory_code
from leadroute.routing_file.calendars import country_calendar, supported_codes
from leadroute.routing_file.schema import RepSchema
from leadroute.routing_file.service_levels import channels

if TYPE_CHECKING:
    from leadroute.routing_file.building import Builder


def rep_of(
    builder: Builder,
    rep: RepSchema,
    path: str,
    default_zone: tzinfo,
    shared: HolidayCalendar | None,
) -> Rep:
    zone = builder.zone(rep.timezone, join_path(path, "timezone")) or default_zone
    hours = ALWAYS
    if rep.hours is not None:
        hours = (
            builder.attempt(join_path(path, "hours"), lambda: parse_hours(rep.hours or ""))
            or ALWAYS
        )
    own = holidays_of(builder, rep.holidays, join_path(path, "holidays"))
    calendars = [c for c in (own, shared) if c is not None]
    until = rep.away_until
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=zone)
    return Rep(
        id=rep.id,
        timezone=zone,
        name=rep.name or rep.id,
        email=rep.email,
        teams=frozenset(rep.teams),
        skills=frozenset(tag.strip().casefold() for tag in rep.skills),
        territories=territories_of(builder, rep.territories, join_path(path, "territories")),
        weight=rep.weight,
        caps=Caps(**rep.caps.model_dump()),
        hours=hours if isinstance(hours, WorkingHours) else ALWAYS,
        holidays=CombinedCalendar(calendars=tuple(calendars)),
        status=Status(availability=Availability(rep.status), until=until),
        notify=channels(builder, rep.notify, join_path(path, "notify")),
    )


def territories_of(builder: Builder, codes: list[str], path: str) -> tuple[Territory, ...]:
    found: list[Territory] = []
    for index, code in enumerate(codes):
        normal = territory_code(code)
        if normal is None:
            builder.problem(
                join_path(path, index),
                f"unknown territory {code!r} (use an ISO 3166 code such as BR or US-FL)",
            )
        else:
            found.append(territory_from_code(normal))
    return tuple(found)


def holidays_of(builder: Builder, spec: object, path: str) -> HolidayCalendar | None:
    if spec is None:
        return None
    items = spec if isinstance(spec, list) else [spec]
    days: dict[date, str] = {}
    calendars: list[HolidayCalendar] = []
    for index, item in enumerate(items):
        where = join_path(path, index) if isinstance(spec, list) else path
        if isinstance(item, datetime):
            days[item.date()] = "listed in the routing file"
        elif isinstance(item, date):
            days[item] = "listed in the routing file"
        elif isinstance(item, str) and item.upper() in supported_codes():
            calendars.append(country_calendar(item.upper()))
        elif isinstance(item, str) and _iso_date(item) is not None:
            days[_iso_date(item) or date.min] = "listed in the routing file"
        else:
            builder.problem(
                where,
                f"expected a date (2026-12-25) or a country code (US, BR, US-CA), got {item!r}",
            )
    if days:
        calendars.insert(0, FixedDates(days=days))
    return CombinedCalendar(calendars=tuple(calendars)) if calendars else None


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
