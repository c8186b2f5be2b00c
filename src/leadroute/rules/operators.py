"""The operator catalog: every comparison a `when:` may use, listable by a UI.

Each operator checks its operand once at parse time (`prepare`) and tests a field value against
the prepared operand (`test`). Missing values are handled by the caller: they satisfy only
`exists: false` and `empty: true`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from leadroute.rules import values as v

Prepare = Callable[[object, bool], object]
Test = Callable[[object, object, bool], bool]


class OperandError(ValueError):
    """The operand of an operator has the wrong shape; the message says what was expected."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Operator:
    name: str
    operand: str
    description: str
    prepare: Prepare
    test: Test
    accepts_missing: bool = False


def _scalar(operand: object, _cs: bool) -> object:
    if isinstance(operand, str | int | float | bool):
        return operand
    raise OperandError(f"expected a text, number or true/false, got {_kind(operand)}")


def _text(operand: object, _cs: bool) -> object:
    if isinstance(operand, bool) or not isinstance(operand, str | int | float):
        raise OperandError(f"expected a text, got {_kind(operand)}")
    return str(operand)


def _list(operand: object, _cs: bool) -> object:
    if not isinstance(operand, list | tuple):
        raise OperandError(f"expected a list such as [US, CA], got {_kind(operand)}")
    for item in operand:
        _scalar(item, _cs)
    return tuple(operand)


def _orderable(operand: object, _cs: bool) -> object:
    if v.as_number(operand) is not None or v.as_datetime(operand) is not None:
        return operand
    raise OperandError(f"expected a number or an ISO date, got {_kind(operand)}")


def _range(operand: object, cs: bool) -> object:
    if not isinstance(operand, list | tuple) or len(operand) != 2:
        raise OperandError(f"expected [low, high], got {_kind(operand)}")
    low, high = (_orderable(item, cs) for item in operand)
    if v.compare(low, high) == 1:
        raise OperandError(f"low {v.show(low)} is above high {v.show(high)}")
    return (low, high)


def _regex(operand: object, cs: bool) -> object:
    if not isinstance(operand, str):
        raise OperandError(f"expected a regular expression, got {_kind(operand)}")
    try:
        return re.compile(operand, 0 if cs else re.IGNORECASE)
    except re.error as error:
        raise OperandError(f"bad regular expression {operand!r}: {error}") from None


def _flag(operand: object, _cs: bool) -> object:
    if not isinstance(operand, bool):
        raise OperandError(f"expected true or false, got {_kind(operand)}")
    return operand


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _any_element(value: object, pred: Callable[[object], bool]) -> bool:
    return any(item is not None and pred(item) for item in v.elements(value))


def _eq(value: object, operand: object, cs: bool) -> bool:
    return _any_element(value, lambda item: v.equals(item, operand, cs))


def _ne(value: object, operand: object, cs: bool) -> bool:
    return not _eq(value, operand, cs)


def _in(value: object, operand: object, cs: bool) -> bool:
    options = operand if isinstance(operand, tuple) else ()
    return _any_element(value, lambda item: any(v.equals(item, o, cs) for o in options))


def _not_in(value: object, operand: object, cs: bool) -> bool:
    return not _in(value, operand, cs)


def _ordered(check: Callable[[int], bool]) -> Test:
    def test(value: object, operand: object, _cs: bool) -> bool:
        result = v.compare(value, operand)
        return result is not None and check(result)

    return test


def _between(value: object, operand: object, _cs: bool) -> bool:
    low, high = operand if isinstance(operand, tuple) else (None, None)
    above, below = v.compare(value, low), v.compare(value, high)
    return above is not None and below is not None and above >= 0 and below <= 0


def _contains(value: object, operand: object, cs: bool) -> bool:
    if isinstance(value, list | tuple | set | frozenset):
        return _eq(value, operand, cs)
    return v.fold(operand, cs) in v.fold(value, cs)


def _starts_with(value: object, operand: object, cs: bool) -> bool:
    return _any_element(value, lambda item: v.fold(item, cs).startswith(v.fold(operand, cs)))


def _ends_with(value: object, operand: object, cs: bool) -> bool:
    return _any_element(value, lambda item: v.fold(item, cs).endswith(v.fold(operand, cs)))


def _matches(value: object, operand: object, _cs: bool) -> bool:
    pattern = operand if isinstance(operand, re.Pattern) else re.compile("$^")
    return _any_element(value, lambda item: pattern.search(str(item)) is not None)


def _exists(value: object, operand: object, _cs: bool) -> bool:
    return (value is not None) is operand


def _empty(value: object, operand: object, _cs: bool) -> bool:
    return v.is_empty(value) is operand


OPERATORS: dict[str, Operator] = {}


def _register(operator: Operator) -> None:
    if operator.name in OPERATORS:
        raise ValueError(f"operator {operator.name!r} is registered twice")
    OPERATORS[operator.name] = operator


for _op in (
    Operator(name="eq", operand="value", description="equals", prepare=_scalar, test=_eq),
    Operator(name="ne", operand="value", description="differs from", prepare=_scalar, test=_ne),
    Operator(name="in", operand="list", description="is one of", prepare=_list, test=_in),
    Operator(name="not_in", operand="list", description="is none of", prepare=_list, test=_not_in),
    Operator(
        name="gt",
        operand="number or date",
        description="is greater than",
        prepare=_orderable,
        test=_ordered(lambda c: c > 0),
    ),
    Operator(
        name="gte",
        operand="number or date",
        description="is at least",
        prepare=_orderable,
        test=_ordered(lambda c: c >= 0),
    ),
    Operator(
        name="lt",
        operand="number or date",
        description="is less than",
        prepare=_orderable,
        test=_ordered(lambda c: c < 0),
    ),
    Operator(
        name="lte",
        operand="number or date",
        description="is at most",
        prepare=_orderable,
        test=_ordered(lambda c: c <= 0),
    ),
    Operator(
        name="between",
        operand="[low, high]",
        description="is between (inclusive)",
        prepare=_range,
        test=_between,
    ),
    Operator(
        name="contains", operand="text", description="contains", prepare=_text, test=_contains
    ),
    Operator(
        name="starts_with",
        operand="text",
        description="starts with",
        prepare=_text,
        test=_starts_with,
    ),
    Operator(
        name="ends_with", operand="text", description="ends with", prepare=_text, test=_ends_with
    ),
    Operator(
        name="matches",
        operand="regular expression",
        description="matches the pattern",
        prepare=_regex,
        test=_matches,
    ),
    Operator(
        name="exists",
        operand="true/false",
        description="is present (true) or missing (false)",
        prepare=_flag,
        test=_exists,
        accepts_missing=True,
    ),
    Operator(
        name="empty",
        operand="true/false",
        description="is missing or blank (true), or has a value (false)",
        prepare=_flag,
        test=_empty,
        accepts_missing=True,
    ),
):
    _register(_op)
