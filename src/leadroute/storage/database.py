"""Connecting to the database: SQLite (WAL, `BEGIN IMMEDIATE` for writes) or PostgreSQL.

`Database.writing()` is the one way to change shared routing state: on SQLite the transaction
starts with `BEGIN IMMEDIATE` (one writer at a time, readers go on under WAL); on PostgreSQL it
locks the `routing_state` row (`SELECT ... FOR UPDATE`), so routing decisions, claims and
assignments happen one after another and each sees the turns and counts the last one left.
Either way the row's values are kept in the session (storage/state.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from leadroute.storage.state import take_stamp
from leadroute.storage.write_lock import FileLock

_WRITE = "leadroute_write"


# How long a thread waits for its process's turn to write before giving up (the same as
# SQLite's busy timeout): a writer stuck that long is a bug, which must fail, not hang.
WRITER_WAIT_SECONDS = 30.0


class WriterBusy(RuntimeError):
    """Another thread of this process held the routing lock past WRITER_WAIT_SECONDS."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Database:
    engine: Engine
    sessions: sessionmaker[Session]
    # One writing transaction at a time per process: the threads of a process queue here,
    # waking the moment the last one commits, rather than in SQLite's busy-retry sleeps (up to
    # 100 ms each) or as PostgreSQL backends waiting on the same row, each holding a pooled
    # connection meanwhile. Processes still serialize on the database's own lock.
    writer: threading.Lock = field(default_factory=threading.Lock)
    # SQLite file databases: the processes sharing the file queue on a lock file beside it
    # (storage/write_lock.py) before `BEGIN IMMEDIATE`, so the next writer starts within a
    # fraction of a millisecond of the last commit instead of after SQLite's busy sleeps.
    file_lock: FileLock | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A transaction that holds the routing lock until it commits (or rolls back). Its
        session comes from `sessions`, so session events registered there apply (the outbox)."""
        if not self.writer.acquire(timeout=WRITER_WAIT_SECONDS):
            raise WriterBusy(
                f"no turn to write within {WRITER_WAIT_SECONDS:g} s: another thread of this "
                "process holds the routing lock (a writing transaction inside another?)"
            )
        try:
            with self._file_turn(), self._transaction() as session:
                yield session
        finally:
            self.writer.release()

    @contextmanager
    def _file_turn(self) -> Iterator[None]:
        if self.file_lock is None:
            yield
            return
        with self.file_lock.held(timeout=WRITER_WAIT_SECONDS):
            yield

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        with self.engine.connect() as plain:
            connection = plain.execution_options(**{_WRITE: True})
            with self.sessions(bind=connection) as session, session.begin():
                take_stamp(session, lock=not self.is_sqlite)
                yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction (a consistent snapshot on PostgreSQL and under WAL)."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()

    def checkpoint(self) -> bool:
        """SQLite: copy the write-ahead log into the database file and truncate the log to zero
        bytes, so pages written before an erasure no longer sit in `-wal` (docs/PRIVACY.md).
        True when the log was emptied (False on PostgreSQL, or when a reader held it)."""
        if not self.is_sqlite:
            return False
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy = cursor.fetchone()
            cursor.close()
        finally:
            raw.close()
        return busy is not None and busy[0] == 0


def connect(url: str, *, echo: bool = False) -> Database:
    """Open (lazily) the database at a SQLAlchemy URL; nothing connects until first use."""
    parsed = make_url(url)
    # Bound values never appear in SQL logging nor in the text of database errors, which the
    # worker logs: they are leads' personal data (docs/PRIVACY.md).
    options: dict[str, Any] = {"echo": echo, "future": True, "hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        options["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        options["pool_pre_ping"] = True
        options["pool_size"] = 10
        options["max_overflow"] = 20
    engine = create_engine(parsed, **options)
    file_lock = None
    if parsed.get_backend_name() == "sqlite":
        _sqlite_setup(engine)
        path = parsed.database
        if path and path != ":memory:" and not path.startswith("file:"):
            file_lock = FileLock(f"{path}-write.lock")
    return Database(
        engine=engine, sessions=sessionmaker(engine, expire_on_commit=False), file_lock=file_lock
    )


def _sqlite_setup(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, zeroed free space, and transactions this module
    begins itself.

    `secure_delete` overwrites deleted and moved content with zeros, so an erased lead's old
    values do not stay readable in free pages or free space inside pages of the file.

    pysqlite's own transaction handling would start write transactions late (at the first
    write), which lets two routing calls read the same turn; `BEGIN IMMEDIATE` takes the write
    lock before the first read.
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
