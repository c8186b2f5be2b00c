"""How field values compare: the coercions every operator shares.

Numbers written as strings compare as numbers ("1000" >= 500), strings compare case-insensitively
unless asked otherwise, ISO dates compare as dates, and a missing value (absent or null) never
satisfies a comparison.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "on"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "off"})


def lookup(fields: Mapping[str, object], name: str) -> object:
    """The value of a field; `a.b` reads key `b` inside the mapping at `a`. None when missing."""
    if name in fields:
        return fields[name]
    if "." not in name:
        return None
    current: object = fields
    for part in name.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(part)
    return current


def as_float(number: int | float) -> float:
    """The number as a float; an int past the largest float is infinity of its sign (it still
    orders above or below every other number) instead of an OverflowError."""
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf


def as_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return as_float(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            return None
    return None


def as_datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-":
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    return None


def fold(value: object, case_sensitive: bool) -> str:
    text = value if isinstance(value, str) else str(value)
    return text if case_sensitive else text.casefold()


def is_missing(value: object) -> bool:
    return value is None


def is_empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | frozenset | dict):
        return len(value) == 0
    return False


def elements(value: object) -> tuple[object, ...]:
    """A list-valued field's items, or the scalar alone."""
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(value)
    return (value,)


def equals(value: object, operand: object, case_sensitive: bool) -> bool:
    """Equality with the coercions above; never true for a missing value."""
    if value is None:
        return False
    if isinstance(operand, bool):
        return as_bool(value) is operand
    if isinstance(operand, int | float):
        number = as_number(value)
        return number is not None and number == as_float(operand)
    left, right = as_number(value), as_number(operand)
    if left is not None and right is not None:
        return left == right
    return fold(value, case_sensitive) == fold(operand, case_sensitive)


def compare(value: object, operand: object) -> int | None:
    """-1/0/1 for numbers or dates that can be compared; None when they cannot."""
    left, right = as_number(value), as_number(operand)
    if left is not None and right is not None:
        return (left > right) - (left < right)
    left_d, right_d = as_datetime(value), as_datetime(operand)
    if left_d is not None and right_d is not None:
        if (left_d.tzinfo is None) != (right_d.tzinfo is None):
            left_d, right_d = left_d.replace(tzinfo=None), right_d.replace(tzinfo=None)
        return (left_d > right_d) - (left_d < right_d)
    return None


def show(value: object) -> str:
    """A short rendering of a value for traces."""
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)
