"""The `database_url` fixture gives a working, empty database on SQLite and on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text


def test_the_database_answers_and_starts_empty(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("select 1")).scalar_one() == 1
            assert inspect(conn).get_table_names() == []
            if engine.dialect.name == "postgresql":
                version = conn.execute(text("show server_version_num")).scalar_one()
                assert int(version) >= 120000
    finally:
        engine.dispose()
