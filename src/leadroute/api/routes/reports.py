"""Reports: metrics by any grouping (JSON, CSV, chart) and the A/B experiments of routing."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from leadroute.api.auth import Now, Runtime_, require
from leadroute.reports.export import csv_text
from leadroute.services.principals import Principal, Role
from leadroute.services.reports import DEFAULT_LIFT, chart, experiment_report, experiments, summary

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

Reader = Annotated[Principal, Depends(require(Role.ADMIN, Role.MANAGER, Role.AUDITOR))]
By = Annotated[
    str,
    Query(
        description="Grouping keys, comma-separated: rep, team, source, rule, version, arm, "
        "day, week, month, or a lead field (field:NAME)."
    ),
]
From = Annotated[
    str | None,
    Query(
        alias="from",
        description="First moment included: a date (in the routing timezone) or an ISO time "
        "(default: 30 days before `to`).",
    ),
]
To = Annotated[
    str | None,
    Query(alias="to", description="First moment excluded (default: midnight after today)."),
]
Lift = Annotated[
    float, Query(gt=0, lt=1, description="The lift in conversion worth detecting (0.05).")
]
_BAD_INPUT: dict[int | str, dict[str, Any]] = {
    422: {"description": "Unknown grouping or metric, or a period that cannot be read"}
}


@router.get("/summary", summary="Metrics by group over a period", responses=_BAD_INPUT)
def read_summary(
    runtime: Runtime_, now: Now, who: Reader, by: By = "rep", start: From = None, end: To = None
) -> dict[str, Any]:
    return summary(runtime=runtime, by=by, start=start, end=end, now=now)


@router.get(
    "/summary.csv",
    summary="The same rows as CSV (the totals last, as group (all))",
    response_class=Response,
    responses={**_BAD_INPUT, 200: {"content": {"text/csv": {}}}},
)
def read_summary_csv(
    runtime: Runtime_, now: Now, who: Reader, by: By = "rep", start: From = None, end: To = None
) -> Response:
    body = summary(runtime=runtime, by=by, start=start, end=end, now=now)
    return Response(csv_text(body), media_type="text/csv; charset=utf-8")


@router.get(
    "/chart",
    summary="A bar chart of one metric by group (SVG or PNG)",
    response_class=Response,
    responses={**_BAD_INPUT, 200: {"content": {"image/svg+xml": {}, "image/png": {}}}},
)
def read_chart(
    runtime: Runtime_,
    now: Now,
    who: Reader,
    by: By = "rep",
    metric: Annotated[str, Query(description="A metric of the rows, e.g. conversion.")] = (
        "conversion"
    ),
    start: From = None,
    end: To = None,
    image_format: Annotated[Literal["svg", "png"], Query(alias="format")] = "svg",
) -> Response:
    image, media_type = chart(
        runtime=runtime,
        by=by,
        metric=metric,
        start=start,
        end=end,
        now=now,
        image_format=image_format,
    )
    return Response(image, media_type=media_type)


@router.get("/experiments", summary="Every A/B experiment of the routing in force")
def read_experiments(
    runtime: Runtime_, now: Now, who: Reader, lift: Lift = DEFAULT_LIFT
) -> dict[str, Any]:
    return experiments(runtime=runtime, now=now, lift=lift)


@router.get(
    "/experiments/{name}",
    summary="One experiment: arms, difference, p-value, sample ratio check, verdict",
    responses={404: {"description": "No such experiment in the routing in force"}},
)
def read_experiment(
    name: str, runtime: Runtime_, now: Now, who: Reader, lift: Lift = DEFAULT_LIFT
) -> dict[str, Any]:
    return experiment_report(runtime=runtime, name=name, now=now, lift=lift)
