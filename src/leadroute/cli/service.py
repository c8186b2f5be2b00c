"""Commands that run the service or change its database: serve, worker, migrate, demo."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn

from leadroute import logs
from leadroute.bootstrap import NeedsMigration, start
from leadroute.cli.app import app, fail
from leadroute.cli.processes import run_processes
from leadroute.domain.errors import InvalidInput
from leadroute.services.demo import run_demo
from leadroute.services.keys import count_keys, create_key
from leadroute.services.principals import Principal, Role
from leadroute.services.relay import relay_for
from leadroute.services.runtime import Runtime
from leadroute.services.worker import Worker
from leadroute.settings import Settings
from leadroute.storage.database import connect
from leadroute.storage.migrations.runner import upgrade
from leadroute.web.site import create_site

CLI = Principal(key_id="cli", role=Role.ADMIN)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="SQLAlchemy URL (default: LEADROUTE_DATABASE_URL or sqlite:///./leadroute.db).",
    ),
]
RoutingOption = Annotated[
    Path | None,
    typer.Option(
        "--routing",
        help="Routing file to put in force (default: LEADROUTE_ROUTING, else the stored "
        "version, else the packaged example).",
    ),
]


def settings_of(database: str | None = None, routing: Path | None = None, **more: Any) -> Settings:
    overrides: dict[str, Any] = {key: value for key, value in more.items() if value is not None}
    if database is not None:
        overrides["database_url"] = database
    if routing is not None:
        overrides["routing"] = routing
    return Settings(**overrides)


def open_runtime(database: str | None, routing: Path | None = None) -> Runtime:
    """Start the runtime, or exit 1 with a message that says what to do."""
    settings = settings_of(database, routing)
    try:
        return start(settings)
    except NeedsMigration as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    except InvalidInput as error:
        raise fail(error) from None


@app.command()
def serve(
    routing: RoutingOption = None,
    database: DatabaseOption = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on (127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (8000).")] = None,
    worker: Annotated[
        bool,
        typer.Option(help="Also fire timers and send notices and webhooks in-process."),
    ] = True,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            envvar="LEADROUTE_WORKERS",
            help="App processes answering HTTP (1). Each uses one core; they share only the "
            "database (docs/SCALING.md).",
        ),
    ] = 1,
) -> None:
    """Run the dashboard (/), the HTTP API (OpenAPI at /docs) and the timer worker. On first
    start it prints an admin key, which also signs in to the dashboard."""
    logs.install()
    settings = settings_of(database, routing, host=host, port=port)
    runtime = open_runtime(database, routing)
    with runtime.database.writing() as session:
        first = count_keys(session) == 0
        made = (
            create_key(
                session,
                role=Role.ADMIN,
                label="first start",
                now=datetime.now(UTC),
                actor="leadroute serve",
            )
            if first
            else None
        )
    base = f"http://{settings.host}:{settings.port}"
    typer.echo(f"leadroute: {settings.database_url}, routing {settings.routing_file}")
    if made is not None:
        typer.echo("first start: an admin key was created (shown once, keep it):")
        typer.echo(f"  {made.secret}")
        key = made.secret
    else:
        key = "<your key>"
        typer.echo("(lost the admin key? `leadroute keys create --role admin` makes another)")
    typer.echo(
        f"Dashboard: {base}/ (sign in with the admin key, or make users with "
        "`leadroute users create --username U --role manager`)"
    )
    typer.echo(f"API docs: {base}/docs. Post a lead:")
    typer.echo(
        f"  curl -s -X POST {base}/api/v1/leads -H 'Authorization: Bearer {key}' "
        "-H 'Content-Type: application/json' "
        '-d \'{"name": "Ana Souza", "email": "ana@acme.com", "country": "US", '
        '"region": "CA"}\''
    )
    loop = Worker(
        runtime=runtime,
        relay=relay_for(runtime, settings),
        retention_days=settings.pii_retention_days,
    )
    if worker:
        loop.start()
    try:
        if workers == 1:
            uvicorn.run(
                create_site(runtime, settings),
                host=settings.host,
                port=settings.port,
                log_level="info",
            )
        else:
            _serve_processes(settings, workers)
    finally:
        loop.stop.set()


def _serve_processes(settings: Settings, workers: int) -> None:
    """`workers` uvicorn processes on one socket, each attaching to the database the options
    name (passed on in the environment, which the processes inherit); this process keeps the
    timer worker thread and restarts a process that dies."""
    os.environ["LEADROUTE_DATABASE_URL"] = settings.database_url
    if settings.routing is not None:
        os.environ["LEADROUTE_ROUTING"] = str(settings.routing)
    typer.echo(f"{workers} app processes on one port; the timer worker runs in this one")
    run_processes(
        "leadroute.bootstrap:site_from_environment",
        workers=workers,
        host=settings.host,
        port=settings.port,
    )


@app.command(name="worker")
def worker_(
    routing: RoutingOption = None,
    database: DatabaseOption = None,
    interval: Annotated[float, typer.Option(help="Seconds between checks when idle.")] = 1.0,
    once: Annotated[
        bool, typer.Option(help="Do what is due now (timers, deliveries, retention), then exit.")
    ] = False,
) -> None:
    """Fire due timers (offer timeouts, claim_ttl returns, pool max_wait escalations) and send
    due notices and webhooks. Run as many as you like beside `serve --no-worker`; each timer
    fires once, each delivery is sent at least once. With LEADROUTE_PII_RETENTION_DAYS it also
    erases the personal data of leads past that age (docs/PRIVACY.md)."""
    logs.install()
    runtime = open_runtime(database, routing)
    settings = settings_of(database, routing)
    loop = Worker(
        runtime=runtime,
        interval=interval,
        relay=relay_for(runtime, settings),
        retention_days=settings.pii_retention_days,
    )
    try:
        if once:
            fired = loop.fire()
            sent = loop.deliver()
            erased = loop.sweep()
            if sent:
                typer.echo(f"tried {sent} deliveries")
            if erased:
                typer.echo(f"erased {erased} leads past the retention period")
            typer.echo(f"fired {fired} timers")
            return
        typer.echo(
            f"leadroute worker: checking for due timers and deliveries every {interval:g}s "
            "(Ctrl-C stops)"
        )
        loop.run()
    except KeyboardInterrupt:
        typer.echo("stopped")
    finally:
        runtime.database.dispose()


@app.command()
def migrate(database: DatabaseOption = None) -> None:
    """Create or upgrade the database schema (Alembic)."""
    settings = settings_of(database)
    db = connect(settings.database_url)
    try:
        applied = upgrade(db)
    finally:
        db.dispose()
    if applied:
        typer.echo(f"applied: {', '.join(applied)}")
    else:
        typer.echo("schema is up to date")


@app.command()
def demo(
    count: Annotated[int, typer.Option(help="How many sample leads to post.")] = 40,
    seed: Annotated[int, typer.Option(help="Seed of the sample stream.")] = 7,
    routing: RoutingOption = None,
    database: DatabaseOption = None,
) -> None:
    """Post a realistic stream of sample leads and show where each one went and why."""
    runtime = open_runtime(database, routing)

    def show(body: dict[str, Any]) -> None:
        target = f"rep {body['owner']}" if body.get("owner") else f"pool {body.get('pool')}"
        typer.echo(f"{body['id']}  ->  {target:<24} {body['decision']['reason']}")

    try:
        totals = run_demo(
            runtime=runtime,
            caller=CLI,
            now=lambda: datetime.now(UTC),
            count=count,
            seed=seed,
            on_lead=show,
        )
    finally:
        runtime.database.dispose()
    typer.echo("where they went: " + ", ".join(f"{k} {v}" for k, v in sorted(totals.items())))
