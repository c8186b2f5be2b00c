"""HTTP calls and database reads shared by the pool, offer and hand-off API tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select

from leadroute.services.timers import fire_due
from leadroute.storage.tables import AssignmentRow, RepLoad, TimerRow
from tests.api.conftest import Service, make_service

Headers = dict[str, str]


def serve_routing(database_url: str, directory: Path, text: str) -> Iterator[Service]:
    """A service (SQLite or PostgreSQL) with the routing file `text` in force."""
    path = directory / "routing.yaml"
    path.write_text(text, encoding="utf-8")
    yield from make_service(database_url, path)


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def refused(response: Any, status: int) -> str:
    """The error text of a refusal with this status."""
    assert response.status_code == status, response.text
    error: str = response.json()["error"]
    return error


def post(service: Service, **fields: object) -> dict[str, Any]:
    """POST /api/v1/leads as the admin; the 201 body."""
    return ok(service.client.post("/api/v1/leads", json=fields, headers=service.admin), 201)


def lead(service: Service, lead_id: object, headers: Headers | None = None) -> dict[str, Any]:
    return ok(service.client.get(f"/api/v1/leads/{lead_id}", headers=headers or service.admin))


def claim(service: Service, lead_id: object, headers: Headers | None = None, **body: Any) -> Any:
    return service.client.post(
        f"/api/v1/leads/{lead_id}/claim", json=body or None, headers=headers or service.admin
    )


def pull(service: Service, pool: str, headers: Headers | None = None, **body: Any) -> Any:
    return service.client.post(
        f"/api/v1/pools/{pool}/claim", json=body or None, headers=headers or service.admin
    )


def event(
    service: Service, lead_id: object, kind: str, headers: Headers | None = None, **more: Any
) -> Any:
    return service.client.post(
        f"/api/v1/leads/{lead_id}/events",
        json={"type": kind, **more},
        headers=headers or service.admin,
    )


def assign(service: Service, lead_id: object, headers: Headers | None = None, **body: Any) -> Any:
    return service.client.post(
        f"/api/v1/leads/{lead_id}/assign", json=body, headers=headers or service.admin
    )


def accept(service: Service, lead_id: object, headers: Headers | None = None) -> Any:
    return service.client.post(f"/api/v1/leads/{lead_id}/accept", headers=headers or service.admin)


def decline(service: Service, lead_id: object, headers: Headers | None = None, **body: Any) -> Any:
    return service.client.post(
        f"/api/v1/leads/{lead_id}/decline", json=body or None, headers=headers or service.admin
    )


def pools(service: Service, headers: Headers | None = None) -> dict[str, dict[str, Any]]:
    """GET /api/v1/pools, by pool name."""
    body = ok(service.client.get("/api/v1/pools", headers=headers or service.admin))
    return {pool["name"]: pool for pool in body["pools"]}


def pool(service: Service, name: str, headers: Headers | None = None) -> Any:
    return service.client.get(f"/api/v1/pools/{name}", headers=headers or service.admin)


def reps(service: Service) -> dict[str, dict[str, Any]]:
    """GET /api/v1/reps, by rep id."""
    body = ok(service.client.get("/api/v1/reps", headers=service.admin))
    return {rep["id"]: rep for rep in body["reps"]}


def types(detail: dict[str, Any]) -> list[str]:
    return [entry["type"] for entry in detail["timeline"]]


def fire(service: Service) -> int:
    """Fire the timers due at the service clock's time, as the worker does."""
    return fire_due(service.runtime, now=service.clock.now)


def loads(service: Service) -> dict[str, int]:
    with service.runtime.database.reading() as session:
        return {row.rep_id: row.open for row in session.scalars(select(RepLoad))}


def open_assignments(service: Service, lead_id: object) -> list[str]:
    with service.runtime.database.reading() as session:
        return list(
            session.scalars(
                select(AssignmentRow.rep_id).where(
                    AssignmentRow.lead_id == lead_id, AssignmentRow.ended_at.is_(None)
                )
            )
        )


def assignments(service: Service, lead_id: object) -> list[tuple[str, bool, str | None]]:
    """The lead's assignments in order: (rep, counted, end reason or None while open)."""
    with service.runtime.database.reading() as session:
        rows = session.scalars(
            select(AssignmentRow).where(AssignmentRow.lead_id == lead_id).order_by(AssignmentRow.id)
        )
        return [(row.rep_id, row.counted, row.end_reason) for row in rows]


def timer_outcomes(service: Service, lead_id: object) -> list[tuple[str, str | None]]:
    """The lead's timers in the order they were set: (kind, outcome or None while pending)."""
    with service.runtime.database.reading() as session:
        rows = session.scalars(
            select(TimerRow).where(TimerRow.lead_id == lead_id).order_by(TimerRow.id)
        )
        return [(row.kind, row.outcome) for row in rows]
