"""The whole site `leadroute serve` runs: the API under /api/v1 and the dashboard around it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI

from leadroute.api.app import create_app
from leadroute.services.runtime import Runtime
from leadroute.settings import Settings
from leadroute.web.dashboard import install


def create_site(
    runtime: Runtime, settings: Settings, *, clock: Callable[[], datetime] | None = None
) -> FastAPI:
    app = create_app(runtime, settings, clock=clock)
    install(app)
    return app
