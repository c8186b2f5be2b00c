"""The `sla:` of a rule, the `teams:` section (team SLA and channels) and `notifications:`.

Functions of the Builder (routing_file/building.py), which collects the problems.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from leadroute.domain.errors import join_path
from leadroute.domain.pools import UNASSIGNED
from leadroute.domain.sla import Sla
from leadroute.routing.config import NOTICE_KINDS, Notifications, Team
from leadroute.routing_file.schema import NotificationsSchema, SlaSchema, TeamSchema

if TYPE_CHECKING:
    from leadroute.routing_file.building import Builder

_STAGES = ("first_touch", "remind_after", "reassign_after", "escalate_after", "untouched_after")


def build_sla(builder: Builder, raw: object, path: str) -> Sla | None:
    """An `sla:` section (of a rule or a team), or None when absent or broken."""
    spec = builder.part(SlaSchema, raw, path)
    if spec is None:
        return None
    times: dict[str, timedelta | None] = {
        stage: builder.positive(getattr(spec, stage), join_path(path, stage)) for stage in _STAGES
    }
    if all(getattr(spec, stage) is None for stage in _STAGES):
        builder.problem(path, f"an sla needs at least one of {', '.join(_STAGES)}")
    remind, reassign = times["remind_after"], times["reassign_after"]
    if remind is not None and reassign is not None and remind >= reassign:
        builder.problem(
            join_path(path, "remind_after"),
            "remind_after must come before reassign_after (the reminder is the warning)",
        )
    then_pool, then_rep = _then(builder, spec.then, join_path(path, "then"))
    return Sla(
        first_touch=times["first_touch"],
        remind_after=remind,
        reassign_after=reassign,
        escalate_after=times["escalate_after"],
        max_reassignments=spec.max_reassignments,
        exclude_last=spec.exclude_last,
        then_pool=then_pool,
        then_rep=then_rep,
        business_hours=spec.business_hours,
        untouched_after=times["untouched_after"],
    )


def build_teams(builder: Builder, teams: dict[str, object]) -> dict[str, Team]:
    """`teams: {NAME: {sla: ..., notify: [URL, ...]}}`; every name must be a team of a rep."""
    built: dict[str, Team] = {}
    for name, raw in teams.items():
        path = join_path("teams", name)
        builder.known(name, builder.teams, path, "team")
        spec = builder.part(TeamSchema, raw if raw is not None else {}, path)
        if spec is None:
            continue
        sla = build_sla(builder, spec.sla, join_path(path, "sla")) if spec.sla else None
        notify = channels(builder, spec.notify, join_path(path, "notify"))
        built[name] = Team(name=name, sla=sla, notify=notify)
    return built


def build_notifications(builder: Builder, raw: object) -> Notifications:
    spec = builder.part(NotificationsSchema, raw, "notifications") if raw is not None else None
    if spec is None:
        return Notifications()
    send = frozenset(NOTICE_KINDS)
    if spec.send is not None:
        for index, kind in enumerate(spec.send):
            builder.known(kind, NOTICE_KINDS, join_path("notifications.send", index), "notice")
        send = frozenset(spec.send)
    link = urlsplit(spec.dashboard_url)
    if link.scheme not in ("http", "https") or not link.netloc:
        builder.problem(
            "notifications.dashboard_url",
            f"expected an http(s) address such as https://leads.example.com, "
            f"got {spec.dashboard_url!r}",
        )
    return Notifications(
        managers=channels(builder, spec.managers, "notifications.managers"),
        send=send,
        dashboard_url=spec.dashboard_url.rstrip("/"),
    )


def channels(builder: Builder, urls: Sequence[str], path: str) -> tuple[str, ...]:
    """Apprise URLs (slack://, msteams://, mailto://, json://, ...): each must have a scheme.
    Whether apprise can reach it is only known when a notice is sent (a failed delivery is
    retried, then listed in `GET /api/v1/deliveries?status=failed`)."""
    for index, url in enumerate(urls):
        if "://" not in url:
            builder.problem(
                join_path(path, index),
                f"expected an apprise URL such as slack://TOKEN/#channel or "
                f"mailto://user:pass@example.com, got {url!r}",
            )
    return tuple(urls)


def _then(builder: Builder, raw: object, path: str) -> tuple[str | None, str | None]:
    """`then: {pool: NAME}` or `then: {rep: ID}`; absent: the unassigned pool."""
    if raw is None:
        return UNASSIGNED, None
    if isinstance(raw, dict) and len(raw) == 1:
        ((key, value),) = raw.items()
        if key == "pool" and isinstance(value, str):
            builder.known(value, builder.pool_names, join_path(path, "pool"), "pool")
            return value, None
        if key == "rep" and isinstance(value, str):
            builder.known(value, builder.rep_ids, join_path(path, "rep"), "rep")
            return None, value
    builder.problem(path, f"expected {{pool: NAME}} or {{rep: ID}}, got {raw!r}")
    return UNASSIGNED, None
