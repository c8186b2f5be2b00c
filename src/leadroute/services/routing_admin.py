"""Reading and replacing the routing file through the API, and previewing a decision.

Every replacement is checked like `leadroute check` and stored as a new version; old versions
stay readable. A preview routes a lead with the very engine and live state intake uses, inside a
read-only transaction: nothing is written, no turn or counter moves.
"""

from __future__ import annotations

import json
from datetime import datetime
from random import Random
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadroute.domain.errors import Problem, RoutingFileError
from leadroute.domain.leads import Lead
from leadroute.normalize import normalize_lead
from leadroute.routing_file import parse_routing_text, read_routing_data
from leadroute.services.errors import NotFound
from leadroute.services.placing import decide, finite_score
from leadroute.services.principals import Principal
from leadroute.services.runtime import Routing, Runtime, store_routing, version_in_force
from leadroute.services.views import decision_view
from leadroute.storage.tables import RoutingVersion

MAX_PAGE = 500
PREVIEW_ID = "preview"


def current_routing(*, runtime: Runtime) -> dict[str, Any]:
    """The version in force, with its text."""
    with runtime.database.reading() as session:
        return version_detail(_row(session, _in_force(session)))


def routing_version(*, runtime: Runtime, version: int) -> dict[str, Any]:
    """One stored version (in force or not), with its text."""
    with runtime.database.reading() as session:
        return version_detail(_row(session, version))


def routing_versions(*, runtime: Runtime, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """Stored versions, newest first, without their text."""
    limit, offset = max(1, min(limit, MAX_PAGE)), max(0, offset)
    with runtime.database.reading() as session:
        current = version_in_force(session)
        total = session.scalar(select(func.count()).select_from(RoutingVersion)) or 0
        rows = session.scalars(
            select(RoutingVersion).order_by(RoutingVersion.id.desc()).limit(limit).offset(offset)
        ).all()
        return {
            "current": current,
            "total": total,
            "limit": limit,
            "offset": offset,
            "versions": [version_summary(row) for row in rows],
        }


def replace_routing(
    *, runtime: Runtime, text: str, is_json: bool, caller: Principal, now: datetime, comment: str
) -> dict[str, Any]:
    """Check the text and put it in force as a new version (RoutingFileError names every
    problem, and nothing is stored). Sending the text already in force stores nothing and
    answers with the version in force."""
    with runtime.database.writing() as session:
        current = version_in_force(session)
        row = session.get(RoutingVersion, current) if current is not None else None
        if row is not None and row.text == text and (row.format == "json") == is_json:
            return version_summary(row)
        version = store_routing(
            session,
            text=text,
            is_json=is_json,
            now=now,
            actor=caller.actor,
            comment=comment or f"replaced by {caller.actor}",
        )
        return version_summary(_row(session, version))


def check_routing(*, text: str, is_json: bool) -> list[Problem]:
    """Every problem `replace_routing` would refuse the text for (none: it would be stored),
    without storing anything."""
    try:
        parse_routing_text(text, source="routing", is_json=is_json)
    except RoutingFileError as error:
        return list(error.problems)
    return []


def preview_lead(
    *, runtime: Runtime, payload: object, now: datetime, version: int | None = None
) -> dict[str, Any]:
    """The decision intake would make for this payload now (under `version`, or the version in
    force), on the live loads, rotations and caps, without writing anything. The `random`
    selector draws from a fixed seed here, so it may pick another rep than intake will."""
    normalized = normalize_lead(payload)
    with runtime.database.reading() as session:
        routing = runtime.routing(session, version)
        router = routing.router
        fields: dict[str, object] = {**normalized.fields, "id": PREVIEW_ID, "received_at": now}
        lead, decision = decide(
            session,
            router,
            Lead(id=PREVIEW_ID, received_at=now, fields=fields),
            now=now,
            rng=Random(PREVIEW_ID),
        )
        view = decision_view(decision)
    score = lead.fields.get("score")
    return {
        "version": routing.version,
        "owner": decision.rep,
        "pool": decision.pool,
        "rule": view["rule"],
        "reason": view["reason"],
        "trace": view["trace"],
        "score": finite_score(score) if isinstance(score, int | float) else None,
        "issues": list(normalized.issues),
        # A preview lead's arm is the arm of the id "preview"; a real lead's follows its id.
        "experiment": decision.experiment,
        "arm": decision.arm,
    }


def routing_data(routing: Routing) -> Any:
    """The stored text of a version read as plain data (YAML read the way the routing file
    loader reads it: only true/false are booleans, so `NO` stays Norway)."""
    return read_routing_data(routing.text, is_json=routing.format == "json")


def routing_text(data: Any, *, is_json: bool) -> str:
    """Plain data written back as routing file text. YAML comments of the earlier text are
    lost: the file is written anew."""
    if is_json:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100
    )


def version_summary(row: RoutingVersion) -> dict[str, Any]:
    return {
        "version": row.id,
        "format": row.format,
        "created_at": row.created_at.isoformat(),
        "created_by": row.created_by,
        "comment": row.comment,
    }


def version_detail(row: RoutingVersion) -> dict[str, Any]:
    return {**version_summary(row), "text": row.text}


def _in_force(session: Session) -> int:
    version = version_in_force(session)
    if version is None:
        raise NotFound("no routing file is stored yet: PUT /api/v1/routing")
    return version


def _row(session: Session, version: int) -> RoutingVersion:
    row = session.get(RoutingVersion, version)
    if row is None:
        raise NotFound(f"routing version {version} does not exist")
    return row
