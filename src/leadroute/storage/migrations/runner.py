"""Run the Alembic migrations shipped in this package against a database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import insert, select

from leadroute.storage.database import Database
from leadroute.storage.tables import RoutingState

HERE = Path(__file__).parent


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(database: Database) -> list[str]:
    """Bring the schema to the newest revision; return the revisions applied (oldest first)."""
    url = database.engine.url.render_as_string(hide_password=False)
    config = alembic_config(url)
    before = current_revision(database)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    script = ScriptDirectory.from_config(config)
    applied = [
        rev.revision
        for rev in script.iterate_revisions("head", before or "base")
        if rev.revision != before
    ]
    with database.writing() as session:
        if session.scalar(select(RoutingState.id).where(RoutingState.id == 1)) is None:
            session.execute(insert(RoutingState).values(id=1, sequence=0, version=None))
    return list(reversed(applied))


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def pending(database: Database) -> bool:
    """True when the database lacks a revision this package ships."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return current_revision(database) != script.get_current_head()
