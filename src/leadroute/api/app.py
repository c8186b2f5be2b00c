"""The FastAPI application: routers, error handlers, CORS, health."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from leadroute import __version__
from leadroute.api import errors
from leadroute.api.body_guard import BodyGuard
from leadroute.api.routes import (
    access,
    accounts,
    deliveries,
    health,
    leads,
    lifecycle,
    pools,
    privacy,
    reports,
    reps,
    routing,
    webhooks,
)
from leadroute.api.throttle import Throttles
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
    app.state.throttles = Throttles.of(
        per_caller=settings.rate_limit_per_minute,
        per_form_address=settings.form_rate_limit_per_minute,
        per_sign_in_address=settings.login_rate_limit_per_minute,
        clock=time.monotonic if clock is None else lambda: clock().timestamp(),
    )
    app.add_middleware(
        BodyGuard,
        max_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        max_depth=settings.max_json_depth,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Comment"],
        )
    app.include_router(health.router)
    for module in (
        leads,
        lifecycle,
        pools,
        routing,
        reps,
        accounts,
        webhooks,
        deliveries,
        reports,
        privacy,
        access,
    ):
        app.include_router(module.router, responses=errors.ERRORS)
    return app
