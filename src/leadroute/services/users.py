"""Dashboard users: a username and an argon2 password hash, a role as API keys have, and for a
rep user the rep. `leadroute users create` makes them; the sign-in page checks them."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadroute.services.errors import Conflict, NotFound, Unauthorized
from leadroute.services.principals import Principal, Role
from leadroute.storage.access_tables import UserRow
from leadroute.storage.owners import log

MIN_PASSWORD = 8
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
_hasher = PasswordHasher()
# Checked against when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True, kw_only=True, slots=True)
class User:
    id: str
    username: str
    role: Role
    rep_id: str | None
    disabled: bool


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    now: datetime,
    actor: str,
    rep_id: str | None = None,
) -> User:
    """A new user; ValueError names what is wrong with the username, password or rep."""
    if not _USERNAME.match(username):
        raise ValueError(
            "a username is 1-100 letters, digits or . _ @ - and starts with a letter or digit"
        )
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    if role is Role.REP and not rep_id:
        raise ValueError("a rep user needs the rep it signs in as (--rep ID)")
    if role is not Role.REP and rep_id:
        raise ValueError("only rep users belong to a rep")
    if role is Role.INTAKE:
        raise ValueError("intake is for API keys that post leads; a person needs another role")
    if session.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
        raise Conflict(f"a user named {username!r} exists")
    row = UserRow(
        id=secrets.token_hex(6),
        username=username,
        password_hash=_hasher.hash(password),
        role=role.value,
        rep_id=rep_id,
        created_at=now,
    )
    session.add(row)
    log(
        session,
        "user.created",
        at=now,
        actor=actor,
        rep_id=rep_id,
        data={"user": username, "role": role.value},
    )
    return _user(row)


def check_password(session: Session, *, username: str, password: str) -> User:
    """The user these credentials belong to; Unauthorized (one message for every failure)."""
    row = session.scalar(select(UserRow).where(UserRow.username == username))
    try:
        _hasher.verify(row.password_hash if row is not None else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise Unauthorized("wrong username or password") from None
    if row is None or row.disabled_at is not None:
        raise Unauthorized("wrong username or password")
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
    return _user(row)


def find_user(session: Session, user_id: str) -> User | None:
    row = session.get(UserRow, user_id)
    return None if row is None else _user(row)


def list_users(session: Session) -> list[User]:
    return [_user(row) for row in session.scalars(select(UserRow).order_by(UserRow.username))]


def disable_user(session: Session, username: str, *, now: datetime, actor: str) -> None:
    row = session.scalar(select(UserRow).where(UserRow.username == username))
    if row is None:
        raise NotFound(f"no user {username!r}")
    if row.disabled_at is None:
        row.disabled_at = now
        log(session, "user.disabled", at=now, actor=actor, data={"user": username})


def principal_of(user: User) -> Principal:
    return Principal(
        key_id=f"user:{user.id}", role=user.role, rep_id=user.rep_id, user=user.username
    )


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        rep_id=row.rep_id,
        disabled=row.disabled_at is not None,
    )
