"""Filling a migrated database with N stored leads fast: plausible rows written in bulk.

Per lead: one `leads` row, one decision, two or three events, one timer; owned leads (85%) an
open assignment, every fifth of them an earlier ended one too; 10% wait in the pool `inbox`,
15% are won or lost. Five leads share each company (an e-mail domain and a name), so
`account_keys` holds one key per domain and per name, and one company in 50 is an account.
Owners are spread over `OWNERS` reps (`r0000`, ...) by company: company `c` belongs to rep
`c % OWNERS` (`owner_of`).

SQLite gets `executemany` in big batches with `PRAGMA synchronous=OFF`; PostgreSQL gets COPY.
Rows are generated lazily (a million leads never sit in memory) from a seeded generator.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice
from random import Random
from typing import Any

from sqlalchemy.engine import Engine

from leadroute.domain.reps import CAP_WINDOWS
from leadroute.routing.windows import window_start

OWNERS = 1000
PER_COMPANY = 5
SPREAD = timedelta(days=365)  # stored leads arrived during the year before `now`
POOL = "inbox"
_BATCH = 20_000
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

Row = tuple[Any, ...]


def rep_id(number: int) -> str:
    return f"r{number:04d}"


def lead_email(number: int, count: int) -> str:
    """The e-mail of stored lead `number` (its domain is its company's)."""
    return f"p{number}@c{company_of(number, count)}.example.com"


def company_of(number: int, count: int) -> int:
    return number % max(1, count // PER_COMPANY)


def kind_of(number: int) -> str:
    """`routed` (owned, open), `pooled` or `closed` (owned, won or lost), by the lead's number."""
    slot = number % 20
    return "pooled" if slot < 2 else "closed" if slot < 5 else "routed"


def owner_of(number: int, count: int) -> int:
    """The number of the rep who owns (or owned) stored lead `number`: every lead of a company
    has the same owner."""
    return company_of(number, count) % OWNERS


def fill(engine: Engine, count: int, *, now: datetime, seed: int = 1) -> None:
    """Store `count` leads and everything that goes with them (see the module's docstring)."""
    writer = _Writer(engine)
    try:
        ids = _lead_ids(count, now, seed)
        writer.write("leads", _LEAD_COLUMNS, _leads(count, ids, now))
        writer.write("decisions", _DECISION_COLUMNS, _decisions(count, ids, now))
        writer.write("assignments", _ASSIGNMENT_COLUMNS, _assignments(count, ids, now))
        writer.write("events", _EVENT_COLUMNS, _events(count, ids, now))
        writer.write("timers", _TIMER_COLUMNS, _timers(count, ids, now))
        writer.write("account_keys", ("key", "lead_id"), _account_keys(count, ids))
        writer.write("accounts", _ACCOUNT_COLUMNS, _accounts(count, now))
        writer.write("account_domains", ("domain", "account_id"), _account_domains(count))
        writer.finish()
    finally:
        writer.close()


def received(number: int, count: int, now: datetime) -> datetime:
    return now - SPREAD + SPREAD * (number + 1) / (count + 1)


def _lead_ids(count: int, now: datetime, seed: int) -> list[str]:
    rng = Random(seed)
    ids = []
    for number in range(count):
        value = (int(received(number, count, now).timestamp() * 1000) << 80) | rng.getrandbits(80)
        chars = []
        for _ in range(26):
            value, digit = divmod(value, 32)
            chars.append(_ALPHABET[digit])
        ids.append("".join(reversed(chars)))
    return ids


_LEAD_COLUMNS = (
    "id", "received_at", "source", "fields", "raw", "issues", "custom", "status", "owner",
    "pool", "pool_entered", "rule", "score", "routing_version", "closed_at", "updated_at",
    "pooled_at", "offered", "timers", "grade", "email_key", "phone_key", "company_key",
    "account_id", "sla_started_at", "reassignments", "past_owners",
)  # fmt: skip


def _leads(count: int, ids: Sequence[str], now: datetime) -> Iterator[Row]:
    for number, lead_id in enumerate(ids):
        at = received(number, count, now)
        company = company_of(number, count)
        email = lead_email(number, count)
        phone = f"+1415{number:07d}"
        fields = {
            "email": email,
            "phone": phone,
            "first_name": f"Pat{number}",
            "company": f"Company {company}",
            "company_size": 10 + number % 5000,
            "country": "US",
            "region": "US-CA",
            "source": "web",
        }
        kind = kind_of(number)
        owner = None if kind == "pooled" else rep_id(owner_of(number, count))
        status = {"pooled": "routed", "closed": "won" if number % 2 else "lost"}.get(kind, kind)
        yield (
            lead_id, at, "web", json.dumps(fields), json.dumps(fields), "[]", "[]", status,
            owner, POOL if kind == "pooled" else None, number if kind == "pooled" else None,
            "pool" if kind == "pooled" else "rotation", float(number % 100), 1,
            at + timedelta(days=3) if kind == "closed" else None, at,
            at if kind == "pooled" else None, "[]", 1, None, email, phone,
            f"c{company}.example.com|company {company}", None,
            None if owner is None else at, 0, json.dumps([owner] if owner else []),
        )  # fmt: skip


_DECISION_COLUMNS = ("lead_id", "at", "routing_version", "rule", "rep", "pool", "reason", "trace")
_TRACE = json.dumps([{"rule": "rotation", "matched": True, "candidates": 3}])


def _decisions(count: int, ids: Sequence[str], now: datetime) -> Iterator[Row]:
    for number, lead_id in enumerate(ids):
        pooled = kind_of(number) == "pooled"
        yield (
            lead_id,
            received(number, count, now),
            1,
            "pool" if pooled else "rotation",
            None if pooled else rep_id(owner_of(number, count)),
            POOL if pooled else None,
            "routed",
            _TRACE,
        )


_ASSIGNMENT_COLUMNS = ("lead_id", "rep_id", "rule", "assigned_at", "ended_at", "end_reason")


def _assignments(count: int, ids: Sequence[str], now: datetime) -> Iterator[Row]:
    for number, lead_id in enumerate(ids):
        if kind_of(number) == "pooled":
            continue
        at = received(number, count, now)
        if number % 5 == 0:  # handed over once before
            earlier = rep_id((owner_of(number, count) + 1) % OWNERS)
            yield (lead_id, earlier, "rotation", at, at + timedelta(hours=1), "reassigned")
        yield (lead_id, rep_id(owner_of(number, count)), "rotation", at, None, None)


_EVENT_COLUMNS = ("lead_id", "rep_id", "type", "at", "actor", "reason", "data")


def _events(count: int, ids: Sequence[str], now: datetime) -> Iterator[Row]:
    for number, lead_id in enumerate(ids):
        at = received(number, count, now)
        kind = kind_of(number)
        owner = None if kind == "pooled" else rep_id(owner_of(number, count))
        yield (lead_id, None, "lead.received", at, "key:bench", None, "{}")
        routed = "lead.pooled" if owner is None else "lead.assigned"
        yield (lead_id, owner, routed, at, "key:bench", "routed", '{"rule": "rotation"}')
        if kind == "closed":
            yield (lead_id, owner, "lead.closed", at + timedelta(days=3), owner, None, "{}")


_TIMER_COLUMNS = ("lead_id", "kind", "due_at", "rep_id", "pool", "number", "created_at")
_FIRED_COLUMNS = ("fired_at", "outcome")


def _timers(count: int, ids: Sequence[str], now: datetime) -> Iterator[Row]:
    for number, lead_id in enumerate(ids):
        at = received(number, count, now)
        if kind_of(number) == "pooled":
            yield (lead_id, "pool_wait", at + timedelta(days=1), None, POOL, 1, at, None, None)
        else:
            due, owner = at + timedelta(hours=1), rep_id(owner_of(number, count))
            yield (lead_id, "sla", due, owner, None, 1, at, due, "done")


def _account_keys(count: int, ids: Sequence[str]) -> Iterator[Row]:
    """Per company, its latest owned lead under its domain and its name."""
    companies = max(1, count // PER_COMPANY)
    for company in range(min(companies, count)):
        numbers = range(company, count, companies)
        owned = [n for n in numbers if kind_of(n) != "pooled"]
        if owned:
            yield (f"domain:c{company}.example.com", ids[owned[-1]])
            yield (f"company:company {company}", ids[owned[-1]])


_ACCOUNT_COLUMNS = (
    "id", "name", "name_key", "domains", "owner", "created_at", "updated_at",
)  # fmt: skip


def _accounts(count: int, now: datetime) -> Iterator[Row]:
    for company in range(0, max(1, count // PER_COMPANY), 50):
        domains = json.dumps([f"c{company}.example.com"])
        owner = rep_id(company % OWNERS)
        yield (f"a{company}", f"Company {company}", f"company {company}", domains, owner, now, now)


def _account_domains(count: int) -> Iterator[Row]:
    for company in range(0, max(1, count // PER_COMPANY), 50):
        yield (f"c{company}.example.com", f"a{company}")


class _Writer:
    """Bulk rows into one database: COPY on PostgreSQL, big executemany batches on SQLite."""

    def __init__(self, engine: Engine) -> None:
        self.sqlite = engine.dialect.name == "sqlite"
        self.raw = engine.raw_connection()
        if self.sqlite:
            self.raw.driver_connection.execute("PRAGMA synchronous=OFF")  # type: ignore[union-attr]

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Row]) -> None:
        if table == "timers":
            columns = (*columns, *_FIRED_COLUMNS)
        names = ", ".join(f'"{name}"' for name in columns)
        if not self.sqlite:
            cursor = self.raw.driver_connection.cursor()  # type: ignore[union-attr]
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO {table} ({names}) VALUES ({marks})"
        cursor = self.raw.cursor()
        iterator = iter(rows)
        while batch := [_for_sqlite(row) for row in islice(iterator, _BATCH)]:
            cursor.executemany(statement, batch)
        cursor.close()

    def finish(self) -> None:
        """Commit; on PostgreSQL, gather statistics as autovacuum would in time."""
        self.raw.commit()
        if not self.sqlite:
            cursor = self.raw.driver_connection.cursor()  # type: ignore[union-attr]
            self.raw.driver_connection.autocommit = True  # type: ignore[union-attr]
            cursor.execute("VACUUM ANALYZE")
            self.raw.driver_connection.autocommit = False  # type: ignore[union-attr]

    def close(self) -> None:
        """Give the connection back to the pool as `connect` made it."""
        if self.sqlite:
            self.raw.driver_connection.execute("PRAGMA synchronous=NORMAL")  # type: ignore[union-attr]
        self.raw.close()


def _for_sqlite(row: Row) -> Row:
    """Datetimes as SQLAlchemy's SQLite columns store them: naive UTC text."""
    return tuple(
        value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, datetime)
        else value
        for value in row
    )


def reset_rep_state(engine: Engine, reps: int, rules: Sequence[str], *, now: datetime) -> None:
    """Put the state tables of `reps` reps in place (and only theirs): loads, cap counters of
    this week, rotations of `rules`, an availability row for one rep in twenty."""
    writer = _Writer(engine)
    try:
        cursor = writer.raw.cursor()
        for table in ("rep_loads", "cap_counters", "rotations", "rep_status"):
            cursor.execute(f"DELETE FROM {table}")
        cursor.close()
        ids = [rep_id(number) for number in range(reps)]
        writer.write(
            "rep_loads",
            ("rep_id", "open", "last_sequence"),
            ((rep, 30, number) for number, rep in enumerate(ids)),
        )
        # The windows `now` is in (reps work in UTC): the counters hold, nothing to recount.
        starts = {window: window_start(window, now, UTC) for window in CAP_WINDOWS}
        last_at = now - timedelta(minutes=1)
        writer.write(
            "cap_counters",
            ("rep_id", "window", "starts", "count", "last_at"),
            ((rep, window, starts[window], 3, last_at) for rep in ids for window in CAP_WINDOWS),
        )
        writer.write(
            "rotations",
            ("rule", "rep_id", "last_sequence", "credit"),
            ((rule, rep, number, 0.0) for rule in rules for number, rep in enumerate(ids)),
        )
        writer.write(
            "rep_status",
            ("rep_id", "availability", "until", "changed_at", "changed_by"),
            ((rep, "available", None, last_at, "bench") for rep in ids[::20]),
        )
        writer.raw.commit()
    finally:
        writer.close()


def empty(engine: Engine) -> None:
    """Remove every stored lead and what goes with it (the schema, keys and routing stay)."""
    tables = (
        "account_domains", "accounts", "account_keys", "timers", "events", "assignments",
        "decisions", "deliveries", "idempotency_keys", "activities", "leads",
    )  # fmt: skip
    with engine.begin() as connection:
        for table in tables:
            connection.exec_driver_sql(f"DELETE FROM {table}")
