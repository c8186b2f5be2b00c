"""`leadroute report`: metrics by group as a table, CSV or JSON; an experiment's verdict; a
chart. From the database, or from a replay of a scenario before the routing goes live."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.table import Table

from leadroute.cli.app import app, fail, wide_console
from leadroute.cli.service import DatabaseOption, open_runtime
from leadroute.domain.errors import InvalidInput, Problem
from leadroute.reports.charts import bar_chart, check_chart
from leadroute.reports.experiments import analyze
from leadroute.reports.export import csv_text
from leadroute.reports.facts import LeadFact
from leadroute.reports.metrics import summarize
from leadroute.reports.periods import parse_period
from leadroute.routing.config import RoutingConfig
from leadroute.routing_file import load_routing_file
from leadroute.services import reports
from leadroute.services.errors import NotFound
from leadroute.simulate.report_facts import measure_scenario
from leadroute.simulate.scenario import read_scenario

Format = Literal["table", "csv", "json"]
_DASH = "-"


@app.command()
def report(
    start: Annotated[
        str | None,
        typer.Option("--from", help="First day or time included (default: 30 days before --to)."),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            "--to", help="First day or time excluded (default: tomorrow, so today is in)."
        ),
    ] = None,
    by: Annotated[
        str, typer.Option(help="rep, team, source, rule, version, arm, day, week, month, a field.")
    ] = "rep",
    output: Annotated[Format, typer.Option("--format", help="table, csv or json.")] = "table",
    experiment: Annotated[
        str | None, typer.Option(help="Report on this A/B experiment instead.")
    ] = None,
    lift: Annotated[
        float, typer.Option(min=0.001, max=0.999, help="Lift worth detecting (experiments).")
    ] = reports.DEFAULT_LIFT,
    chart: Annotated[
        Path | None, typer.Option(help="Write a bar chart to this .svg or .png file.")
    ] = None,
    metric: Annotated[str, typer.Option(help="The metric the chart shows.")] = "conversion",
    routing: Annotated[
        Path | None, typer.Option(help="With --scenario: the routing file to replay.")
    ] = None,
    scenario: Annotated[
        Path | None, typer.Option(help="Measure a replay of this scenario, not the database.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the replay's random selector.")] = 0,
    database: DatabaseOption = None,
) -> None:
    """Metrics of the leads received in a period, one row per group (docs/REPORTS.md)."""
    if (routing is None) != (scenario is None):
        typer.echo("error: --routing and --scenario go together (replay mode)", err=True)
        raise typer.Exit(code=1)
    ask = _Ask(
        by=by,
        start=start,
        end=end,
        experiment=experiment,
        lift=lift,
        chart=chart,
        image_format=_chart_format(chart, metric),
        metric=metric,
    )
    try:
        if routing is not None and scenario is not None:
            body = _from_replay(routing, scenario, seed, ask)
        else:
            body = _from_database(database, ask)
    except InvalidInput as error:
        raise fail(error) from None
    except NotFound as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    if body is not None:
        _show(body, output, experiment=experiment is not None)


@dataclass(frozen=True, kw_only=True, slots=True)
class _Ask:
    """What the command was asked for (`image_format` is set when `chart` is)."""

    by: str
    start: str | None
    end: str | None
    experiment: str | None
    lift: float
    chart: Path | None
    image_format: str
    metric: str


def _chart_format(chart: Path | None, metric: str) -> str:
    if chart is None:
        return "svg"
    image_format = chart.suffix.lower().lstrip(".")
    try:
        check_chart(metric, image_format)
    except InvalidInput as error:
        raise fail(error) from None
    return image_format


def _from_database(database: str | None, ask: _Ask) -> dict[str, Any] | None:
    """The report from the database (None once a chart is written)."""
    now = datetime.now(UTC)
    runtime = open_runtime(database)
    try:
        if ask.experiment is not None:
            return reports.experiment_report(
                runtime=runtime, name=ask.experiment, now=now, lift=ask.lift
            )
        if ask.chart is not None:
            image, _ = reports.chart(
                runtime=runtime,
                by=ask.by,
                metric=ask.metric,
                start=ask.start,
                end=ask.end,
                now=now,
                image_format=ask.image_format,
            )
            _write(ask.chart, image, ask.metric, ask.by)
            return None
        return reports.summary(runtime=runtime, by=ask.by, start=ask.start, end=ask.end, now=now)
    finally:
        runtime.database.dispose()


def _from_replay(routing: Path, scenario: Path, seed: int, ask: _Ask) -> dict[str, Any] | None:
    """The report of a replay of the scenario: all its leads unless --from/--to say (None
    once a chart is written)."""
    config, facts, now = _replayed(routing, scenario, seed)
    if ask.start is not None or ask.end is not None:
        period = parse_period(ask.start, ask.end, timezone=config.timezone, now=now)
        facts = [fact for fact in facts if period.holds(fact.received_at)]
    if ask.experiment is not None:
        found = reports.experiment_of(config, ask.experiment)
        return analyze(found, facts, now=now, lift=ask.lift).as_dict()
    body = summarize(facts, config, by=ask.by).as_dict()
    if ask.chart is None:
        return body
    rows = body["rows"]
    image = bar_chart(
        rows if isinstance(rows, list) else [],
        ask.metric,
        title=f"{ask.metric} by {ask.by}, replay of {scenario.name}",
        image_format=ask.image_format,
    )
    _write(ask.chart, image, ask.metric, ask.by)
    return None


def _replayed(
    routing: Path, scenario: Path, seed: int
) -> tuple[RoutingConfig, list[LeadFact], datetime]:
    """The routing file, the facts of its replay of the scenario, and the scenario's end (the
    moment after its last event, the replay's "now")."""
    config = load_routing_file(routing)
    try:
        text = scenario.read_text(encoding="utf-8")
    except OSError as error:
        problem = Problem(path="", message=f"cannot read: {error.strerror}")
        raise InvalidInput([problem], source=str(scenario)) from None
    events = read_scenario(text.splitlines(), source=str(scenario))
    facts = measure_scenario(config, events, seed=seed)
    last = max((event.at for event in events), default=datetime.now(UTC))
    return config, facts, last + timedelta(microseconds=1)


