"""Which columns a model reads and how: numbers as numbers, dates as month and weekday,
everything else as a category; ids, constants, the label and excluded columns are dropped.

The plan is inferred once from the training rows, stored in the model file's header, and
applied alike to training rows and to a live lead's fields (a missing field is unknown).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import numpy as np
import numpy.typing as npt

MISSING = "(missing)"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A text column with at least this share of distinct values (and more than ID_MIN_DISTINCT of
# them) names rows rather than describing them: an id, an e-mail, free text.
ID_SHARE = 0.5
ID_MIN_DISTINCT = 20
# Fields the engine derives from the model or the points rules: never features.
DERIVED = frozenset({"score_model", "score"})


class Kind(StrEnum):
    NUMBER = "number"
    CATEGORY = "category"
    DATE = "date"


@dataclass(frozen=True, kw_only=True, slots=True)
class Column:
    name: str
    kind: Kind


@dataclass(frozen=True, kw_only=True, slots=True)
class FeaturePlan:
    """The columns used (in order) and the ones dropped, each with why."""

    columns: tuple[Column, ...]
    dropped: tuple[tuple[str, str], ...] = ()

    @property
    def inputs(self) -> tuple[str, ...]:
        """The model's input columns: a date gives `<name>.month` and `<name>.weekday`."""
        names: list[str] = []
        for column in self.columns:
            if column.kind is Kind.DATE:
                names += [f"{column.name}.month", f"{column.name}.weekday"]
            else:
                names.append(column.name)
        return tuple(names)

    @property
    def numeric(self) -> list[int]:
        """Indexes of the numeric inputs (the others are categories)."""
        kinds = [c.kind for c in self.columns for _ in range(2 if c.kind is Kind.DATE else 1)]
        return [i for i, kind in enumerate(kinds) if kind is Kind.NUMBER]

    @property
    def categorical(self) -> list[int]:
        numeric = set(self.numeric)
        return [i for i in range(len(self.inputs)) if i not in numeric]

    def matrix(self, rows: Iterable[Mapping[str, object]]) -> npt.NDArray[np.object_]:
        """One row per input row: floats (NaN when missing) and category strings."""
        cells = [[cell for column in self.columns for cell in _cells(column, row)] for row in rows]
        array = np.empty((len(cells), len(self.inputs)), dtype=object)
        for index, values in enumerate(cells):
            array[index, :] = values
        return array

    def as_header(self) -> dict[str, object]:
        return {
            "columns": [{"name": c.name, "kind": c.kind.value} for c in self.columns],
            "dropped": [{"name": name, "why": why} for name, why in self.dropped],
        }

    @classmethod
    def from_header(cls, header: Mapping[str, object]) -> FeaturePlan:
        columns = header.get("columns")
        dropped = header.get("dropped", [])
        if not isinstance(columns, list) or not isinstance(dropped, list):
            raise ValueError("the header has no feature columns")
        return cls(
            columns=tuple(Column(name=str(c["name"]), kind=Kind(c["kind"])) for c in columns),
            dropped=tuple((str(d["name"]), str(d["why"])) for d in dropped),
        )


def plan_features(
    columns: Sequence[str], rows: Sequence[Mapping[str, object]], *, drop: Mapping[str, str]
) -> FeaturePlan:
    """Infer each column's kind from its values; `drop` maps columns to leave out to why."""
    used: list[Column] = []
    dropped: list[tuple[str, str]] = []
    for name in columns:
        why = drop.get(name) or ("derived by the engine" if name in DERIVED else None)
        kind = None
        if why is None:
            kind, why = _kind(name, [row.get(name) for row in rows])
        if kind is None:
            dropped.append((name, why or "unused"))
        else:
            used.append(Column(name=name, kind=kind))
    return FeaturePlan(columns=tuple(used), dropped=tuple(dropped))


def _kind(name: str, values: list[object]) -> tuple[Kind | None, str | None]:
    present = [v for v in values if _present(v)]
    if not present:
        return None, "empty"
    distinct = {str(v).strip() for v in present}
    if len(distinct) == 1:
        return None, "a single value"
    looks_like_id = len(distinct) >= max(ID_MIN_DISTINCT, ID_SHARE * len(present))
    if all(number(v) is not None for v in present):
        if looks_like_id and _id_name(name) and len(distinct) == len(present):
            return None, "an id"
        return Kind.NUMBER, None
    if all(when(v) is not None for v in present):
        return Kind.DATE, None
    if looks_like_id:
        return None, f"an id or free text ({len(distinct)} distinct values)"
    return Kind.CATEGORY, None


def _id_name(name: str) -> bool:
    folded = name.casefold()
    return folded == "id" or folded.endswith(("_id", "-id", " id", ".id"))


def _present(value: object) -> bool:
    if value is None or isinstance(value, dict | list | tuple | set):
        return False
    return bool(str(value).strip())


def number(value: object) -> float | None:
    """The value as a finite number, or None."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return result if math.isfinite(result) else None


def when(value: object) -> date | None:
    """The value as a calendar date (ISO 8601 text, a date or a datetime), or None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value.strip()) >= 8:
        try:
            return datetime.fromisoformat(value.strip()).date()
        except ValueError:
            return None
    return None


def _cells(column: Column, row: Mapping[str, object]) -> list[object]:
    value = row.get(column.name)
    if column.kind is Kind.NUMBER:
        found = number(value) if _present(value) else None
        return [math.nan if found is None else found]
    if column.kind is Kind.DATE:
        day = when(value)
        if day is None:
            return [MISSING, MISSING]
        return [str(day.month), WEEKDAYS[day.weekday()]]
    return [str(value).strip() if _present(value) else MISSING]
