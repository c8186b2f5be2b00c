"""The FastAPI application: routers, error handlers, CORS, health."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from leadroute import __version__
from leadroute.api import errors
from leadroute.api.routes import (
    accounts,
    deliveries,
    health,
    leads,
    lifecycle,
    pools,
    reports,
    reps,
    routing,
    webhooks,
)
from leadroute.services.runtime import Runtime
from leadroute.settings import Settings


def create_app(
    runtime: Runtime, settings: Settings, *, clock: Callable[[], datetime] | None = None
) -> FastAPI:
    app = FastAPI(
        title="leadroute",
        version=__version__,
        description="Self-hosted lead distribution: intake, routing with a readable trace, "
        "pools, lifecycle. Authenticate with `Authorization: Bearer <API key>`.",
    )
    app.state.runtime = runtime
    app.state.settings = settings
    if clock is not None:
        app.state.clock = clock
    errors.install(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Comment"],
        )
    app.include_router(health.router)
    app.include_router(leads.router)
    app.include_router(lifecycle.router)
    app.include_router(pools.router)
    app.include_router(routing.router)
    app.include_router(reps.router)
    app.include_router(accounts.router)
    app.include_router(webhooks.router)
    app.include_router(deliveries.router)
    app.include_router(reports.router)
    return app
