"""Reports on the stored leads (docs/REPORTS.md): metrics by any grouping over a period, a bar
chart of one metric, and the A/B experiments of the routing in force.

Costs, lifetime-value field, roster, rules and timezone are the routing version in force's,
whatever version routed each lead.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from leadroute.domain.errors import InvalidInput, Problem
from leadroute.reports.charts import FORMATS, bar_chart, check_chart
from leadroute.reports.experiments import analyze
from leadroute.reports.metrics import summarize
from leadroute.reports.periods import Period, parse_period
from leadroute.routing.config import RoutingConfig
from leadroute.routing.experiments import Experiment
from leadroute.rules.parsing import suggest
from leadroute.services.errors import NotFound
from leadroute.services.runtime import Runtime
from leadroute.storage.report_facts import lead_facts

DEFAULT_LIFT = 0.05


def summary(
    *, runtime: Runtime, by: str, start: str | None, end: str | None, now: datetime
) -> dict[str, Any]:
    """`{"from", "to", "currency", "by", "rows", "totals", "fairness"}` for the leads received from
    `start` (included) to `end` (excluded): dates in the routing timezone or ISO times; the
    last 30 days, today included (as of `now`), by default. InvalidInput for an unknown
    grouping or a bad period."""
    with runtime.database.reading() as session:
        config = runtime.routing(session).router.config
        period = parse_period(start, end, timezone=config.timezone, now=now)
        facts = lead_facts(session, start=period.start, end=period.end)
    framed: dict[str, Any] = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    framed["currency"] = config.reporting.currency
    return {**framed, **summarize(facts, config, by=by).as_dict()}


def chart(
    *,
    runtime: Runtime,
    by: str,
    metric: str,
    start: str | None,
    end: str | None,
    now: datetime,
    image_format: str = "svg",
) -> tuple[bytes, str]:
    """A bar chart of `metric` by `by` over the period, and its media type."""
    check_chart(metric, image_format)
    with runtime.database.reading() as session:
        config = runtime.routing(session).router.config
        period = parse_period(start, end, timezone=config.timezone, now=now)
        facts = lead_facts(session, start=period.start, end=period.end)
    rows = summarize(facts, config, by=by).as_dict()["rows"]
    title = chart_title(metric, by, period, config)
    image = bar_chart(
        rows if isinstance(rows, list) else [], metric, title=title, image_format=image_format
    )
    return image, FORMATS[image_format]


def chart_title(metric: str, by: str, period: Period, config: RoutingConfig) -> str:
    """ "conversion by rep" over "2026-03-01 00:00 to 2026-03-31 00:00 (America/New_York)",
    on two lines so a narrow chart does not cut it."""
    zone = config.timezone
    start, end = period.start.astimezone(zone), period.end.astimezone(zone)
    return f"{metric} by {by}\n{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} ({zone})"


def experiment_of(config: RoutingConfig, name: str) -> Experiment:
    """The experiment of that name in the routing in force (NotFound naming the others)."""
    for experiment in config.experiments:
        if experiment.name == name:
            return experiment
    names = [experiment.name for experiment in config.experiments]
    known = ", ".join(names) if names else "none"
    raise NotFound(f"no experiment {name!r}{suggest(name, names)} (experiments: {known})")


def experiment_report(
    *, runtime: Runtime, name: str, now: datetime, lift: float = DEFAULT_LIFT
) -> dict[str, Any]:
    """The report of one experiment of the routing in force, over all its leads."""
    with runtime.database.reading() as session:
        experiment = experiment_of(runtime.routing(session).router.config, name)
        facts = lead_facts(session, start=None, end=None, experiment=name)
    return analyze(experiment, facts, now=now, lift=lift).as_dict()


def experiments(*, runtime: Runtime, now: datetime, lift: float = DEFAULT_LIFT) -> dict[str, Any]:
    """`{"experiments": [report, ...]}`: every experiment of the routing in force."""
    reports = []
    with runtime.database.reading() as session:
        for experiment in runtime.routing(session).router.config.experiments:
            facts = lead_facts(session, start=None, end=None, experiment=experiment.name)
            reports.append(analyze(experiment, facts, now=now, lift=lift).as_dict())
    return {"experiments": reports}


def this_month(*, runtime: Runtime, now: datetime) -> tuple[str, str]:
    """The first day of `now`'s month and of the next one, in the routing timezone, as the
    `from` and `to` of a period (dates, `to` excluded)."""
    with runtime.database.reading() as session:
        zone = runtime.routing(session).router.config.timezone
    today = now.astimezone(zone).date()
    first = today.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first.isoformat(), following.isoformat()


EXPERIMENT_METRICS = ("conversion", "leads", "decided", "won", "lost", "sales")
"""What a chart of an experiment's arms can show."""


def experiment_chart(
    *, runtime: Runtime, name: str, metric: str, now: datetime, image_format: str = "svg"
) -> tuple[bytes, str]:
    """A bar chart of `metric` for each arm of the experiment (conversion with its 95%
    interval), and its media type."""
    report = experiment_report(runtime=runtime, name=name, now=now)
    if metric not in EXPERIMENT_METRICS:
        known = ", ".join(EXPERIMENT_METRICS)
        raise InvalidInput([Problem(path="metric", message=f"{metric!r}: expected {known}")])
    rows = [{**arm, "group": f"{arm['arm']} ({arm['flow']})"} for arm in report["arms"]]
    image = bar_chart(rows, metric, title=f"{metric} by arm\n{name}", image_format=image_format)
    return image, FORMATS[image_format]
