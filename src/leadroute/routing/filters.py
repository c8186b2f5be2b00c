"""Filters: what makes a rep a candidate for a rule. Each returns None (pass) or the reason.

Availability, hours and caps read only the rep, the clock and the ledger (REP_ONLY): the engine
remembers their answers across leads (routing/gate.py). Skills and territory read the lead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from leadroute.domain.reps import Availability, Rep
from leadroute.routing.config import Assign
from leadroute.routing.moment import Moment, zone_name

Filter = Callable[[Rep, Mapping[str, object], Assign, Moment], str | None]


def availability_now(rep: Rep, moment: Moment) -> str | None:
    status = moment.ledger.status(rep.id) or rep.status
    state = status.effective(moment.now)
    if state is Availability.AVAILABLE:
        return None
    if status.until is None:
        return state.value
    return f"{state.value} until {_when(status.until.astimezone(rep.timezone))}"


def hours_now(rep: Rep, moment: Moment) -> str | None:
    local = moment.local(rep.timezone)
    holiday = rep.holidays.holiday_name(local.date())
    if holiday:
        return f"holiday {local:%Y-%m-%d} ({holiday})"
    if not rep.hours.contains(local):
        return f"outside hours ({local:%a %H:%M} {zone_name(rep.timezone)})"
    return None


def caps_now(rep: Rep, moment: Moment) -> str | None:
    limits = rep.caps
    for window, limit in limits.windows():
        count = moment.ledger.assigned_since(rep.id, moment.window_start(window, rep.timezone))
        if count >= limit:
            return f"cap {window} {count}/{limit}"
    if limits.open is not None:
        count = moment.ledger.open_count(rep.id)
        if count >= limits.open:
            return f"cap open {count}/{limits.open}"
    return None


def availability(rep: Rep, lead: Mapping[str, object], ask: Assign, moment: Moment) -> str | None:
    return availability_now(rep, moment)


def skills(rep: Rep, lead: Mapping[str, object], ask: Assign, moment: Moment) -> str | None:
    missing = ask.require_skills - rep.skills
    if missing:
        return "missing skill " + ", ".join(sorted(missing))
    for field in ask.match_skills:
        wanted = wanted_skills(lead.get(field))
        if not wanted:
            return f"lead has no {field} to match"
        if not any(tag in rep.skills for tag in wanted):
            return f"missing skill {'/'.join(wanted)} ({field})"
    return None


def territory(rep: Rep, lead: Mapping[str, object], ask: Assign, moment: Moment) -> str | None:
    if not ask.territory:
        return None
    country, region = location(lead)
    if country is None and region is None:
        return "lead has no country or region"
    if not any(t.contains(country, region) for t in rep.territories):
        return f"outside territory (lead in {region or country})"
    return None


def hours(rep: Rep, lead: Mapping[str, object], ask: Assign, moment: Moment) -> str | None:
    return None if ask.any_hours else hours_now(rep, moment)


def caps(rep: Rep, lead: Mapping[str, object], ask: Assign, moment: Moment) -> str | None:
    return caps_now(rep, moment)


FILTERS: tuple[Filter, ...] = (availability, skills, territory, hours, caps)

# Filters whose answer depends on the rep and the moment only (not on the lead or, once `plan`
# has dropped `hours` for `any_hours`, on the rule).
REP_ONLY: frozenset[Filter] = frozenset({availability, hours, caps})


def first_failure(
    rep: Rep,
    lead: Mapping[str, object],
    ask: Assign,
    moment: Moment,
    checks: tuple[Filter, ...] = FILTERS,
) -> str | None:
    """The first reason the rep is not eligible, or None when every filter passes."""
    for check in checks:
        reason = check(rep, lead, ask, moment)
        if reason is not None:
            return reason
    return None


def plan(ask: Assign) -> tuple[Filter, ...]:
    """The filters, in FILTERS order, that can fail under this ask; the others always pass."""
    kept: list[Filter] = []
    for check in FILTERS:
        if check is skills and not ask.require_skills and not ask.match_skills:
            continue
        if (check is territory and not ask.territory) or (check is hours and ask.any_hours):
            continue
        kept.append(check)
    return tuple(kept)


def specificity(rep: Rep, country: str | None, region: str | None) -> int:
    """How precisely the rep's territories cover a place: 2 subdivision, 1 country, 0 not."""
    return max((t.specificity for t in rep.territories if t.contains(country, region)), default=0)


def location(lead: Mapping[str, object]) -> tuple[str | None, str | None]:
    """The lead's (country, region) codes; None for a missing or empty one."""
    country, region = lead.get("country"), lead.get("region")
    return (
        country if isinstance(country, str) and country else None,
        region if isinstance(region, str) and region else None,
    )


def wanted_skills(value: object) -> list[str]:
    """The skill tags a lead field asks for: one per item, trimmed and case-folded."""
    items = tuple(value) if isinstance(value, list | tuple | set | frozenset) else (value,)
    return [str(v).strip().casefold() for v in items if v is not None and str(v)]


def _when(moment: datetime) -> str:
    if moment.hour == 0 and moment.minute == 0:
        return f"{moment:%Y-%m-%d}"
    return f"{moment:%Y-%m-%d %H:%M}"
