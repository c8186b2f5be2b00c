"""Who may get in: API keys, dashboard users and their browser sessions (secrets and
passwords stored only as hashes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from leadroute.storage.tables import Base


class ApiKeyRow(Base):
    """An API key: only a SHA-256 of its secret is stored; the key is shown once."""

    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    rep_id: Mapped[str | None] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class UserRow(Base):
    """A dashboard user: a username with an argon2 hash of the password, a role, and for a
    rep user the rep. Disabled users cannot sign in, and their sessions end."""

    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    rep_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class WebSessionRow(Base):
    """A signed-in browser: only a SHA-256 of the cookie's token is stored, with the CSRF
    token its forms must send back. It stands for a user or for the API key signed in with."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(String(32))
    key_id: Mapped[str | None] = mapped_column(String(32))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class IntakeSourceRow(Base):
    """A lead source whose integrator signs intake requests with HMAC-SHA256. The secret is
    kept as given (checking a signature needs it); `require_signature` refuses unsigned posts
    naming this source."""

    __tablename__ = "intake_sources"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    secret: Mapped[str] = mapped_column(String(200))
    require_signature: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
