"""The `routing_state` row as a writing transaction found it: the routing version in force and
the revisions of accounts and webhooks.

`Database.writing()` reads it once, in the statement that takes the routing lock on PostgreSQL
(`SELECT ... FOR UPDATE`) or right after `BEGIN IMMEDIATE` on SQLite, and keeps it in the
session: while the lock is held nobody else can change it, so the routing version, the account
book and the webhook subscriptions are each known without another statement. A transaction that
changes the row itself forgets the stamp (`forget`), and readers then ask the database again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leadroute.storage.tables import RoutingState

_STAMP = "routing_state_stamp"


@dataclass(frozen=True, kw_only=True, slots=True)
class StateStamp:
    version: int | None
    accounts_revision: int
    webhooks_revision: int


def take_stamp(session: Session, *, lock: bool) -> None:
    """Read the row (locking it with `lock`) and keep it in the session."""
    query = select(
        RoutingState.version, RoutingState.accounts_revision, RoutingState.webhooks_revision
    ).where(RoutingState.id == 1)
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is not None:
        session.info[_STAMP] = StateStamp(
            version=row[0], accounts_revision=row[1], webhooks_revision=row[2]
        )


def stamp_of(session: Session) -> StateStamp | None:
    """The row as this writing transaction found it; None outside one, or once it changed."""
    found = session.info.get(_STAMP)
    return found if isinstance(found, StateStamp) else None


def forget(session: Session) -> None:
    session.info.pop(_STAMP, None)


def touch_webhooks(session: Session) -> None:
    """Record that webhooks changed in this transaction: kept subscriptions are stale once it
    commits."""
    session.execute(
        update(RoutingState)
        .where(RoutingState.id == 1)
        .values(webhooks_revision=RoutingState.webhooks_revision + 1)
    )
    forget(session)
