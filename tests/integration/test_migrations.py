"""The Alembic migrations build exactly the schema of `storage/tables.py`, and a database made
by the first release (revision 0001) upgrades to the newest one keeping its leads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from leadroute.services.lifecycle import record_event
from leadroute.services.principals import SYSTEM
from leadroute.settings import Settings
from leadroute.storage.database import Database, connect
from leadroute.storage.migrations.runner import alembic_config, current_revision, upgrade
from leadroute.storage.tables import AssignmentRow, Base, LeadRow, RepLoad
from tests.api.conftest import Clock, start_migrated

RECEIVED = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
TOUCHED = RECEIVED + timedelta(minutes=7)


def differences(database: Database, **options: Any) -> list[Any]:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=options)
        return list(compare_metadata(context, Base.metadata))


def revisions() -> list[str]:
    """Every migration, oldest first (they are numbered 0001, 0002, ...)."""
    folder = Path(__file__).parents[2] / "src/leadroute/storage/migrations/versions"
    return sorted(path.name[:4] for path in folder.glob("[0-9][0-9][0-9][0-9]_*.py"))


def test_the_migrated_schema_is_the_models_schema(database_url: str) -> None:
    database = connect(database_url)
    try:
        assert upgrade(database) == revisions()
        assert current_revision(database) == revisions()[-1]
        assert differences(database) == []
        assert differences(database, compare_type=True) == []
    finally:
        database.dispose()


def test_the_migrated_server_defaults_are_the_models(database_url: str) -> None:
    """Every server default a migration sets (`assignments.counted`, `leads.timers`, ...) is
    declared by the model too, so autogenerate sees no change."""
    database = connect(database_url)
    try:
        upgrade(database)
        found = differences(database, compare_server_default=True)
        assert [(d[0][0], d[0][2], d[0][3]) for d in found] == [], found
    finally:
        database.dispose()


def _upgrade_to(database: Database, revision: str) -> None:
    config = alembic_config(database.engine.url.render_as_string(hide_password=False))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _as_of(connection: sa.Connection, model: type[Base]) -> sa.Table:
    """The model's table restricted to the columns the database has now (with the model's
    types, so times are stored the way leadroute stores them)."""
    present = {column["name"] for column in sa.inspect(connection).get_columns(model.__tablename__)}
    columns = [
        sa.Column(column.name, column.type, primary_key=column.primary_key)
        for column in model.__table__.columns
        if column.name in present
    ]
    return sa.Table(model.__tablename__, sa.MetaData(), *columns)


def test_a_first_release_database_upgrades_keeping_its_leads(
    database_url: str, tmp_path: Path
) -> None:
    database = connect(database_url)
    try:
        _upgrade_to(database, "0001")
        assert current_revision(database) == "0001"
        with database.engine.begin() as connection:
            leads = _as_of(connection, LeadRow)
            assert "offered" not in leads.c
            connection.execute(
                leads.insert().values(
                    id="L1",
                    received_at=RECEIVED,
                    source="web",
                    external_id="ext-1",
                    fields={"email": "ana@acme.com", "company": "Acme"},
                    raw={"email": "ana@acme.com", "company": "Acme"},
                    issues=[],
                    custom=[],
                    status="touched",
                    owner="sam",
                    rule="inbound rotation",
                    score=12.5,
                    routing_version=1,
                    touched_at=TOUCHED,
                    updated_at=TOUCHED,
                )
            )
            connection.execute(
                _as_of(connection, AssignmentRow)
                .insert()
                .values(lead_id="L1", rep_id="sam", rule="inbound rotation", assigned_at=RECEIVED)
            )
            connection.execute(_as_of(connection, RepLoad).insert().values(rep_id="sam", open=1))
        assert upgrade(database) == revisions()[1:]
        with database.reading() as session:
            lead = session.get(LeadRow, "L1")
            assert lead is not None
            assert (lead.status, lead.owner, lead.score, lead.source) == (
                "touched",
                "sam",
                12.5,
                "web",
            )
            assert lead.fields == {"email": "ana@acme.com", "company": "Acme"}
            assert (lead.received_at, lead.touched_at) == (RECEIVED, TOUCHED)
            assert lead.offered is None  # read as "offered to nobody"
            assert lead.last_touched_at == TOUCHED  # carried over from touched_at
            assert (lead.pooled_at, lead.claimed_from, lead.qualified_by) == (None, None, None)
            assignment = session.scalars(sa.select(AssignmentRow)).one()
            assert (assignment.rep_id, assignment.counted, assignment.ended_at) == (
                "sam",
                True,
                None,
            )
    finally:
        database.dispose()
    routing = tmp_path / "routing.yaml"
    routing.write_text(
        "timezone: UTC\nreps:\n  - {id: sam, teams: [inbound]}\n"
        "routing:\n  - name: inbound rotation\n    assign: {team: inbound}\n",
        encoding="utf-8",
    )
    clock = Clock(now=TOUCHED + timedelta(hours=1))
    runtime = start_migrated(Settings(database_url=database_url, routing=routing), clock)
    try:
        won = record_event(runtime=runtime, lead_id="L1", kind="won", caller=SYSTEM, now=clock.now)
        assert (won["status"], won["owner"], won["offered"]) == ("won", "sam", [])
        assert [entry["type"] for entry in won["timeline"]] == ["lead.won"]
        with runtime.database.reading() as session:
            load = session.get(RepLoad, "sam")
            assert load is not None
            assert load.open == 0
    finally:
        runtime.database.dispose()
