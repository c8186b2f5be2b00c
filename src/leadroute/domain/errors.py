"""The one exception root of leadroute and the errors of the pure core."""

from __future__ import annotations

from dataclasses import dataclass


class LeadrouteError(Exception):
    """Root of every error leadroute raises on purpose."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Problem:
    """One thing wrong with an input, located by a path such as `routing[2].assign.select`."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InvalidInput(LeadrouteError):
    """An input (routing file, condition, scenario, lead) has one or more problems."""

    def __init__(self, problems: list[Problem], *, source: str = "") -> None:
        self.problems = problems
        self.source = source
        lines = [str(p) for p in problems]
        prefix = f"{source}: " if source else ""
        super().__init__("\n".join(prefix + line for line in lines))


class RoutingFileError(InvalidInput):
    """The routing file is not valid; every problem names its path."""


class ConditionError(InvalidInput):
    """A condition (`when:`) is not valid."""


class ScenarioError(InvalidInput):
    """A replay scenario line is not valid."""


def join_path(base: str, part: str | int) -> str:
    """`join_path("routing", 2)` is `routing[2]`; `join_path("routing[2]", "when")` adds `.when`."""
    if isinstance(part, int):
        return f"{base}[{part}]"
    return f"{base}.{part}" if base else part
