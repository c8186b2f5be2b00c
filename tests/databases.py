"""Plain helpers for tests that need a real database: SQLite files and throwaway PostgreSQL
databases on the server that scripts/test starts (see scripts/_postgres)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

POSTGRES_URL_ENV = "LEADROUTE_TEST_POSTGRES_URL"
NO_POSTGRES = (
    f"{POSTGRES_URL_ENV} is not set: scripts/test starts a throwaway PostgreSQL server and sets it "
    "(or point it at a server of your own, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/x)"
)


def in_ci() -> bool:
    """True on CI, where tests needing PostgreSQL must fail rather than skip without a server."""
    return os.environ.get("CI") == "true"


def postgres_server_url() -> str | None:
    """The SQLAlchemy URL of the PostgreSQL server for tests, or None when there is none."""
    return os.environ.get(POSTGRES_URL_ENV) or None


def sqlite_url(directory: Path) -> str:
    """A SQLAlchemy URL for a new SQLite database file in `directory`."""
    return f"sqlite:///{directory}/leadroute.db"


def _libpq_url(url: URL) -> str:
    """The same database as a plain libpq URL that psycopg.connect accepts."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def fresh_postgres_database(server_url: str) -> Iterator[str]:
    """Create an empty, uniquely named database on the server at `server_url`, yield its
    SQLAlchemy URL, and drop it (closing any connections left open) afterwards."""
    server = make_url(server_url)
    name = f"lr_{secrets.token_hex(8)}"
    admin = _libpq_url(server)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
