"""The chart of a history simulation: expected wins with their 95% intervals per routing, and
each routing's load per rep (reps sorted from most to fewest leads, so concentration shows as a
steep curve and an even split as a flat one). SVG or PNG, chosen by the file's suffix."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

FORMATS = (".svg", ".png")


@dataclass(frozen=True, kw_only=True, slots=True)
class RoutingBars:
    """One routing as the chart shows it: expected wins (None without outcomes), the interval
    (None without a bootstrap), the leads each rep received, and the paired difference from
    the first routing as a label (None for the first)."""

    name: str
    wins: float | None
    low: float | None
    high: float | None
    loads: tuple[int, ...]
    difference: str | None = None


def write_simulation_chart(path: Path, routings: Sequence[RoutingBars], *, title: str) -> None:
    """Write the chart to `path` (.svg or .png; ValueError otherwise). The same inputs write the
    same bytes (no date in the file, fixed SVG ids)."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: the chart must be a .svg or .png file")
    # Imported here: only `simulate --chart` pays for loading matplotlib.
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    from matplotlib import pyplot  # noqa: PLC0415

    matplotlib.rcParams["svg.hashsalt"] = "leadroute"
    # Wider past four routings, so their labels (name, difference, interval) do not collide.
    width = 11.0 + 2.4 * max(0, len(routings) - 4)
    figure, (wins_axis, load_axis) = pyplot.subplots(1, 2, figsize=(width, 4.2))
    names = [routing.name for routing in routings]
    valued = [r for r in routings if r.wins is not None]
    if valued:
        # Points, not bars: routings often differ by a few percent, which bars from 0 would hide.
        positions = [names.index(r.name) for r in valued]
        values = [float(r.wins or 0.0) for r in valued]
        below = [v - (v if r.low is None else r.low) for r, v in zip(valued, values, strict=True)]
        above = [(v if r.high is None else r.high) - v for r, v in zip(valued, values, strict=True)]
        wins_axis.errorbar(
            positions, values, yerr=[below, above], fmt="o", color="#4C72B0", capsize=6
        )
        wins_axis.set_xlim(-0.5, len(names) - 0.5)
        wins_axis.set_ylabel("expected wins, 95% interval")
        wins_axis.set_xlabel("under each name: paired difference from the first, 95% interval")
    else:
        wins_axis.text(0.5, 0.5, "no outcomes in the history", ha="center", va="center")
    labels = [
        _wrapped(r.name)
        if r.difference is None
        else f"{_wrapped(r.name)}\n{r.difference.replace(' [', chr(10) + '[')}"
        for r in routings
    ]
    wins_axis.set_xticks(range(len(names)), labels, fontsize="small")
    wins_axis.set_title("Expected wins")
    for routing in routings:
        ranked = sorted(routing.loads, reverse=True)
        load_axis.plot(
            range(1, len(ranked) + 1), ranked, marker="o", markersize=3, label=routing.name
        )
    load_axis.set_xlabel("reps, most leads first")
    load_axis.set_ylabel("leads received")
    load_axis.set_title("Load per rep")
    load_axis.legend(fontsize="small")
    figure.suptitle(title)
    figure.tight_layout()
    metadata = {"Date": None} if suffix == ".svg" else {"Software": None}
    figure.savefig(path, format=suffix[1:], metadata=metadata)
    pyplot.close(figure)


def _wrapped(name: str) -> str:
    """A long file name broken at its underscores (top_performer_by_sector on two lines)."""
    if len(name) <= 14:
        return name
    return "\n".join(textwrap.wrap(name.replace("_", "_\u200b"), 14)).replace("\u200b", "")
