"""The ceiling of leadroute's own stack: a bare FastAPI endpoint that inserts one row in SQLite.

    .venv/bin/python benchmarks/ceiling.py --database /tmp/ceiling.db --port 8001 [--workers N]

POST /api/v1/leads reads the JSON body and inserts it as one row, in its own transaction:
the same driver (the standard sqlite3 module, which SQLAlchemy's pysqlite dialect uses), the
same pragmas as storage/database.py (WAL, synchronous=NORMAL, busy_timeout, foreign keys,
secure_delete), `BEGIN IMMEDIATE` as Database.writing() does, and a sync endpoint run in the
thread pool like the service's call to take_lead. It is served as `leadroute serve` serves:
uvicorn, log level info (access log on), one process or `--workers N` processes on one port.
Everything leadroute does beyond this (auth, normalization, routing, the ORM, its events) is
what the ratio to this ceiling measures.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import threading
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from leadroute.cli.processes import run_processes

DATABASE_ENV = "LEADROUTE_CEILING_DATABASE"
_local = threading.local()


def _connection(path: str) -> sqlite3.Connection:
    """This thread's connection, set up as storage/database.py sets up each of its own."""
    connection: sqlite3.Connection | None = getattr(_local, "connection", None)
    if connection is None:
        connection = sqlite3.connect(path, check_same_thread=False, timeout=30)
        connection.isolation_level = None
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "foreign_keys=ON",
            "busy_timeout=30000",
            "secure_delete=ON",
        ):
            connection.execute(f"PRAGMA {pragma}")
        _local.connection = connection
    return connection


def prepare(path: str) -> None:
    connection = _connection(path)
    connection.execute(
        "CREATE TABLE IF NOT EXISTS leads (id INTEGER PRIMARY KEY, received_at TEXT NOT NULL "
        "DEFAULT CURRENT_TIMESTAMP, email TEXT, country TEXT, payload TEXT NOT NULL)"
    )


def count_rows(path: str) -> int:
    with sqlite3.connect(path) as connection:
        found: int = connection.execute("SELECT count(*) FROM leads").fetchone()[0]
    return found


def _insert(path: str, payload: dict[str, Any]) -> int:
    connection = _connection(path)
    connection.execute("BEGIN IMMEDIATE")
    try:
        cursor = connection.execute(
            "INSERT INTO leads (email, country, payload) VALUES (?, ?, ?)",
            (payload.get("email"), payload.get("country"), json.dumps(payload)),
        )
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return cursor.lastrowid or 0


def make_app(path: str | None = None) -> FastAPI:
    """The one-endpoint app over the SQLite file at `path` (or $LEADROUTE_CEILING_DATABASE)."""
    database = path or os.environ[DATABASE_ENV]
    prepare(database)
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/leads", status_code=201)
    async def create_lead(request: Request) -> JSONResponse:
        payload = await request.json()
        if not isinstance(payload, dict):
            return JSONResponse({"detail": "expected an object"}, status_code=422)
        lead_id = await run_in_threadpool(_insert, database, payload)
        return JSONResponse({"id": lead_id, "status": "new"}, status_code=201)

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", required=True, help="SQLite file")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn processes")
    args = parser.parse_args(argv)
    if args.workers == 1:
        uvicorn.run(make_app(args.database), host=args.host, port=args.port, log_level="info")
    else:
        os.environ[DATABASE_ENV] = args.database
        prepare(args.database)
        # The same multi-process runner as `leadroute serve --workers N` (TCP_NODELAY on).
        run_processes("ceiling:make_app", workers=args.workers, host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
