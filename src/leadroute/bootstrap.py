"""Wire once at start-up: settings -> database -> runtime; nothing connects at import time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from leadroute.services.outbox import install
from leadroute.services.runtime import Runtime, ensure_routing, load_predictor, version_in_force
from leadroute.settings import Settings
from leadroute.storage.database import connect
from leadroute.storage.migrations.runner import pending, upgrade

if TYPE_CHECKING:
    from fastapi import FastAPI


class NeedsMigration(RuntimeError):
    """The database schema is older than this version of leadroute."""


def start(
    settings: Settings,
    *,
    clock: Callable[[], datetime] | None = None,
    adopt_routing: bool = True,
) -> Runtime:
    """Load the model file (when set); connect; migrate an embedded SQLite database (PostgreSQL:
    `leadroute migrate` first); put the routing file in force when given explicitly or when none
    is stored yet; make every transaction write the deliveries its events call for (outbox).

    `adopt_routing=False` leaves the routing in force alone: what the app processes of
    `serve --workers N` do, so one restarted by uvicorn never puts back a file that was replaced
    through the API since the command started."""
    now = (clock or (lambda: datetime.now(UTC)))()
    predictor = load_predictor(settings.model)
    database = connect(settings.database_url)
    if pending(database):
        if not database.is_sqlite:
            database.dispose()
            raise NeedsMigration(
                "the database schema is not up to date: run `leadroute migrate` first"
            )
        upgrade(database)
    runtime = Runtime(database=database, predictor=predictor)
    install(runtime, templates=settings.templates)
    if not adopt_routing:
        return runtime
    with database.reading() as session:
        stored = version_in_force(session)
    if settings.routing is not None or stored is None:
        ensure_routing(runtime, settings.routing_file, now=now, actor="leadroute serve")
    return runtime


def site_from_environment() -> FastAPI:
    """The app of each process of `leadroute serve --workers N`: the API and dashboard over the
    database named by the LEADROUTE_* environment, which `serve` sets from its options before
    uvicorn starts the processes.

    The processes share nothing but the database (routing turns, loads, caps, timers and the
    outbox all live there, and every routing write holds the database's routing lock), so they
    route exactly as one process would. The parent has already migrated the database and put
    the routing file in force; each process only attaches to it. What each keeps for itself:
    the compiled routing versions, its connections and its rate-limit buckets
    (docs/SCALING.md)."""
    # Imported here: only the app processes need the web stack, not every CLI command.
    from leadroute import logs  # noqa: PLC0415
    from leadroute.web.site import create_site  # noqa: PLC0415

    logs.install()
    settings = Settings()
    return create_site(start(settings, adopt_routing=False), settings)
