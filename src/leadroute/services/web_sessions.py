"""Browser sessions of the dashboard: opened by a password or an API key, kept as a SHA-256 of
the cookie's token with a CSRF token, closed by signing out, by expiry, or when the user is
disabled or the key revoked (checked on every request)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from leadroute.services.errors import Unauthorized
from leadroute.services.keys import verify_key
from leadroute.services.principals import Principal, Role
from leadroute.services.users import check_password, find_user, principal_of
from leadroute.storage.access_tables import ApiKeyRow, WebSessionRow
from leadroute.storage.owners import log

LIFETIME = timedelta(hours=12)


@dataclass(frozen=True, kw_only=True, slots=True)
class WebSession:
    principal: Principal
    csrf: str
    expires_at: datetime

    @property
    def name(self) -> str:
        """How the page header names who is signed in."""
        who = self.principal
        return who.user or (f"{who.rep_id} (key)" if who.rep_id else f"{who.role.value} key")


@dataclass(frozen=True, kw_only=True, slots=True)
class Opened:
    token: str  # goes into the cookie; only its hash is stored
    session: WebSession


def sign_in_with_password(
    session: Session, *, username: str, password: str, now: datetime
) -> Opened:
    user = check_password(session, username=username, password=password)
    return _open(session, principal_of(user), user_id=user.id, key_id=None, now=now)


def sign_in_with_key(session: Session, *, key: str, now: datetime) -> Opened:
    principal = verify_key(session, key.strip(), now=now)
    if principal.role is Role.INTAKE:
        raise Unauthorized("an intake key only posts leads; sign in with another key or a user")
    return _open(session, principal, user_id=None, key_id=principal.key_id, now=now)


def current_session(session: Session, token: str, *, now: datetime) -> WebSession:
    """The live session behind a cookie's token; Unauthorized when there is none."""
    row = session.get(WebSessionRow, _hash(token))
    if row is None or row.expires_at <= now:
        raise Unauthorized("not signed in (or the session expired)")
    if row.user_id is not None:
        user = find_user(session, row.user_id)
        if user is None or user.disabled:
            raise Unauthorized("this user was disabled")
        principal = principal_of(user)
    else:
        key = session.get(ApiKeyRow, row.key_id or "")
        if key is None:
            raise Unauthorized("the key this session signed in with is gone")
        if key.revoked_at is not None:
            raise Unauthorized("the key this session signed in with was revoked")
        if key.expires_at is not None and key.expires_at <= now:
            raise Unauthorized("the key this session signed in with has expired")
        principal = Principal(key_id=key.id, role=Role(key.role), rep_id=key.rep_id)
    return WebSession(principal=principal, csrf=row.csrf, expires_at=row.expires_at)


def sign_out(session: Session, token: str, *, now: datetime) -> None:
    session.execute(delete(WebSessionRow).where(WebSessionRow.id == _hash(token)))
    session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at <= now))


def _open(
    session: Session,
    principal: Principal,
    *,
    user_id: str | None,
    key_id: str | None,
    now: datetime,
) -> Opened:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires_at = now + LIFETIME
    session.add(
        WebSessionRow(
            id=_hash(token),
            user_id=user_id,
            key_id=key_id,
            csrf=csrf,
            created_at=now,
            expires_at=expires_at,
        )
    )
    log(session, "user.signed_in", at=now, actor=principal.actor, rep_id=principal.rep_id)
    opened = WebSession(principal=principal, csrf=csrf, expires_at=expires_at)
    return Opened(token=token, session=opened)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
