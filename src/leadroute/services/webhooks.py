"""Webhook subscriptions for CRM sync: create (the URL checked by the SSRF guard), list,
delete. Events of the subscribed types are posted, signed, by the relay."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from leadroute.domain.errors import InvalidInput, Problem
from leadroute.notify.addresses import Resolver, Unresolvable, refusal, resolve
from leadroute.notify.webhooks import WEBHOOK_EVENTS, secret_problem
from leadroute.rules.parsing import suggest
from leadroute.services.errors import NotFound
from leadroute.services.principals import Principal
from leadroute.services.runtime import Runtime
from leadroute.storage.outbox_tables import WebhookRow
from leadroute.storage.owners import log
from leadroute.storage.state import touch_webhooks

MAX_URL = 2000


def create_webhook(
    *,
    runtime: Runtime,
    url: str,
    events: Sequence[str],
    secret: str | None,
    caller: Principal,
    now: datetime,
    allow_private: bool,
    resolver: Resolver = resolve,
) -> dict[str, Any]:
    """Store a subscription and return it. Without a `secret` one is made and returned this
    once (a given secret is never shown again). InvalidInput names each bad field: a URL that
    is not http(s), does not resolve or points at a private network (unless `allow_private`),
    an unknown event type, a short secret."""
    problems = [*_url_problems(url, allow_private, resolver), *_event_problems(events)]
    if (bad_secret := secret_problem(secret)) is not None:
        problems.append(bad_secret)
    if problems:
        raise InvalidInput(problems)
    made = secret is None
    key = secret if secret is not None else "whsec_" + secrets.token_urlsafe(32)
    row = WebhookRow(
        id=secrets.token_hex(8),
        url=url,
        secret=key,
        events=list(dict.fromkeys(events)),
        active=True,
        created_at=now,
        created_by=caller.actor,
    )
    with runtime.database.writing() as session:
        session.add(row)
        touch_webhooks(session)
        log(session, "webhook.created", at=now, actor=caller.actor, data=webhook_view(row))
    view = webhook_view(row)
    if made:
        view["secret"] = key
    return view


def list_webhooks(*, runtime: Runtime) -> dict[str, Any]:
    """The active subscriptions (never their secrets)."""
    with runtime.database.reading() as session:
        rows = session.scalars(
            select(WebhookRow).where(WebhookRow.active.is_(True)).order_by(WebhookRow.created_at)
        )
        return {"webhooks": [webhook_view(row) for row in rows], "events": list(WEBHOOK_EVENTS)}


def delete_webhook(*, runtime: Runtime, webhook_id: str, caller: Principal, now: datetime) -> None:
    """Stop the subscription; its deliveries not sent yet fail as `webhook ... was deleted`."""
    with runtime.database.writing() as session:
        row = session.get(WebhookRow, webhook_id)
        if row is None or not row.active:
            raise NotFound(f"webhook {webhook_id} does not exist")
        row.active, row.deleted_at = False, now
        touch_webhooks(session)
        log(session, "webhook.deleted", at=now, actor=caller.actor, data={"id": row.id})


def webhook_view(row: WebhookRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "url": shown_url(row.url),
        "events": list(row.events),
        "active": row.active,
        "created_at": row.created_at.isoformat(),
        "created_by": row.created_by,
    }


def shown_url(url: str) -> str:
    """The URL with any password in it hidden."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":****@", 1)
    return parts._replace(netloc=netloc).geturl()


def _url_problems(url: str, allow_private: bool, resolver: Resolver) -> list[Problem]:
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        return [
            Problem(
                path="url",
                message=f"expected an http(s) URL such as https://crm.example.com/hooks/leads "
                f"(at most {MAX_URL} characters), got {url[:100]!r}",
            )
        ]
    if allow_private:
        return []
    try:
        why = refusal(url, resolver=resolver)
    except Unresolvable as error:
        return [Problem(path="url", message=str(error))]
    return [Problem(path="url", message=why)] if why is not None else []


def _event_problems(events: Sequence[str]) -> list[Problem]:
    if not events:
        known = ", ".join(WEBHOOK_EVENTS)
        return [Problem(path="events", message=f"name at least one event ({known})")]
    return [
        Problem(
            path=f"events[{index}]",
            message=f"unknown event {name!r}{suggest(name, WEBHOOK_EVENTS)} "
            f"(events: {', '.join(WEBHOOK_EVENTS)})",
        )
        for index, name in enumerate(events)
        if name not in WEBHOOK_EVENTS
    ]
