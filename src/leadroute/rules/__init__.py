"""The condition language of routing rules: parse (with path-pointing errors), evaluate, explain."""

from leadroute.rules.conditions import ALWAYS, Condition
from leadroute.rules.operators import OPERATORS, Operator
from leadroute.rules.parsing import condition_problems, parse_condition

__all__ = ["ALWAYS", "OPERATORS", "Condition", "Operator", "condition_problems", "parse_condition"]
