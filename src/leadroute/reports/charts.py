"""Bar charts of one metric by group, as SVG or PNG bytes (matplotlib, Agg, no pyplot).

Conversion is drawn in percent with its 95% Wilson interval as error bars. The same rows give
the same bytes: the SVG ids are salted with a constant and no date is written.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Mapping, Sequence

from leadroute.domain.errors import InvalidInput, Problem
from leadroute.reports.metrics import NUMERIC_METRICS
from leadroute.rules.parsing import suggest

FORMATS = {"svg": "image/svg+xml", "png": "image/png"}
_PERCENT = frozenset(
    {"conversion", "sla_hit_rate", "share", "intended_share", "conversion_low", "conversion_high"}
)
_SALT = "leadroute"


def check_chart(metric: str, image_format: str) -> None:
    """InvalidInput (paths `metric`, `format`) unless both can be drawn."""
    problems: list[Problem] = []
    if metric not in NUMERIC_METRICS and not metric.startswith("activities."):
        hint = suggest(metric, NUMERIC_METRICS)
        problems.append(Problem(path="metric", message=f"unknown metric {metric!r}{hint}"))
    if image_format not in FORMATS:
        known = ", ".join(FORMATS)
        problems.append(Problem(path="format", message=f"{image_format!r}: expected {known}"))
    if problems:
        raise InvalidInput(problems)


def _value(row: Mapping[str, object], metric: str) -> float:
    if metric.startswith("activities."):
        counts = row.get("activities")
        value = counts.get(metric.partition(".")[2]) if isinstance(counts, Mapping) else None
    else:
        value = row.get(metric)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) * (100 if metric in _PERCENT else 1)
    return math.nan


def bar_chart(
    rows: Sequence[Mapping[str, object]],
    metric: str,
    *,
    title: str,
    image_format: str = "svg",
) -> bytes:
    """One bar per row (`group` names it) of `metric`; rows without a value get no bar."""
    check_chart(metric, image_format)
    # Imported here: matplotlib takes a while to import and most commands draw nothing.
    import matplotlib as mpl  # noqa: PLC0415
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    names = [_label(str(row.get("group", ""))) for row in rows]
    values = [_value(row, metric) for row in rows]
    width = min(16.0, max(6.0, 0.6 * len(rows) + 2))
    with mpl.rc_context({"svg.hashsalt": _SALT, "svg.fonttype": "path"}), warnings.catch_warnings():
        # A group named in a script the bundled font lacks (CJK, say) draws empty boxes rather
        # than failing the chart; a layout that cannot fit everything draws as it can.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        warnings.filterwarnings("ignore", message=r".*constrained_layout")
        figure = Figure(figsize=(width, 4.5), layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        positions = list(range(len(rows)))
        bars = axes.bar(positions, values, color="#4C72B0")
        if metric == "conversion":
            lows = [_value(row, "conversion_low") for row in rows]
            highs = [_value(row, "conversion_high") for row in rows]
            errors = [
                [max(0.0, v - low) for v, low in zip(values, lows, strict=True)],
                [max(0.0, high - v) for v, high in zip(values, highs, strict=True)],
            ]
            axes.errorbar(positions, values, yerr=errors, fmt="none", ecolor="#333333", capsize=4)
            for x, value, high in zip(positions, values, highs, strict=True):
                if not math.isnan(value):  # above the interval, which would cross a bar label
                    axes.annotate(
                        f"{value:.1f}",
                        (x, high if not math.isnan(high) else value),
                        xytext=(0, 3),
                        textcoords="offset points",
                        ha="center",
                        fontsize=8,
                    )
        else:
            axes.bar_label(bars, fmt="%.1f" if metric in _PERCENT else "%g", fontsize=8, padding=2)
        # Every group keeps its place, a last one without a value included.
        axes.set_xlim(-0.6, len(rows) - 0.4)
        tilted = len(rows) > 4
        axes.set_xticks(
            positions,
            names,
            rotation=30 if tilted else 0,
            ha="right" if tilted else "center",
            rotation_mode="anchor",
        )
        unit = " (%)" if metric in _PERCENT else ""
        axes.set_ylabel(metric.replace("_", " ") + unit)
        axes.set_title(title)
        axes.spines[["top", "right"]].set_visible(False)
        buffer = io.BytesIO()
        metadata: dict[str, str | None] = (
            {"Date": None} if image_format == "svg" else {"Software": None}
        )
        figure.savefig(buffer, format=image_format, metadata=metadata)
    return buffer.getvalue()


def _label(name: str, longest: int = 32) -> str:
    """A group name short enough for a tick label, control characters shown as spaces."""
    shown = "".join(" " if not char.isprintable() else char for char in name)
    return shown if len(shown) <= longest else shown[: longest - 1] + "…"
