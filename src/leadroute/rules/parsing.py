"""Parse `when:` data into Condition objects, collecting every problem with its path."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from leadroute.domain.errors import ConditionError, Problem, join_path
from leadroute.rules.conditions import ALWAYS, AllOf, AnyOf, Condition, FieldTest, Not
from leadroute.rules.operators import OPERATORS, OperandError

_COMBINERS = ("all", "any", "not")
_LEAF_KEYS = ("field", "case_sensitive")


def parse_condition(raw: object, path: str = "when") -> Condition:
    """Parse a condition or raise ConditionError listing every problem (paths start at `path`)."""
    problems: list[Problem] = []
    condition = _parse(raw, path, problems)
    if problems:
        raise ConditionError(problems)
    return condition


def condition_problems(raw: object, path: str = "when") -> list[Problem]:
    """Every problem of a condition, empty when it is valid."""
    problems: list[Problem] = []
    _parse(raw, path, problems)
    return problems


def suggest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """` (did you mean 'x'?)` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _parse(raw: object, path: str, problems: list[Problem]) -> Condition:
    if not isinstance(raw, Mapping):
        problems.append(Problem(path=path, message=f"expected a condition mapping, got {raw!r}"))
        return ALWAYS
    keys = [str(k) for k in raw]
    combiners = [k for k in keys if k in _COMBINERS]
    if combiners:
        if len(keys) != 1:
            others = ", ".join(k for k in keys if k != combiners[0])
            problems.append(
                Problem(
                    path=path,
                    message=f"'{combiners[0]}' must stand alone (also found: {others})",
                )
            )
            return ALWAYS
        return _parse_combiner(
            combiners[0], raw[combiners[0]], join_path(path, combiners[0]), problems
        )
    return _parse_leaf(raw, keys, path, problems)


def _parse_combiner(key: str, body: object, path: str, problems: list[Problem]) -> Condition:
    if key == "not":
        return Not(item=_parse(body, path, problems))
    if not isinstance(body, list) or not body:
        problems.append(Problem(path=path, message="expected a non-empty list of conditions"))
        return ALWAYS
    items = tuple(_parse(item, join_path(path, i), problems) for i, item in enumerate(body))
    return AllOf(items=items) if key == "all" else AnyOf(items=items)


def _parse_leaf(
    raw: Mapping[object, object], keys: list[str], path: str, problems: list[Problem]
) -> Condition:
    before = len(problems)
    field = raw.get("field")
    if field is None:
        problems.append(Problem(path=path, message="missing 'field' (or use all/any/not)"))
    elif not isinstance(field, str) or not field.strip():
        problems.append(Problem(path=join_path(path, "field"), message="expected a field name"))
    case_sensitive = raw.get("case_sensitive", False)
    if not isinstance(case_sensitive, bool):
        problems.append(
            Problem(path=join_path(path, "case_sensitive"), message="expected true or false")
        )
        case_sensitive = False
    op_keys = [k for k in keys if k not in _LEAF_KEYS]
    known = list(OPERATORS) + list(_LEAF_KEYS) + list(_COMBINERS)
    for key in op_keys:
        if key not in OPERATORS:
            problems.append(
                Problem(
                    path=join_path(path, key),
                    message=f"unknown operator {key!r}{suggest(key, known)}",
                )
            )
    valid_ops = [k for k in op_keys if k in OPERATORS]
    if not op_keys:
        problems.append(
            Problem(path=path, message=f"missing an operator (one of {', '.join(OPERATORS)})")
        )
    elif len(valid_ops) > 1:
        problems.append(
            Problem(
                path=path,
                message=f"one operator per condition (found {', '.join(valid_ops)}); "
                "combine several with all:",
            )
        )
    if len(problems) > before or not valid_ops:
        return ALWAYS
    name = valid_ops[0]
    operator = OPERATORS[name]
    try:
        operand = operator.prepare(raw[name], case_sensitive)
    except OperandError as error:
        problems.append(Problem(path=join_path(path, name), message=str(error)))
        return ALWAYS
    return FieldTest(
        field=str(field).strip(),
        operator=operator,
        operand=operand,
        written=raw[name],
        case_sensitive=case_sensitive,
    )
