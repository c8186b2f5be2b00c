"""What the use cases share at run time: the database and the compiled routing in force."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leadroute.routing.engine import Router
from leadroute.routing_file import parse_routing_text
from leadroute.scoring.predictor import Predictor
from leadroute.services.errors import NotFound
from leadroute.storage.database import Database
from leadroute.storage.owners import log
from leadroute.storage.state import forget, stamp_of
from leadroute.storage.tables import RoutingState, RoutingVersion


@dataclass(frozen=True, kw_only=True, slots=True)
class Routing:
    """One stored version of the routing file, compiled."""

    version: int
    router: Router
    text: str
    format: str


_IN_FORCE = "routing_in_force"  # session.info: the Routing in force, read once per session


def version_in_force(session: Session) -> int | None:
    """The number of the routing version in force (None before any is stored)."""
    stamped = stamp_of(session)
    if stamped is not None:
        return stamped.version
    return session.scalar(select(RoutingState.version).where(RoutingState.id == 1))


def load_predictor(path: Path | None) -> Predictor | None:
    """The model in the file `path` (ModelFileError names the file when it cannot be used), or
    None without one: the routing versions compiled by a Runtime all score with it."""
    if path is None:
        return None
    # Imported here so a service without a model never loads scikit-learn.
    from leadroute.learning.models import load_model  # noqa: PLC0415

    return load_model(path)


@dataclass(kw_only=True)
class Runtime:
    database: Database
    predictor: Predictor | None = None
    _compiled: dict[int, Routing] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # What must live exactly as long as this runtime: the outbox behind its session events,
    # which SQLAlchemy's event registry only reaches through a weak reference.
    keepers: list[object] = field(default_factory=list)

    def routing(self, session: Session, version: int | None = None) -> Routing:
        """The routing version in force (or `version`), compiled once per process. The version
        in force is read once per session (a writing session holds the routing lock, so it
        cannot change underneath; `store_routing` forgets it)."""
        in_force = version is None
        if version is None:
            remembered = session.info.get(_IN_FORCE)
            if isinstance(remembered, Routing):
                return remembered
            version = version_in_force(session)
            if version is None:
                raise NotFound(
                    "no routing file is stored yet: PUT /api/v1/routing or serve --routing"
                )
        compiled = self._compiled.get(version)
        if compiled is None:
            row = session.get(RoutingVersion, version)
            if row is None:
                raise NotFound(f"routing version {version} does not exist")
            config = parse_routing_text(
                row.text, source=f"routing version {version}", is_json=row.format == "json"
            )
            compiled = Routing(
                version=version,
                router=Router(config, predictor=self.predictor),
                text=row.text,
                format=row.format,
            )
            with self._lock:
                self._compiled[version] = compiled
        if in_force:
            session.info[_IN_FORCE] = compiled
        return compiled


def store_routing(
    session: Session, *, text: str, is_json: bool, now: datetime, actor: str, comment: str = ""
) -> int:
    """Check the routing text (RoutingFileError names every problem), store it as a new version
    and put it in force. The caller holds the routing lock (Database.writing)."""
    parse_routing_text(text, source="routing", is_json=is_json)
    row = RoutingVersion(
        text=text,
        format="json" if is_json else "yaml",
        created_at=now,
        created_by=actor,
        comment=comment,
    )
    session.add(row)
    session.flush()
    session.execute(update(RoutingState).where(RoutingState.id == 1).values(version=row.id))
    session.info.pop(_IN_FORCE, None)
    forget(session)
    log(
        session,
        "routing.updated",
        at=now,
        actor=actor,
        reason=comment or None,
        data={"version": row.id},
    )
    return row.id


def ensure_routing(runtime: Runtime, path: Path, *, now: datetime, actor: str) -> int:
    """Put the routing file at `path` in force unless the version in force has the same text."""
    text = path.read_text(encoding="utf-8")
    with runtime.database.writing() as session:
        current = version_in_force(session)
        if current is not None:
            row = session.get(RoutingVersion, current)
            if row is not None and row.text == text:
                return current
        return store_routing(
            session,
            text=text,
            is_json=path.suffix == ".json",
            now=now,
            actor=actor,
            comment=f"loaded from {path.name}",
        )
