"""Segments: the kind of lead a rep's results are counted by (`by: [industry, source]`).

A segment is the lead's values of the `by` fields, in order, each as a label: text as it is,
numbers and booleans as JSON writes them, a missing, null or empty value as "". The same
function labels a lead being routed and the leads behind a rep's track record, in memory and
in the database, so both sides always name a segment alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

Segment = tuple[str, ...]
MISSING = ""


def segment_value(value: object) -> str:
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return MISSING  # lists and objects name no segment


def segment_of(fields: Mapping[str, object], by: Sequence[str]) -> Segment:
    return tuple(segment_value(fields.get(name)) for name in by)


def describe(by: Sequence[str], segment: Segment) -> str:
    """`industry=saas, source=web` for the trace; `all leads` when there is no `by`."""
    if not by:
        return "all leads"
    return ", ".join(f"{name}={value or '(none)'}" for name, value in zip(by, segment, strict=True))
