"""Liveness."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from leadroute.api.auth import Runtime_

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the database answers")
def healthz(runtime: Runtime_) -> dict[str, str]:
    with runtime.database.reading() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok"}
