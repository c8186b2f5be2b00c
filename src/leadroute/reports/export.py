"""Summary rows as flat records and CSV: one column per grouping key, one per activity type
(`activities.email_opened`), then every metric; the totals row last, as group "(all)"."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence


def flat(row: Mapping[str, object], keys: Sequence[str]) -> dict[str, object]:
    """A row of `Summary.as_dict()` with its keys and activities spread into columns."""
    out: dict[str, object] = {"group": row["group"]}
    found = row.get("keys")
    values = found if isinstance(found, Mapping) else {}
    for key in keys:
        out[key] = values.get(key, "")
    for name, value in row.items():
        if name in ("group", "keys"):
            continue
        if name == "activities" and isinstance(value, Mapping):
            for kind, count in value.items():
                out[f"activities.{kind}"] = count
        else:
            out[name] = value
    return out


def flat_rows(summary: Mapping[str, object]) -> list[dict[str, object]]:
    """Every row, then the totals, flattened with the same columns."""
    rows = summary.get("rows")
    listed = [row for row in rows if isinstance(row, Mapping)] if isinstance(rows, list) else []
    keys: list[str] = []
    for row in listed:
        found = row.get("keys")
        for key in found if isinstance(found, Mapping) else ():
            if key not in keys:
                keys.append(str(key))
    out = [flat(row, keys) for row in listed]
    totals = summary.get("totals")
    if isinstance(totals, Mapping):
        out.append(flat(totals, keys))
    return out


def csv_text(summary: Mapping[str, object]) -> str:
    """The summary as CSV (a header row; empty cells for missing values)."""
    rows = flat_rows(summary)
    columns: list[str] = []
    for row in rows:
        columns.extend(name for name in row if name not in columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: "" if value is None else value for name, value in row.items()})
    return buffer.getvalue()
