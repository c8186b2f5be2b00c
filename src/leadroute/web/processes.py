"""The app of each process of `leadroute serve --workers N`.

uvicorn starts N processes that each import this module and call `site_from_environment`; they
share nothing but the database (routing turns, loads, caps, timers and the outbox all live
there, and every routing write holds the database's routing lock), so they route exactly as one
process would. The parent process has already migrated the database and put the routing file in
force before the processes start; each process only attaches to it. What each process keeps for
itself: the compiled routing versions (re-read when the version in force changes), its pool of
connections, and its rate-limit buckets (docs/SCALING.md).
"""

from __future__ import annotations

from fastapi import FastAPI

from leadroute import logs
from leadroute.bootstrap import start
from leadroute.settings import Settings
from leadroute.web.site import create_site


def site_from_environment() -> FastAPI:
    """The API and dashboard over the database named by the LEADROUTE_* environment, which
    `serve` sets from its options before uvicorn starts the processes."""
    logs.install()
    settings = Settings()
    runtime = start(settings, adopt_routing=False)
    return create_site(runtime, settings)
