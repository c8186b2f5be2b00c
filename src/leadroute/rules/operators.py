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
Bound = Callable[[object], bool]
Bind = Callable[[object, bool], Bound | None]


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
    bind: Bind | None = None
    """Optional fast path: a one-argument test specialised to a prepared operand (or None when
    the operand needs the general `test`). It must answer exactly as `test` does."""

    def bound(self, operand: object, case_sensitive: bool) -> Bound:
        """`test` with the operand and case sensitivity fixed, using the fast path when any."""
        fast = self.bind(operand, case_sensitive) if self.bind is not None else None
        if fast is not None:
            return fast
        test = self.test
        return lambda value: test(value, operand, case_sensitive)


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


def _texts(options: tuple[object, ...], cs: bool) -> frozenset[str] | None:
    """The folded options when every one is a text that does not read as a number.

    Then `equals` reduces to comparing folded texts, whatever the value: a number operand or a
    numeric text on both sides is what would make it compare otherwise.
    """
    if not all(isinstance(o, str) and v.as_number(o) is None for o in options):
        return None
    return frozenset(v.fold(o, cs) for o in options)


def _member_test(wanted: frozenset[str], cs: bool) -> Bound:
    def test(value: object) -> bool:
        if isinstance(value, str):
            return (value if cs else value.casefold()) in wanted
        return any(item is not None and v.fold(item, cs) in wanted for item in v.elements(value))

    return test


def _bind_eq(operand: object, cs: bool) -> Bound | None:
    wanted = _texts((operand,), cs)
    return _member_test(wanted, cs) if wanted is not None else None


def _bind_ne(operand: object, cs: bool) -> Bound | None:
    same = _bind_eq(operand, cs)
    return (lambda value: not same(value)) if same is not None else None


def _bind_in(operand: object, cs: bool) -> Bound | None:
    wanted = _texts(operand if isinstance(operand, tuple) else (), cs)
    return _member_test(wanted, cs) if wanted is not None else None


def _bind_not_in(operand: object, cs: bool) -> Bound | None:
    inside = _bind_in(operand, cs)
    return (lambda value: not inside(value)) if inside is not None else None


def _bind_ordered(check: Callable[[int], bool]) -> Bind:
    """Numbers against a number operand compare directly; anything else takes `test`."""
    test = _ordered(check)

    def bind(operand: object, cs: bool) -> Bound | None:
        right = v.as_number(operand)
        if right is None:
            return None

        def fast(value: object) -> bool:
            if type(value) is int or type(value) is float:
                left = v.as_float(value)
                return check((left > right) - (left < right))
            return test(value, operand, cs)

        return fast

    return bind


def _bind_between(operand: object, cs: bool) -> Bound | None:
    low, high = operand if isinstance(operand, tuple) else (None, None)
    bottom, top = v.as_number(low), v.as_number(high)
    if bottom is None or top is None:
        return None

    def fast(value: object) -> bool:
        if type(value) is int or type(value) is float:
            left = v.as_float(value)
            above, below = (left > bottom) - (left < bottom), (left > top) - (left < top)
            return above >= 0 and below <= 0
        return _between(value, operand, cs)

    return fast


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


def _above(c: int) -> bool:
    return c > 0


def _at_least(c: int) -> bool:
    return c >= 0


def _below(c: int) -> bool:
    return c < 0


def _at_most(c: int) -> bool:
    return c <= 0


def _register(operator: Operator) -> None:
    if operator.name in OPERATORS:
        raise ValueError(f"operator {operator.name!r} is registered twice")
    OPERATORS[operator.name] = operator


for _op in (
    Operator(
        name="eq", operand="value", description="equals", prepare=_scalar, test=_eq, bind=_bind_eq
    ),
    Operator(
        name="ne",
        operand="value",
        description="differs from",
        prepare=_scalar,
        test=_ne,
        bind=_bind_ne,
    ),
    Operator(
        name="in",
        operand="list",
        description="is one of",
        prepare=_list,
        test=_in,
        bind=_bind_in,
    ),
    Operator(
        name="not_in",
        operand="list",
        description="is none of",
        prepare=_list,
        test=_not_in,
        bind=_bind_not_in,
    ),
    Operator(
        name="gt",
        operand="number or date",
        description="is greater than",
        prepare=_orderable,
        test=_ordered(_above),
        bind=_bind_ordered(_above),
    ),
    Operator(
        name="gte",
        operand="number or date",
        description="is at least",
        prepare=_orderable,
        test=_ordered(_at_least),
        bind=_bind_ordered(_at_least),
    ),
    Operator(
        name="lt",
        operand="number or date",
        description="is less than",
        prepare=_orderable,
        test=_ordered(_below),
        bind=_bind_ordered(_below),
    ),
    Operator(
        name="lte",
        operand="number or date",
        description="is at most",
        prepare=_orderable,
        test=_ordered(_at_most),
        bind=_bind_ordered(_at_most),
    ),
    Operator(
        name="between",
        operand="[low, high]",
        description="is between (inclusive)",
        prepare=_range,
        test=_between,
        bind=_bind_between,
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
