"""The store's own outcomes as a table: each won or lost lead's fields, labelled by its status.

The rows are read by the caller (through `leadroute.storage`) and handed over in arrival order,
so `--split time` holds out the most recent leads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from leadroute.learning.errors import TrainingError
from leadroute.learning.tables import Table

LABEL = "outcome"
WON = "won"
LOST = "lost"
OUTCOMES = (WON, LOST)
MIN_STORED_PER_CLASS = 50


def outcome_table(leads: Iterable[tuple[Mapping[str, object], str]], *, source: str) -> Table:
    """One row per won or lost lead (its fields plus `outcome`); TrainingError when either
    class has fewer than MIN_STORED_PER_CLASS leads."""
    rows: list[dict[str, object]] = []
    columns: dict[str, None] = {}
    counts = dict.fromkeys(OUTCOMES, 0)
    for fields, status in leads:
        if status not in counts:
            continue
        counts[status] += 1
        row = {name: value for name, value in fields.items() if name != LABEL}
        columns.update(dict.fromkeys(row))
        row[LABEL] = status
        rows.append(row)
    if min(counts.values()) < MIN_STORED_PER_CLASS:
        raise TrainingError(
            f"the store has {counts[WON]} won and {counts[LOST]} lost leads; training on its "
            f"outcomes needs at least {MIN_STORED_PER_CLASS} of each (or train on a CSV with "
            "--csv)",
            source=source,
        )
    return Table(source=source, columns=(*columns, LABEL), rows=rows)
