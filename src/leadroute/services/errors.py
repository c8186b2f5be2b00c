"""Errors of the use cases; api/errors.py maps each to an HTTP status."""

from __future__ import annotations

from leadroute.domain.errors import LeadrouteError


class NotFound(LeadrouteError):
    """A lead, rep, pool or routing version that does not exist (or is not yours to see)."""


class Conflict(LeadrouteError):
    """The request contradicts what is stored: a reused idempotency key, a duplicate
    external id, a lead someone else holds, a status change that cannot happen now."""

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.details = details


class Forbidden(LeadrouteError):
    """The caller's role or rep may not do this."""


class Unauthorized(LeadrouteError):
    """No key, or a key that is unknown, revoked or expired."""


class TooManyRequests(LeadrouteError):
    """The caller went over a rate limit; `retry_after` is how many seconds until it may try
    again (the Retry-After header)."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
