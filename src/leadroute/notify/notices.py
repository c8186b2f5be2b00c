"""Which logged events become notices, of what kind, for which channels. Pure: no I/O.

- assigned: a lead pushed to a rep (`lead.assigned`) → the rep's channels. A rep who claims
  or accepts a lead did it themselves and hears nothing.
- offered: a lead offered to a rep → the rep's channels.
- reminder: an SLA reminder → the owner's channels.
- reassigned: a lead moved to another rep (or, by the SLA, to a pool) → the new owner's teams'
  channels and the managers; the new owner's own channels when a manager moved it by hand (an
  SLA re-assignment places the lead through routing, whose `lead.assigned` tells them, with
  the decision's reason).
- escalated: an SLA or pool escalation → the managers and the owner's teams' channels.
- overdue: a lead waiting in a pool too long → the managers.

Only kinds listed in `notifications.send` are sent; each channel URL gets one notice per event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from leadroute.domain.reps import Rep
from leadroute.routing.config import Notifications, RoutingConfig, Team

NOTICE_OF_EVENT: Mapping[str, str] = {
    "lead.assigned": "assigned",
    "lead.offered": "offered",
    "lead.reminded": "reminder",
    "lead.reassigned": "reassigned",
    "lead.escalated": "escalated",
    "lead.overdue": "overdue",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class LoggedEvent:
    """An event of the log as the outbox reads it (storage/owners.py `log`)."""

    id: int | None
    kind: str
    at: datetime
    actor: str
    lead_id: str | None = None
    rep_id: str | None = None
    reason: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class LeadFacts:
    """A lead as it stands when the change commits: what notices and webhooks show of it."""

    id: str
    status: str
    received_at: datetime
    owner: str | None = None
    pool: str | None = None
    score: float | None = None
    grade: str | None = None
    rule: str | None = None
    source: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The name, else the email, else the company, else the id."""
        for key in ("name", "email", "company"):
            value = self.fields.get(key)
            if value:
                return str(value)
        return self.id

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "owner": self.owner,
            "pool": self.pool,
            "score": self.score,
            "grade": self.grade,
            "rule": self.rule,
            "source": self.source,
            "received_at": self.received_at.isoformat(),
            "fields": dict(self.fields),
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class Directory:
    """Who can be told what, from one routing version: reps, team channels, managers."""

    reps: Mapping[str, Rep]
    teams: Mapping[str, Team]
    notifications: Notifications

    @classmethod
    def of(cls, config: RoutingConfig) -> Directory:
        return cls(
            reps={rep.id: rep for rep in config.reps},
            teams=config.teams,
            notifications=config.notifications,
        )

    @property
    def has_channels(self) -> bool:
        """False when no rep, team or manager channel is set: nothing to render at all."""
        return bool(
            self.notifications.send
            and (
                self.notifications.managers
                or any(rep.notify for rep in self.reps.values())
                or any(team.notify for team in self.teams.values())
            )
        )

    def team_channels(self, rep_id: str | None) -> tuple[str, ...]:
        rep = self.reps.get(rep_id or "")
        if rep is None:
            return ()
        teams = (self.teams.get(name) for name in sorted(rep.teams))
        return tuple(url for team in teams if team is not None for url in team.notify)

    def rep_channels(self, rep_id: str | None) -> tuple[str, ...]:
        rep = self.reps.get(rep_id or "")
        return rep.notify if rep is not None else ()

    def name_of(self, rep_id: str | None) -> str | None:
        rep = self.reps.get(rep_id or "")
        return (rep.name or rep.id) if rep is not None else rep_id


@dataclass(frozen=True, kw_only=True, slots=True)
class Notice:
    """One notice to render and send to each of `channels`. `rep` is the rep the lead is for
    (the owner, or the one it is offered to); `previous` the owner before a re-assignment."""

    kind: str
    channels: tuple[str, ...]
    event: LoggedEvent
    rep: str | None = None
    previous: str | None = None


def notice_for(event: LoggedEvent, directory: Directory) -> Notice | None:
    """The notice an event calls for, or None (no such kind, not sent, or nobody to tell)."""
    kind = NOTICE_OF_EVENT.get(event.kind)
    if kind is None or kind not in directory.notifications.send:
        return None
    managers = directory.notifications.managers
    rep = event.rep_id
    previous = None
    if kind == "reassigned":
        previous = _text(event.data.get("from"))
        by_hand = bool(event.data.get("manual"))
        urls: Iterable[str] = (
            *(directory.rep_channels(rep) if by_hand else ()),
            *directory.team_channels(rep),
            *(() if by_hand else managers),
        )
    elif kind == "escalated":
        rep = rep or _text(event.data.get("owner"))
        urls = (*managers, *directory.team_channels(rep))
    elif kind == "overdue":
        urls = managers
    else:
        urls = directory.rep_channels(rep)
    channels = tuple(dict.fromkeys(urls))
    if not channels:
        return None
    return Notice(kind=kind, channels=channels, event=event, rep=rep, previous=previous)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
