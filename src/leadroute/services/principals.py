"""Who is calling: an API key's (or a dashboard user's) role and, for a rep, the rep."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    INTAKE = "intake"
    REP = "rep"
    AUDITOR = "auditor"


@dataclass(frozen=True, kw_only=True, slots=True)
class Principal:
    key_id: str
    role: Role
    rep_id: str | None = None
    # The dashboard user signed in, when the caller is one (key_id is then `user:<id>`).
    user: str | None = None

    @property
    def actor(self) -> str:
        """How the event log names this caller."""
        suffix = f" ({self.rep_id})" if self.rep_id else ""
        if self.user is not None:
            return f"{self.role.value} {self.user}{suffix}"
        return f"{self.role.value} key {self.key_id}{suffix}"


SYSTEM = Principal(key_id="system", role=Role.ADMIN)
