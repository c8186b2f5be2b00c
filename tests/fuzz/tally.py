"""How many fuzz cases ran, per pass, and how many of the HTTP ones the server answered with a
5xx; printed at the end of the session (tests/fuzz/conftest.py) for docs/RELIABILITY.md."""

from __future__ import annotations

import os
from collections import Counter

CASES: Counter[str] = Counter()
SERVER_ERRORS: Counter[str] = Counter()
ENGINE: Counter[str] = Counter()


def record(run: str, status: int) -> None:
    """One HTTP case of the pass `run` (admin, rep, auditor, intake) and its status."""
    CASES[run] += 1
    if status >= 500:
        SERVER_ERRORS[run] += 1


def count(what: str, number: int = 1) -> None:
    """Engine cases: routing files loaded or refused, leads routed, payloads normalised."""
    ENGINE[what] += number


def summary() -> list[str]:
    """`fuzz: 1234 cases (admin 800, ...), 0 server errors (derandomized)` when HTTP cases
    ran, `fuzz engine: 279 broken routing files refused, ...` when engine cases ran. A case the
    app raised on counts as a server error; so do the replays of a failing case while
    Hypothesis shrinks it (a failing test, which the run reports anyway)."""
    seed = os.environ.get("LEADROUTE_FUZZ_SEED")
    how = f"seed {seed}" if seed is not None else "derandomized"
    lines = []
    if CASES:
        runs = ", ".join(f"{run} {number}" for run, number in sorted(CASES.items()))
        errors = sum(SERVER_ERRORS.values())
        lines.append(f"fuzz: {sum(CASES.values())} cases ({runs}), {errors} server errors ({how})")
    if ENGINE:
        parts = ", ".join(f"{number} {what}" for what, number in sorted(ENGINE.items()))
        lines.append(f"fuzz engine: {parts} (derandomized)")
    return lines
