"""Reports and A/B experiments in the browser: metrics by any grouping over a period with a
chart and a CSV download, and each experiment of the routing file with its verdict. The same
services as the API's /api/v1/reports answer."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from leadroute.api.auth import Now, Runtime_
from leadroute.domain.errors import InvalidInput, Problem
from leadroute.reports.experiments import ALPHA
from leadroute.reports.export import csv_text
from leadroute.reports.groups import GROUPINGS
from leadroute.reports.metrics import NUMERIC_METRICS
from leadroute.services.reports import (
    chart,
    experiment_chart,
    experiment_report,
    experiments,
    summary,
    this_month,
)
from leadroute.web.render import page
from leadroute.web.session import Reader

router = APIRouter(include_in_schema=False)

From = Annotated[str | None, Query(alias="from")]
To = Annotated[str | None, Query(alias="to")]
STATUS_WORDS = {"planned": "not started", "running": "running", "stopped": "stopped"}
METRIC_NAMES = {
    "conversion": "conversion (won / decided)",
    "speed_to_lead_median_s": "speed to lead, median",
    "speed_to_lead_p90_s": "speed to lead, 90th percentile",
    "sla_hit_rate": "SLA hit rate",
    "cost_per_won": "cost per won lead",
    "cycle_median_days": "days to win, median",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@router.get("/reports")
def reports_page(
    request: Request,
    runtime: Runtime_,
    now: Now,
    seen: Reader,
    by: str = "rep",
    start: From = None,
    end: To = None,
    metric: str = "conversion",
) -> Response:
    """The summary of a period (this month by default) by a grouping, with its chart."""
    if not start and not end:
        start, end = this_month(runtime=runtime, now=now)
    query = {"by": by, "from": start or "", "to": end or ""}
    problems: list[Problem] = []
    if metric not in NUMERIC_METRICS:
        problems.append(Problem(path="metric", message=f"unknown metric {metric!r}"))
    report: dict[str, Any] | None = None
    try:
        report = summary(runtime=runtime, by=by, start=start or None, end=end or None, now=now)
    except InvalidInput as error:
        problems += error.problems
    return page(
        request,
        seen,
        "reports.html",
        status_code=422 if problems else 200,
        report=report,
        problems=problems,
        form={**query, "metric": metric},
        groupings=GROUPINGS,
        metrics=[(name, _metric_name(name)) for name in NUMERIC_METRICS],
        metric_name=_metric_name(metric),
        chart_url="/reports/chart.svg?" + urlencode({**query, "metric": metric}),
        csv_url="/reports/summary.csv?" + urlencode(query),
        show_cost=report is not None and _any_cost(report),
    )


@router.get("/reports/chart.svg")
def report_chart(
    runtime: Runtime_,
    now: Now,
    seen: Reader,
    by: str = "rep",
    metric: str = "conversion",
    start: From = None,
    end: To = None,
) -> Response:
    """A bar chart of one metric by group (the API's /api/v1/reports/chart, as SVG)."""
    image, media_type = chart(
        runtime=runtime, by=by, metric=metric, start=start or None, end=end or None, now=now
    )
    return Response(image, media_type=media_type, headers={"Cache-Control": "no-store"})


@router.get("/reports/summary.csv")
def report_csv(
    runtime: Runtime_, now: Now, seen: Reader, by: str = "rep", start: From = None, end: To = None
) -> Response:
    """The summary rows as CSV (the totals last), downloaded as a file."""
    body = summary(runtime=runtime, by=by, start=start or None, end=end or None, now=now)
    name = _UNSAFE.sub("-", f"leadroute-{by}-{body['from'][:10]}-to-{body['to'][:10]}")
    return Response(
        csv_text(body),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/experiments")
def experiments_page(request: Request, runtime: Runtime_, now: Now, seen: Reader) -> Response:
    found = experiments(runtime=runtime, now=now)["experiments"]
    return page(request, seen, "experiments.html", experiments=found, status_words=STATUS_WORDS)


@router.get("/experiments/{name}")
def experiment_page(
    request: Request, runtime: Runtime_, now: Now, seen: Reader, name: str
) -> Response:
    report = experiment_report(runtime=runtime, name=name, now=now)
    return page(
        request,
        seen,
        "experiment.html",
        report=report,
        status_words=STATUS_WORDS,
        tone=_tone(report),
    )


@router.get("/experiments/{name}/chart.svg")
def experiment_chart_svg(
    runtime: Runtime_, now: Now, seen: Reader, name: str, metric: str = "conversion"
) -> Response:
    image, media_type = experiment_chart(runtime=runtime, name=name, metric=metric, now=now)
    return Response(image, media_type=media_type, headers={"Cache-Control": "no-store"})


def _metric_name(metric: str) -> str:
    return METRIC_NAMES.get(metric, metric.replace("_", " "))


def _any_cost(report: dict[str, Any]) -> bool:
    rows = [*report["rows"], report["totals"]]
    return any(row.get("cost_per_won") is not None or row.get("cost") for row in rows)


def _tone(report: dict[str, Any]) -> str:
    """How the verdict reads at a glance: a broken split, a real difference, or wait."""
    comparison = report.get("comparison")
    if report.get("srm"):
        return "broken"
    if comparison and comparison["p_value"] < ALPHA:
        return "real"
    return "wait"