def _write(path: Path, image: bytes, metric: str, by: str) -> None:
    try:
        path.write_bytes(image)
    except OSError as error:
        typer.echo(f"error: {path}: cannot write: {error.strerror}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"wrote {path} ({metric} by {by})")


def _show(body: dict[str, Any], output: Format, *, experiment: bool) -> None:
    if output == "json":
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
    elif experiment:
        _show_experiment(body, output)
    elif output == "csv":
        typer.echo(csv_text(body), nl=False)
    else:
        wide_console().print(_table(body))
        typer.echo(_fairness_line(body["fairness"]))


def _rate(value: object) -> str:
    return f"{float(value) * 100:.1f}%" if isinstance(value, int | float) else _DASH


def _money(value: object) -> str:
    return f"{float(value):,.2f}" if isinstance(value, int | float) else _DASH


def _duration(value: object) -> str:
    if not isinstance(value, int | float):
        return _DASH
    seconds = round(float(value))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    if seconds < 86400:
        return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d {seconds % 86400 // 3600:02d}h"


def _conversion(row: dict[str, Any]) -> str:
    if row["conversion"] is None:
        return _DASH
    low, high = row["conversion_low"] * 100, row["conversion_high"] * 100
    return f"{_rate(row['conversion'])} ({low:.0f}-{high:.0f})"


_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("leads", lambda row: str(row["leads"])),
    ("routed", lambda row: str(row["routed"])),
    ("pooled", lambda row: str(row["pooled"])),
    ("won", lambda row: str(row["won"])),
    ("lost", lambda row: str(row["lost"])),
    ("conversion (95% CI)", _conversion),
    ("speed median", lambda row: _duration(row["speed_to_lead_median_s"])),
    ("speed p90", lambda row: _duration(row["speed_to_lead_p90_s"])),
    ("SLA hit", lambda row: _rate(row["sla_hit_rate"])),
    (
        "cycle (d)",
        lambda row: _DASH if row["cycle_median_days"] is None else f"{row['cycle_median_days']:g}",
    ),
    ("avg deal", lambda row: _money(row["avg_deal"])),
    ("sales", lambda row: _money(row["sales"])),
    ("cost/won", lambda row: _money(row["cost_per_won"])),
    ("reassigned", lambda row: str(row["reassignments"])),
    ("cap hits", lambda row: str(row["cap_hits"])),
)


def _table(body: dict[str, Any]) -> Table:
    period = f"{body['from']} to {body['to']}" if "from" in body else "replay"
    table = Table(title=f"leads by {body['by']}, {period}", title_justify="left")
    shares = bool(body["rows"]) and "share" in body["rows"][0]
    table.add_column("group")
    for name, _ in _COLUMNS:
        table.add_column(name, justify="right")
    if shares:
        table.add_column("share", justify="right")
        table.add_column("intended", justify="right")
    for row in body["rows"]:
        extra = [_rate(row["share"]), _rate(row["intended_share"])] if shares else []
        table.add_row(row["group"], *(cell(row) for _, cell in _COLUMNS), *extra)
    table.add_section()
    totals = body["totals"]
    table.add_row(
        totals["group"], *(cell(totals) for _, cell in _COLUMNS), *([""] * 2 if shares else [])
    )
    return table


def _fairness_line(fairness: dict[str, Any]) -> str:
    def gini(value: object) -> str:
        return f"{value:.3f}" if isinstance(value, int | float) else _DASH

    return (
        f"fairness: {fairness['routed']} leads routed to reps; Gini of leads per rep "
        f"{gini(fairness['gini_routed'])} (0 = all equal), of routed/intended "
        f"{gini(fairness['gini_vs_intended'])}"
    )


def _show_experiment(body: dict[str, Any], output: Format) -> None:
    if output == "csv":
        arms = {"rows": [{"group": arm["arm"], **arm} for arm in body["arms"]]}
        typer.echo(csv_text(arms), nl=False)
        return
    table = Table(title=f"experiment {body['name']} ({body['status']})", title_justify="left")
    for name in ("arm", "flow", "share", "leads", "won", "lost", "conversion (95% CI)"):
        table.add_column(name, justify="left" if name in ("arm", "flow") else "right")
    table.add_column("speed median", justify="right")
    table.add_column("sales", justify="right")
    table.add_column("sales/lead", justify="right")
    for arm in body["arms"]:
        table.add_row(
            arm["arm"],
            arm["flow"],
            _rate(arm["intended_share"]),
            str(arm["leads"]),
            str(arm["won"]),
            str(arm["lost"]),
            _conversion(arm),
            _duration(arm["speed_to_lead_median_s"]),
            _money(arm["sales"]),
            _money(arm["sales_per_lead"]),
        )
    wide_console().print(table)
    typer.echo(f"verdict: {body['verdict']}")
