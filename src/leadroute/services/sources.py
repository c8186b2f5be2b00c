"""Signed intake: lead sources whose integrators sign their requests with HMAC-SHA256.

A signed request carries `X-Leadroute-Timestamp` (Unix seconds) and `X-Leadroute-Signature:
sha256=<hex>`, the HMAC-SHA256 with the source's secret of `<timestamp>.<raw body>`: the same
scheme leadroute signs its own webhooks with (notify/webhooks.py). The source is the lead's
`source` field. A source registered with `require_signature` refuses unsigned posts; a signed
post is checked whatever the setting; a timestamp outside the tolerance is refused, and a
signed request sent again inside it is answered like the first time and stores nothing new
(its signature serves as its idempotency key).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from leadroute.domain.errors import InvalidInput, Problem
from leadroute.notify.webhooks import SIGNATURE, TIMESTAMP, secret_problem, verify
from leadroute.services.errors import Conflict, NotFound, Unauthorized
from leadroute.services.principals import Principal
from leadroute.services.runtime import Runtime
from leadroute.storage.access_tables import IntakeSourceRow
from leadroute.storage.owners import log

MAX_NAME = 200
# The idempotency scope of signed requests: one for all keys, so a replay is caught whoever
# sends it (an HMAC of the same bytes under two sources' secrets does not collide).
SIGNED_SCOPE = "signed-intake"


@dataclass(frozen=True, kw_only=True, slots=True)
class Signed:
    """A request's signature headers (either may be missing)."""

    timestamp: str | None
    signature: str | None

    @classmethod
    def of(cls, headers: dict[str, str]) -> Signed:
        return cls(
            timestamp=headers.get(TIMESTAMP.lower()), signature=headers.get(SIGNATURE.lower())
        )


def add_source(
    *,
    runtime: Runtime,
    name: str,
    secret: str | None,
    require_signature: bool,
    caller: Principal,
    now: datetime,
) -> dict[str, Any]:
    """Register a signing source; without a `secret` one is made and shown this once."""
    problems = []
    if not name.strip() or len(name) > MAX_NAME:
        problems.append(Problem(path="name", message=f"must be 1 to {MAX_NAME} characters"))
    if (bad_secret := secret_problem(secret)) is not None:
        problems.append(bad_secret)
    if problems:
        raise InvalidInput(problems)
    key = secret if secret is not None else "srcsec_" + secrets.token_urlsafe(32)
    with runtime.database.writing() as session:
        if session.get(IntakeSourceRow, name) is not None:
            raise Conflict(f"source {name!r} is already registered", source=name)
        row = IntakeSourceRow(
            name=name,
            secret=key,
            require_signature=require_signature,
            created_at=now,
            created_by=caller.actor,
        )
        session.add(row)
        log(session, "source.added", at=now, actor=caller.actor, data=source_view(row))
        view = source_view(row)
    if secret is None:
        view["secret"] = key
    return view


def list_sources(*, runtime: Runtime) -> dict[str, Any]:
    """Registered sources (never their secrets)."""
    with runtime.database.reading() as session:
        rows = session.scalars(select(IntakeSourceRow).order_by(IntakeSourceRow.name))
        return {"sources": [source_view(row) for row in rows]}


def remove_source(*, runtime: Runtime, name: str, caller: Principal, now: datetime) -> None:
    with runtime.database.writing() as session:
        row = session.get(IntakeSourceRow, name)
        if row is None:
            raise NotFound(f"no registered source {name!r}")
        session.delete(row)
        log(session, "source.removed", at=now, actor=caller.actor, data={"name": name})


def check_signature(
    *,
    runtime: Runtime,
    source: str | None,
    signed: Signed,
    body: bytes,
    now: datetime,
    tolerance: int,
) -> str | None:
    """Nothing for a post that needs no signature; the idempotency key (in SIGNED_SCOPE) of a
    correctly signed one; Unauthorized naming the problem otherwise."""
    if source is None and signed.signature is None:
        return None
    with runtime.database.reading() as session:
        row = session.get(IntakeSourceRow, source) if source is not None else None
        secret, required = (row.secret, row.require_signature) if row is not None else ("", False)
    if signed.signature is None:
        if required:
            raise Unauthorized(
                f"source {source!r} requires signed requests: send {TIMESTAMP} and {SIGNATURE}"
            )
        return None
    if row is None:
        named = "no source" if source is None else f"source {source!r}, which is not registered"
        raise Unauthorized(f"a signed request must name a registered source (it names {named})")
    if signed.timestamp is None:
        raise Unauthorized(f"a signed request needs {TIMESTAMP} (Unix seconds)")
    if not verify(
        secret,
        timestamp=signed.timestamp,
        body=body,
        signed=signed.signature,
        now=now.timestamp(),
        tolerance=tolerance,
    ):
        raise Unauthorized(
            f"bad signature for source {source!r}: it does not match the body, or "
            f"{TIMESTAMP} is not within {tolerance} s of now"
        )
    return signed.signature


def source_view(row: IntakeSourceRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "require_signature": row.require_signature,
        "created_at": row.created_at.isoformat(),
        "created_by": row.created_by,
    }
