"""Counting what a piece of code asks the database: statements, transactions, pings.

    with counting(database.engine) as counts:
        take_lead(...)
    counts.round_trips, counts.by_text

Statements are counted with SQLAlchemy's `before_cursor_execute` event: one per cursor call, an
`executemany` (the ORM inserting several rows of one table at a flush) counts as one call and
is also counted in `executemany`. Transactions are counted with the `begin`, `commit` and
`rollback` events. On SQLite `Database.writing()` sends `BEGIN IMMEDIATE` as a statement
itself (counted once, as a begin); on PostgreSQL psycopg sends `BEGIN` on its own before the
first statement, and `Database.writing()` then locks the `routing_state` row (a statement).
With `pool_pre_ping` (PostgreSQL) every checkout of a pooled connection pings the server: a
round trip that no cursor event sees, counted in `pings`.

Used by tests/integration/test_round_trips.py and benchmarks/roundtrips.py.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

_BEGIN = re.compile(r"\s*BEGIN\b", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_PLACEHOLDERS = re.compile(r"\(\s*(?:\?|%\(\w+\)s|__\[POSTCOMPILE_\w+\])(?:\s*,\s*\S+?)*\s*\)")
_ROWS = re.compile(r"\(\.\.\.\)(?:, \(\.\.\.\))+")


@dataclass(kw_only=True)
class Counts:
    """What was sent to the database while counting."""

    statements: int = 0  # cursor calls, BEGIN statements excluded (they are `begins`)
    executemany: int = 0  # of `statements`, those that sent several parameter sets
    begins: int = 0
    commits: int = 0
    rollbacks: int = 0
    pings: int = 0  # pre-ping on checkout (PostgreSQL)
    by_text: Counter[str] = field(default_factory=Counter)

    @property
    def round_trips(self) -> int:
        """Every exchange with the server: statements, BEGINs, COMMITs, ROLLBACKs, pings."""
        return self.statements + self.begins + self.commits + self.rollbacks + self.pings

    def as_dict(self) -> dict[str, int]:
        return {
            "round_trips": self.round_trips,
            "statements": self.statements,
            "executemany": self.executemany,
            "begins": self.begins,
            "commits": self.commits,
            "rollbacks": self.rollbacks,
            "pings": self.pings,
        }


def shape_of(statement: str) -> str:
    """The statement's text on one line, with IN lists and VALUES tuples folded, so the same
    query with more parameters is counted as the same statement."""
    folded = _PLACEHOLDERS.sub("(...)", _SPACES.sub(" ", statement).strip())
    return _ROWS.sub("(...)", folded)


@contextmanager
def counting(engine: Engine) -> Iterator[Counts]:
    """Count what `engine` sends while the block runs (every connection, every thread)."""
    counts = Counts()
    pre_ping = bool(getattr(engine.pool, "_pre_ping", False))

    def on_execute(
        _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, many: bool
    ) -> None:
        if _BEGIN.match(statement):
            return  # counted by on_begin
        counts.statements += 1
        counts.executemany += many
        counts.by_text[shape_of(statement)] += 1

    def on_begin(_conn: Any) -> None:
        counts.begins += 1

    def on_commit(_conn: Any) -> None:
        counts.commits += 1

    def on_rollback(_conn: Any) -> None:
        counts.rollbacks += 1

    def on_checkout(*_args: Any) -> None:
        counts.pings += pre_ping

    listeners: list[tuple[Any, str, Any]] = [
        (engine, "before_cursor_execute", on_execute),
        (engine, "begin", on_begin),
        (engine, "commit", on_commit),
        (engine, "rollback", on_rollback),
        (engine.pool, "checkout", on_checkout),
    ]
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    try:
        yield counts
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)
