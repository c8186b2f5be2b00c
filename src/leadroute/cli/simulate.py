"""`leadroute simulate`: replay historical arrivals through routing files and compare them
(load, caps, pools, SLA feasibility, fairness, expected wins and revenue).

See docs/SIMULATION.md."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from leadroute.cli.app import app, fail, wide_console
from leadroute.cli.simulation_tables import estimate_text, render_tables
from leadroute.domain.errors import InvalidInput, Problem
from leadroute.reports.simulation_charts import RoutingBars, write_simulation_chart
from leadroute.routing_file import load_routing_file
from leadroute.simulate.comparison import Candidate, Comparison, Reporter, Settings, compare
from leadroute.simulate.comparison_json import comparison_data
from leadroute.simulate.history import HistorySpec, read_history
from leadroute.simulate.history_tables import parse_join
from leadroute.simulate.outcome_model import DEFAULT_STRENGTH


@app.command()
def simulate(
    history: Annotated[Path, typer.Option(help="CSV of past leads, one row per lead.")],
    config: Annotated[
        list[Path], typer.Option(help="Routing file to compare (repeat; the first is the base).")
    ],
    outcomes: Annotated[
        Path | None,
        typer.Option(help="CSV of outcomes joined on the lead id: a row found there is won."),
    ] = None,
    outcomes_id_column: Annotated[
        str | None, typer.Option(help="Lead id column of --outcomes (default: --id-column).")
    ] = None,
    id_column: Annotated[str | None, typer.Option(help="Lead id (default: line N).")] = None,
    at_column: Annotated[str, typer.Option(help="Arrival time.")] = "received_at",
    rep_column: Annotated[str | None, typer.Option(help="Who worked the lead.")] = None,
    result_column: Annotated[str | None, typer.Option(help="Won/lost/other.")] = None,
    won_values: Annotated[str, typer.Option(help="Comma-separated won values.")] = "won",
    lost_values: Annotated[str, typer.Option(help="Comma-separated lost values.")] = "lost",
    amount_column: Annotated[str | None, typer.Option(help="Deal value of a won lead.")] = None,
    closed_column: Annotated[str | None, typer.Option(help="When the lead closed.")] = None,
    segment: Annotated[
        list[str] | None, typer.Option(help="Column the outcome model conditions on (repeat).")
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", help="COLUMN=FIELD: a lead field the routing reads (repeat)."),
    ] = None,
    join: Annotated[
        list[str] | None,
        typer.Option(help="FILE.csv:KEY, repeatable; adds FILE's columns where KEY matches."),
    ] = None,
    source: Annotated[str, typer.Option(help="The leads' source field.")] = "history",
    timezone: Annotated[str, typer.Option(help="Zone of times without an offset.")] = "UTC",
    date_format: Annotated[
        str | None, typer.Option(help="strptime format of dates (default: ISO 8601).")
    ] = None,
    delimiter: Annotated[str, typer.Option(help="CSV delimiter.")] = ",",
    limit: Annotated[int | None, typer.Option(min=1, help="Simulate the first N arrivals.")] = None,
    bootstrap: Annotated[int, typer.Option(min=0, help="Bootstrap resamples.")] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the engine and the bootstrap.")] = 0,
    prior_strength: Annotated[
        float, typer.Option(min=0.001, help="Shrinkage strength in pseudo-deals.")
    ] = DEFAULT_STRENGTH,
    capacity: Annotated[
        int | None, typer.Option(min=1, help="Leads a rep can handle a day (default: day cap).")
    ] = None,
    close_after: Annotated[
        float, typer.Option(min=0, help="Days after which a lead history never closed ends.")
    ] = 30,
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    chart: Annotated[Path | None, typer.Option(help="Write a chart (.svg or .png).")] = None,
) -> None:
    """Replay past leads through each routing file with the engine and compare them."""
    if output not in ("table", "json"):
        raise fail(InvalidInput([Problem(path="--format", message="expected table or json")]))
    if chart is not None and chart.suffix.lower() not in (".svg", ".png"):
        raise fail(InvalidInput([Problem(path="--chart", message="expected a .svg or .png file")]))
    if chart is not None and not chart.parent.is_dir():
        message = f"no directory {chart.parent} to write {chart.name} in"
        raise fail(InvalidInput([Problem(path="--chart", message=message)]))
    try:
        spec = HistorySpec(
            path=history,
            at_column=at_column,
            id_column=id_column,
            rep_column=rep_column,
            result_column=result_column,
            won_values=_values(won_values),
            lost_values=_values(lost_values),
            amount_column=amount_column,
            closed_column=closed_column,
            segments=tuple(segment or ()),
            fields=tuple(_pair(item) for item in mapping or ()),
            joins=tuple(parse_join(item) for item in join or ()),
            outcomes=outcomes,
            outcomes_id_column=outcomes_id_column,
            source=source,
            timezone=_zone(timezone),
            date_format=date_format,
            delimiter=delimiter,
            limit=limit,
        )
        candidates = _candidates(config)
        past = read_history(spec)
    except InvalidInput as error:
        raise fail(error) from None
    if not past.arrivals:
        raise fail(InvalidInput([Problem(path="", message="no arrivals")], source=str(history)))
    settings = Settings(
        seed=seed,
        bootstrap=bootstrap,
        strength=prior_strength,
        capacity=capacity,
        close_after=timedelta(days=close_after),
    )
    with _progress() as reporter:
        comparison = compare(past, candidates, settings, reporter)
    if output == "json":
        typer.echo(json.dumps(comparison_data(comparison), ensure_ascii=False, indent=2))
    else:
        render_tables(comparison, wide_console())
    if chart is not None:
        title = f"History: {history.name}"
        if comparison.configs[0].value is not None and not comparison.model.rep_effect:
            title += " (reps only on one kind of result: expected wins cannot differ)"
        write_simulation_chart(chart, _bars(comparison), title=title)
        typer.echo(f"chart: {chart}", err=True)


def _candidates(paths: list[Path]) -> list[Candidate]:
    """Load every routing file; each is named by its file name without suffix (with its folder
    when two share a name)."""
    stems = [path.stem for path in paths]
    out = []
    for path, stem in zip(paths, stems, strict=True):
        name = stem if stems.count(stem) == 1 else f"{path.parent.name}/{stem}"
        out.append(Candidate(name=name, config=load_routing_file(path)))
    return out


def _values(text: str) -> tuple[str, ...]:
    return tuple(value.strip() for value in text.split(",") if value.strip())


def _pair(item: str) -> tuple[str, str]:
    column, sep, field = item.partition("=")
    if not sep or not column.strip() or not field.strip():
        raise InvalidInput([Problem(path="--map", message=f"{item!r}: expected COLUMN=FIELD")])
    return column.strip(), field.strip()


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            [Problem(path="--timezone", message=f"unknown timezone {name!r}")]
        ) from None


@contextmanager
def _progress() -> Iterator[Reporter]:
    """A Rich progress bar on stderr (stdout stays clean for --format json)."""
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:

        def start(description: str, total: int) -> Callable[[int], None]:
            task = bar.add_task(description, total=total)
            return lambda done: bar.update(task, completed=done)

        yield start


def _bars(comparison: Comparison) -> list[RoutingBars]:
    bars = []
    for result in comparison.configs:
        wins = result.value.wins if result.value is not None else None
        difference = result.value.wins_difference if result.value is not None else None
        bars.append(
            RoutingBars(
                name=result.name,
                wins=wins.value if wins else None,
                low=wins.low if wins else None,
                high=wins.high if wins else None,
                loads=tuple(load.leads for load in result.reps),
                difference=None if difference is None else estimate_text(difference, "{:+.1f}"),
            )
        )
    return bars
