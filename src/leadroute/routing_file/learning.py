"""The learning keys of an `assign:` (`by`, `shrinkage`, `min_share`, `max_share`,
`share_window`, `value_field`, `batch_window`): which selectors read them, and what values
make sense together.

A function of the Builder (routing_file/building.py), which collects the problems.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from leadroute.domain.errors import join_path
from leadroute.routing.config import Learning
from leadroute.routing_file.durations import bounded_duration
from leadroute.routing_file.schema import AssignSchema

if TYPE_CHECKING:
    from leadroute.routing_file.building import Builder

LEARNING = frozenset({"top_performer", "bandit", "optimal"})
SHARES = frozenset({"bandit", "optimal"})
# Which selectors read each key: any other rule naming the key has a mistake in it.
_READERS = {
    "by": LEARNING,
    "shrinkage": LEARNING,
    "min_share": SHARES,
    "max_share": frozenset({"optimal"}),
    "share_window": SHARES,
    "value_field": frozenset({"optimal"}),
    "batch_window": frozenset({"optimal"}),
}


def build_learning(builder: Builder, spec: AssignSchema, path: str) -> Learning:
    for key, readers in _READERS.items():
        if key in spec.model_fields_set and spec.select not in readers:
            builder.problem(
                join_path(path, key),
                f"{key} applies to select: {' or '.join(sorted(readers))}, not {spec.select}",
            )
    for index, name in enumerate(spec.by):
        if spec.by.index(name) != index:
            builder.problem(join_path(join_path(path, "by"), index), f"{name!r} is listed twice")
    if spec.min_share > spec.max_share:
        builder.problem(
            join_path(path, "min_share"),
            f"min_share {spec.min_share:g} is above max_share {spec.max_share:g}",
        )
    window = builder.positive(spec.share_window, join_path(path, "share_window"))
    batch_window = None
    if spec.batch_window is not None:
        batch_window = builder.attempt(
            join_path(path, "batch_window"), lambda: bounded_duration(spec.batch_window or "")
        )
    return Learning(
        by=tuple(spec.by),
        shrinkage=spec.shrinkage,
        min_share=spec.min_share,
        max_share=spec.max_share,
        share_window=window or timedelta(days=7),
        value_field=spec.value_field,
        batch_window=batch_window,
    )
