"""Shared pytest fixtures."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import (
    NO_POSTGRES,
    fresh_postgres_database,
    in_ci,
    postgres_server_url,
    sqlite_url,
)


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A SQLAlchemy URL of a fresh, empty database: a SQLite file, then a PostgreSQL database
    created for this test and dropped after it. Without a PostgreSQL server the PostgreSQL case
    skips, except on CI (CI=true) where it fails."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        gc.collect()  # a connection the test left open is reported here, not in a later test
        return
    server = postgres_server_url()
    if server is None:
        if in_ci():
            pytest.fail(NO_POSTGRES, pytrace=False)
        pytest.skip(NO_POSTGRES)
    with fresh_postgres_database(server) as url:
        yield url
        gc.collect()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Move everything imported and collected so far (leadroute, SQLAlchemy, matplotlib, ...)
    out of the collector's reach: the `gc.collect()` after each database test then scans only
    what tests made, not every module object again (it took ~0.8 s a test)."""
    gc.collect()
    gc.freeze()
