"""The fuzz tally printed at the end of the run, even under `-q` (docs/RELIABILITY.md quotes
it)."""

from __future__ import annotations

import pytest

from tests.fuzz import tally


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in tally.summary():
        terminalreporter.write_line(line)
