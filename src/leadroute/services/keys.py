"""API keys: made with a role (and a rep for rep keys), stored as a SHA-256 of the secret,
shown once, revocable, optionally expiring."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadroute.domain.durations import parse_duration
from leadroute.domain.errors import InvalidInput, Problem
from leadroute.services.errors import NotFound, Unauthorized
from leadroute.services.principals import Principal, Role
from leadroute.services.runtime import Runtime
from leadroute.storage.access_tables import ApiKeyRow
from leadroute.storage.owners import log

_PREFIX = "lr"


@dataclass(frozen=True, kw_only=True, slots=True)
class NewKey:
    key_id: str
    secret: str  # the whole key, shown once: lr_<id>_<secret>
    role: Role
    rep_id: str | None


def create_key(
    session: Session,
    *,
    role: Role,
    now: datetime,
    actor: str,
    rep_id: str | None = None,
    label: str = "",
    expires_at: datetime | None = None,
) -> NewKey:
    if role is Role.REP and not rep_id:
        raise ValueError("a rep key needs the rep it belongs to (--rep ID)")
    if role is not Role.REP and rep_id:
        raise ValueError("only rep keys belong to a rep")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(24)
    session.add(
        ApiKeyRow(
            id=key_id,
            secret_hash=_hash(secret),
            role=role.value,
            rep_id=rep_id,
            label=label,
            created_at=now,
            expires_at=expires_at,
        )
    )
    log(
        session,
        "key.created",
        at=now,
        actor=actor,
        rep_id=rep_id,
        data={"key": key_id, "role": role.value, "label": label},
    )
    return NewKey(key_id=key_id, secret=f"{_PREFIX}_{key_id}_{secret}", role=role, rep_id=rep_id)


def issue_key(
    *,
    runtime: Runtime,
    role: Role,
    rep_id: str | None,
    label: str,
    expires_in: str | None,
    caller: Principal,
    now: datetime,
) -> NewKey:
    """A new key from a person's request (the API, the People page): InvalidInput names a
    rep missing from the roster, a rep on a key of another role, or a bad lifetime."""
    problems = []
    expires_at = None
    if expires_in is not None and expires_in.strip():
        try:
            expires_at = now + parse_duration(expires_in)
        except ValueError as error:
            problems.append(Problem(path="expires_in", message=str(error)))
        except OverflowError:
            problems.append(Problem(path="expires_in", message="a lifetime past the calendar"))
    if role is Role.REP and not rep_id:
        problems.append(Problem(path="rep", message="a rep key needs the rep it belongs to"))
    if role is not Role.REP and rep_id:
        problems.append(Problem(path="rep", message="only rep keys belong to a rep"))
    with runtime.database.writing() as session:
        roster = {rep.id for rep in runtime.routing(session).router.config.reps}
        if rep_id and rep_id not in roster:
            problems.append(Problem(path="rep", message=f"no rep {rep_id!r} in the roster"))
        if problems:
            raise InvalidInput(problems)
        return create_key(
            session,
            role=role,
            rep_id=rep_id,
            label=label.strip()[:200],
            expires_at=expires_at,
            now=now,
            actor=caller.actor,
        )


def verify_key(session: Session, token: str, *, now: datetime) -> Principal:
    """The caller a presented key stands for; Unauthorized when it is not a live key."""
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != _PREFIX or not key_id or not secret:
        raise Unauthorized("malformed API key (expected lr_<id>_<secret>)")
    row = session.get(ApiKeyRow, key_id)
    if row is None or not hmac.compare_digest(row.secret_hash, _hash(secret)):
        raise Unauthorized("unknown API key")
    if row.revoked_at is not None:
        raise Unauthorized("this API key was revoked")
    if row.expires_at is not None and row.expires_at <= now:
        raise Unauthorized("this API key has expired")
    return Principal(key_id=row.id, role=Role(row.role), rep_id=row.rep_id)


def revoke_key(session: Session, key_id: str, *, now: datetime, actor: str) -> None:
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        raise NotFound(f"no API key {key_id}")
    if row.revoked_at is None:
        row.revoked_at = now
        log(session, "key.revoked", at=now, actor=actor, data={"key": key_id})


@dataclass(frozen=True, kw_only=True, slots=True)
class KeyInfo:
    """A key as lists show it: never its secret."""

    key_id: str
    role: Role
    rep_id: str | None
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


def list_keys(session: Session) -> list[KeyInfo]:
    rows = session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.id))
    return [
        KeyInfo(
            key_id=row.id,
            role=Role(row.role),
            rep_id=row.rep_id,
            label=row.label,
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
        )
        for row in rows
    ]


def key_view(key: KeyInfo, now: datetime) -> dict[str, object]:
    return {
        "id": key.key_id,
        "role": key.role.value,
        "rep": key.rep_id,
        "label": key.label,
        "created_at": key.created_at.isoformat(),
        "expires_at": key.expires_at.isoformat() if key.expires_at else None,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
        "state": key.state(now),
    }


def count_keys(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ApiKeyRow)) or 0


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
