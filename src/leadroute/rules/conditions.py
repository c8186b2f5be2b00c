"""Parsed conditions: evaluate against a lead's fields, and explain a failure in words."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from leadroute.rules import values as v
from leadroute.rules.operators import Operator


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

    def matches(self, fields: Mapping[str, object]) -> bool:
        value = fields.get(self.field) if "." not in self.field else v.lookup(fields, self.field)
        if value is None and not self.operator.accepts_missing:
            return False
        return self.operator.test(value, self.operand, self.case_sensitive)

    def why_not(self, fields: Mapping[str, object]) -> str:
        value = v.lookup(fields, self.field)
        if value is None and not self.operator.accepts_missing:
            return f"{self.describe()}: field missing"
        return f"{self.describe()}: was {v.show(value)}"

    def describe(self) -> str:
        operand = self.written.pattern if isinstance(self.written, re.Pattern) else self.written
        return f"{self.field} {self.operator.name} {v.show(operand)}"


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
