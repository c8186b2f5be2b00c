"""Filters: what makes a rep a candidate for a rule. Each returns None (pass) or the reason."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from leadroute.domain.reps import Availability, Rep
from leadroute.routing.config import Assign
from leadroute.routing.moment import Moment, zone_name

Filter = Callable[[Rep, Mapping[str, object], Assign, Moment], str | None]


def availability(rep: Rep, lead: Mapping[str, object], ask: Assign, moment: Moment) -> str | None:
    status = moment.ledger.status(rep.id) or rep.status
    state = status.effective(moment.now)
    if state is Availability.AVAILABLE:
        return None
    if status.until is None:
        return state.value
    return f"{state.value} until {_when(status.until.astimezone(rep.timezone))}"


def skills(rep: Rep, lead: Mapping[str, object], ask: Assign, moment: Moment) -> str | None:
    missing = ask.require_skills - rep.skills
    if missing:
        return "missing skill " + ", ".join(sorted(missing))
    for field in ask.match_skills:
        value = lead.get(field)
        wanted = [str(v).strip().casefold() for v in _items(value) if v is not None and str(v)]
        if not wanted:
            return f"lead has no {field} to match"
        if not any(tag in rep.skills for tag in wanted):
            return f"missing skill {'/'.join(wanted)} ({field})"
    return None


def territory(rep: Rep, lead: Mapping[str, object], ask: Assign, moment: Moment) -> str | None:
    if not ask.territory:
        return None
    country, region = _location(lead)
    if country is None and region is None:
        return "lead has no country or region"
    if not any(t.contains(country, region) for t in rep.territories):
        return f"outside territory (lead in {region or country})"
    return None


def hours(rep: Rep, lead: Mapping[str, object], ask: Assign, moment: Moment) -> str | None:
    if ask.any_hours:
        return None
    local = moment.local(rep.timezone)
    holiday = rep.holidays.holiday_name(local.date())
    if holiday:
        return f"holiday {local:%Y-%m-%d} ({holiday})"
    if not rep.hours.contains(local):
        return f"outside hours ({local:%a %H:%M} {zone_name(rep.timezone)})"
    return None


def caps(rep: Rep, lead: Mapping[str, object], ask: Assign, moment: Moment) -> str | None:
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


FILTERS: tuple[Filter, ...] = (availability, skills, territory, hours, caps)


def first_failure(
    rep: Rep,
    lead: Mapping[str, object],
    ask: Assign,
    moment: Moment,
    checks: tuple[Filter, ...] = FILTERS,
    memo: dict[tuple[Filter, str], str | None] | None = None,
) -> str | None:
    """The first reason the rep is not eligible, or None when every filter passes.

    With a `memo`, the answers of REP_ONLY filters are remembered per rep, so one routing call
    asks them once per rep however many rules list the rep.
    """
    for check in checks:
        if memo is not None and check in REP_ONLY:
            key = (check, rep.id)
            if key not in memo:
                memo[key] = check(rep, lead, ask, moment)
            reason = memo[key]
        else:
            reason = check(rep, lead, ask, moment)
        if reason is not None:
            return reason
    return None


# Filters whose answer depends on the rep and the moment only (not on the lead or, once `plan`
# has dropped `hours` for `any_hours`, on the rule): the engine asks them once per rep per lead.
REP_ONLY: frozenset[Filter] = frozenset({availability, hours, caps})


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


def specificity(rep: Rep, lead: Mapping[str, object]) -> int:
    """How precisely the rep's territories cover the lead: 2 subdivision, 1 country, 0 none."""
    country, region = _location(lead)
    return max((t.specificity for t in rep.territories if t.contains(country, region)), default=0)


def _location(lead: Mapping[str, object]) -> tuple[str | None, str | None]:
    country, region = lead.get("country"), lead.get("region")
    return (
        country if isinstance(country, str) and country else None,
        region if isinstance(region, str) and region else None,
    )


def _items(value: object) -> tuple[object, ...]:
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(value)
    return (value,)


def _when(moment: datetime) -> str:
    if moment.hour == 0 and moment.minute == 0:
        return f"{moment:%Y-%m-%d}"
    return f"{moment:%Y-%m-%d %H:%M}"
