"""Parsed conditions: evaluate against a lead's fields, and explain a failure in words."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from leadroute.rules import values as v
from leadroute.rules.operators import Bound, Operator


class Condition(Protocol):
    def matches(self, fields: Mapping[str, object]) -> bool: ...

    def why_not(self, fields: Mapping[str, object]) -> str:
        """Why the condition does not match these fields (call only when it does not)."""
        ...

    def describe(self) -> str: ...


@dataclass(frozen=True, kw_only=True, slots=True)
class Always:
    def matches(self, fields: Mapping[str, object]) -> bool:
        return True

    def why_not(self, fields: Mapping[str, object]) -> str:
        return ""

    def describe(self) -> str:
        return "always"


ALWAYS = Always()


@dataclass(frozen=True, kw_only=True, slots=True)
class FieldTest:
    field: str
    operator: Operator
    operand: object
    written: object
    case_sensitive: bool = False
    # Fixed at construction: the operator bound to the operand, and the description.
    _test: Bound = dataclasses.field(init=False, repr=False, compare=False)
    _dotted: bool = dataclasses.field(init=False, repr=False, compare=False)
    _description: str = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        operand = self.written.pattern if isinstance(self.written, re.Pattern) else self.written
        description = f"{self.field} {self.operator.name} {v.show(operand)}"
        object.__setattr__(self, "_test", self.operator.bound(self.operand, self.case_sensitive))
        object.__setattr__(self, "_dotted", "." in self.field)
        object.__setattr__(self, "_description", description)

    def matches(self, fields: Mapping[str, object]) -> bool:
        value = v.lookup(fields, self.field) if self._dotted else fields.get(self.field)
        if value is None and not self.operator.accepts_missing:
            return False
        return self._test(value)

    def why_not(self, fields: Mapping[str, object]) -> str:
        value = v.lookup(fields, self.field)
        if value is None and not self.operator.accepts_missing:
            return f"{self._description}: field missing"
        return f"{self._description}: was {v.show(value)}"

    def describe(self) -> str:
        return self._description


@dataclass(frozen=True, kw_only=True, slots=True)
class AllOf:
    items: tuple[Condition, ...]

    def matches(self, fields: Mapping[str, object]) -> bool:
        return all(item.matches(fields) for item in self.items)

    def why_not(self, fields: Mapping[str, object]) -> str:
        for item in self.items:
            if not item.matches(fields):
                return item.why_not(fields)
        return ""

    def describe(self) -> str:
        return "all of (" + "; ".join(item.describe() for item in self.items) + ")"


@dataclass(frozen=True, kw_only=True, slots=True)
class AnyOf:
    items: tuple[Condition, ...]

    def matches(self, fields: Mapping[str, object]) -> bool:
        return any(item.matches(fields) for item in self.items)

    def why_not(self, fields: Mapping[str, object]) -> str:
        return "none of (" + "; ".join(item.why_not(fields) for item in self.items) + ")"

    def describe(self) -> str:
        return "any of (" + "; ".join(item.describe() for item in self.items) + ")"


@dataclass(frozen=True, kw_only=True, slots=True)
class Not:
    item: Condition

    def matches(self, fields: Mapping[str, object]) -> bool:
        return not self.item.matches(fields)

    def why_not(self, fields: Mapping[str, object]) -> str:
        return f"not ({self.item.describe()}): it matched"

    def describe(self) -> str:
        return f"not ({self.item.describe()})"


Predicate = Callable[[Mapping[str, object]], bool]


def predicate(condition: Condition) -> Predicate:
    """The condition as one plain function of the fields, same answers as `matches`.

    Nested `all`/`any`/`not` become nested closures, and a field test reads its field directly:
    no generator or method lookup per test, which matters when every lead is tried against
    every rule.
    """
    if isinstance(condition, Always):
        return _always
    if isinstance(condition, FieldTest) and not condition._dotted:
        return _field_predicate(condition)
    if isinstance(condition, AllOf | AnyOf):
        parts = tuple(predicate(item) for item in condition.items)
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 2:
            first, second = parts
            if isinstance(condition, AllOf):
                return lambda fields: first(fields) and second(fields)
            return lambda fields: first(fields) or second(fields)
        if isinstance(condition, AllOf):
            return lambda fields: all(part(fields) for part in parts)
        return lambda fields: any(part(fields) for part in parts)
    if isinstance(condition, Not):
        inner = predicate(condition.item)
        return lambda fields: not inner(fields)
    return condition.matches


def _always(fields: Mapping[str, object]) -> bool:
    return True


def _field_predicate(test: FieldTest) -> Predicate:
    name, check = test.field, test._test
    if test.operator.accepts_missing:
        return lambda fields: check(fields.get(name))

    def present_and_passes(fields: Mapping[str, object]) -> bool:
        value = fields.get(name)
        return value is not None and check(value)

    return present_and_passes
