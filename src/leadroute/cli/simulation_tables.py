"""The table output of `leadroute simulate`: one summary row per routing, the model, each
routing's per-rep load, then every caveat."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from leadroute.simulate.comparison import Comparison, ConfigResult
from leadroute.simulate.valuation import Estimate


def render_tables(comparison: Comparison, console: Console) -> None:
    history, model = comparison.history, comparison.model
    arrivals = history.arrivals
    console.print(
        f"History {history.source}: {len(arrivals)} arrivals "
        f"{arrivals[0].at:%Y-%m-%d} to {arrivals[-1].at:%Y-%m-%d}; "
        f"seed {comparison.settings.seed}, {comparison.settings.bootstrap} bootstrap resamples."
    )
    console.print(_loads(comparison))
    sample = model.sample
    if comparison.configs[0].value is not None:
        console.print(_outcomes(comparison))
    if sample.decided.any():
        level = "estimated" if model.rep_effect else "NOT estimable (see caveats)"
        console.print(
            f"Outcome model: global win rate {model.global_rate:.3f} over "
            f"{int(sample.decided.sum())} decided leads; {len(sample.reps)} reps (rep level "
            f"{level}), {len(sample.segments)} segments; prior strength {model.strength:g}."
        )
        console.print(_segments(comparison))
        if comparison.as_assigned is not None:
            wins, revenue = comparison.as_assigned
            worth = "" if revenue is None else f" and {revenue:,.0f} revenue"
            console.print(
                f"History as it was assigned: {int(sample.won.sum())} won, "
                f"{int((sample.decided & ~sample.won).sum())} lost, "
                f"{int((~sample.decided).sum())} open; the model values that assignment at "
                f"{wins:.1f} expected wins{worth}."
            )
    for result in comparison.configs:
        console.print(_reps(result))
    console.print("Caveats:")
    for caveat in comparison.caveats:
        console.print(f"- {caveat}", markup=False)
    for result in comparison.configs:
        for caveat in result.caveats:
            console.print(f"- {result.name}: {caveat}", markup=False)


def _loads(comparison: Comparison) -> Table:
    table = Table(title="Load, caps and fairness")
    headers = ("routing", "leads", "routed", "in pools", "cap hits", "Gini", "shares", "max/day")
    for header in (*headers, "same day", "p90 wait", "over capacity"):
        table.add_column(
            header, justify="left" if header == "routing" else "right", no_wrap=header == "routing"
        )
    for result in comparison.configs:
        sla = result.feasibility
        table.add_row(
            result.name,
            str(result.leads),
            str(result.routed),
            str(result.left_in_pools),
            str(result.cap_hits),
            "-" if result.gini is None else f"{result.gini:.3f}",
            _shares(result.shares),
            str(max((load.max_day for load in result.reps), default=0)),
            "-" if sla is None or sla.same_day is None else f"{sla.same_day:.1%}",
            "-" if sla is None or sla.p90_wait_days is None else f"{sla.p90_wait_days:g} d",
            "-" if sla is None else f"{sla.rep_days_over} rep-days",
        )
    return table


def _shares(shares: tuple[float, float] | None) -> str:
    """`1.7 to 5.1%`: the least and most any rep got of the routed leads."""
    if shares is None:
        return "-"
    return f"{shares[0] * 100:.1f} to {shares[1]:.1%}"


def _outcomes(comparison: Comparison) -> Table:
    first = comparison.configs[0].name
    table = Table(title=f"Expected outcomes, 95% intervals (differences: paired, from {first})")
    for header in ("routing", "expected wins", "vs first", "expected revenue", "vs first "):
        table.add_column(
            header, justify="left" if header == "routing" else "right", no_wrap=header == "routing"
        )
    for result in comparison.configs:
        value = result.value
        table.add_row(
            result.name,
            estimate_text(value.wins if value else None, "{:.1f}"),
            estimate_text(value.wins_difference if value else None, "{:+.1f}"),
            estimate_text(value.revenue if value else None, money),
            estimate_text(value.revenue_difference if value else None, signed_money),
        )
    return table


def _segments(comparison: Comparison) -> Table:
    model = comparison.model
    sizes = model.deal_sizes
    table = Table(title="Win rate by segment (shrunk to the global rate)")
    for header in ("segment", "decided", "win rate", "deal size"):
        table.add_column(header, justify="left" if header == "segment" else "right")
    for s, segment in enumerate(model.sample.segments):
        table.add_row(
            segment,
            str(int(model.segment_decided[s])),
            f"{model.segment_rates[s]:.3f}",
            "-" if sizes is None else f"{sizes[s]:,.0f}",
        )
    return table


def _reps(result: ConfigResult) -> Table:
    table = Table(title=f"{result.name}: load per rep")
    headers = (
        "rep",
        "leads",
        "share",
        "max/day",
        "mean/day",
        "max/month",
        "mean/month",
        "cap skips",
        "days over capacity",
        "same day",
        "expected wins",
    )
    for header in headers:
        table.add_column(
            header, justify="left" if header == "rep" else "right", no_wrap=header == "rep"
        )
    rep_wins = result.value.rep_wins if result.value is not None else {}
    for load in result.reps:
        wins = rep_wins.get(load.rep)
        known = result.history_names.get(load.rep) is not None
        table.add_row(
            load.name if known else f"{load.name} (not in history)",
            str(load.leads),
            f"{load.share:.1%}",
            str(load.max_day),
            f"{load.mean_day:.2f}",
            str(load.max_month),
            f"{load.mean_month:.1f}",
            str(load.cap_skips),
            "-" if load.days_over_capacity is None else str(load.days_over_capacity),
            "-" if load.same_day is None else f"{load.same_day:.1%}",
            "-" if wins is None else f"{wins:.1f}",
        )
    return table


def estimate_text(estimate: Estimate | None, form: str | Callable[[float], str]) -> str:
    """`5261.5 [5160.3, 5373.3]` (the value, then its interval when there is one); - for None."""
    if estimate is None:
        return "-"
    write = form.format if isinstance(form, str) else form
    text = write(estimate.value)
    if estimate.low is None or estimate.high is None:
        return text
    return f"{text} [{write(estimate.low)}, {write(estimate.high)}]"


def money(value: float) -> str:
    """12.42M, 40.5k, 980: short enough for an interval to fit a column."""
    sign = "-" if value < 0 else ""
    size = abs(value)
    if size >= 1e6:
        return f"{sign}{size / 1e6:.2f}M"
    if size >= 1e3:
        return f"{sign}{size / 1e3:.1f}k"
    return f"{sign}{size:,.0f}"


def signed_money(value: float) -> str:
    return money(value) if value < 0 else f"+{money(value)}"
