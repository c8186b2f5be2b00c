"""The transactional outbox: the notices and webhook events a change calls for are written as
delivery rows in the change's own transaction, just before it commits.

`storage/owners.py log` keeps each transaction's events in `session.info["events"]`; `install`
registers a `before_commit` hook on the runtime's sessions that reads them, with the routing
version in force (who has which channels) and the active webhook subscriptions, and adds one
delivery per (event, channel URL) and per (event, subscription). The change and its deliveries
commit together or not at all; the relay (services/relay.py) sends them afterwards.
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, object_session

from leadroute.domain.deliveries import DeliveryKind, Subscription
from leadroute.notify.messages import Messages
from leadroute.notify.notices import Directory, LeadFacts, LoggedEvent, notice_for
from leadroute.notify.webhooks import ASSIGNING, STATUS_CHANGED, webhook_body, webhook_events
from leadroute.services.errors import NotFound
from leadroute.services.runtime import Runtime
from leadroute.storage.deliveries import active_subscriptions, add_delivery
from leadroute.storage.state import stamp_of
from leadroute.storage.tables import EventRow, LeadRow

EVENTS = "events"  # storage/owners.py `log` appends here
STATUSES = "statuses"  # lead id -> its status before this transaction changed it


def install(runtime: Runtime, *, templates: Path | None = None) -> Outbox:
    """Make every transaction of the runtime's database write its deliveries."""
    outbox = Outbox(runtime=runtime, messages=Messages(templates))
    runtime.keepers.append(outbox)
    # The event registry is process-wide: a strong reference there would keep every runtime
    # (its engine, caches, compiled routing) alive for ever, one per test.
    weak = weakref.ref(outbox)

    def before_commit(session: Session) -> None:
        alive = weak()
        if alive is not None:
            alive.before_commit(session)

    sessions = runtime.database.sessions
    event.listen(sessions, "before_commit", before_commit)
    event.listen(sessions, "after_soft_rollback", _forget)
    if not event.contains(LeadRow.status, "set", _remember_status):
        event.listen(LeadRow.status, "set", _remember_status, active_history=True)
    return outbox


@dataclass(kw_only=True)
class Outbox:
    runtime: Runtime
    messages: Messages
    _directories: dict[int, Directory] = field(default_factory=dict)
    _kept_subscriptions: tuple[int, tuple[Subscription, ...]] | None = None

    def before_commit(self, session: Session) -> None:
        logged: list[EventRow] = session.info.pop(EVENTS, None) or []
        statuses: dict[str, object] = session.info.pop(STATUSES, None) or {}
        rows = [row for row in logged if row.lead_id is not None and row.type.startswith("lead.")]
        if not rows:
            return
        directory = self._directory(session)
        notifying = directory is not None and directory.has_channels
        subscriptions = self._subscriptions(session)
        if not notifying and not subscriptions:
            return
        session.flush()  # the events get their ids
        events = [_logged(row) for row in rows]
        leads = {lead.id: lead for lead in map(partial(_facts, session), events) if lead}
        assigned = {(e.lead_id, e.rep_id) for e in events if e.kind in ASSIGNING}
        for item in events:
            lead = leads.get(item.lead_id or "")
            if lead is None:
                continue
            if notifying and directory is not None:
                self._notices(session, item, lead, directory)
            for kind in webhook_events(item, assigned):
                _webhooks(session, subscriptions, kind, item, lead)
        if subscriptions:
            _status_changes(session, subscriptions, events, leads, statuses)

    def _subscriptions(self, session: Session) -> tuple[Subscription, ...]:
        """The active webhook subscriptions: kept while `routing_state.webhooks_revision` holds
        (a writing transaction knows it without asking, storage/state.py), else read."""
        stamped = stamp_of(session)
        kept = self._kept_subscriptions
        if stamped is not None and kept is not None and kept[0] == stamped.webhooks_revision:
            return kept[1]
        subscriptions = active_subscriptions(session)
        if stamped is not None:
            self._kept_subscriptions = (stamped.webhooks_revision, subscriptions)
        return subscriptions

    def _directory(self, session: Session) -> Directory | None:
        try:
            routing = self.runtime.routing(session)
        except NotFound:
            return None
        found = self._directories.get(routing.version)
        if found is None:
            found = self._directories[routing.version] = Directory.of(routing.router.config)
        return found

    def _notices(
        self, session: Session, item: LoggedEvent, lead: LeadFacts, directory: Directory
    ) -> None:
        notice = notice_for(item, directory)
        if notice is None:
            return
        message = self.messages.render(notice, lead, directory)
        for url in notice.channels:
            add_delivery(
                session,
                delivery_id=_new_id(),
                kind=DeliveryKind.NOTIFICATION,
                target=url,
                event=notice.kind,
                event_id=item.id,
                lead_id=lead.id,
                payload={"title": message.title, "body": message.body, "notice": notice.kind},
                now=item.at,
            )


def _webhooks(
    session: Session,
    subscriptions: Sequence[Subscription],
    kind: str,
    item: LoggedEvent,
    lead: LeadFacts,
    change: tuple[str | None, str] | None = None,
) -> None:
    for subscribed in subscriptions:
        if kind not in subscribed.events:
            continue
        delivery_id = _new_id()
        add_delivery(
            session,
            delivery_id=delivery_id,
            kind=DeliveryKind.WEBHOOK,
            target=subscribed.id,
            event=kind,
            event_id=item.id,
            lead_id=lead.id,
            payload=webhook_body(delivery_id, kind, item, lead, change=change),
            now=item.at,
        )


def _status_changes(
    session: Session,
    subscriptions: Sequence[Subscription],
    events: Sequence[LoggedEvent],
    leads: dict[str, LeadFacts],
    statuses: dict[str, object],
) -> None:
    """One `lead.status_changed` per existing lead whose status the transaction changed (a new
    lead's first status is in its `lead.created`)."""
    created = {item.lead_id for item in events if item.kind == "lead.received"}
    last = {item.lead_id: item for item in events if item.lead_id is not None}
    for lead_id, before in statuses.items():
        lead, item = leads.get(lead_id), last.get(lead_id)
        if lead is None or item is None or lead_id in created or not isinstance(before, str):
            continue
        if lead.status != before:
            _webhooks(session, subscriptions, STATUS_CHANGED, item, lead, (before, lead.status))


def _remember_status(target: LeadRow, _value: object, old: object, _initiator: object) -> None:
    """Keep a lead's status as it was before the transaction's first change to it."""
    session = object_session(target)
    if session is not None and target.id is not None:
        session.info.setdefault(STATUSES, {}).setdefault(target.id, old)


def _forget(session: Session, previous: SessionTransaction) -> None:
    """A rolled-back transaction's events were never logged: nothing to deliver."""
    if previous.parent is None:
        session.info.pop(EVENTS, None)
        session.info.pop(STATUSES, None)


def _logged(row: EventRow) -> LoggedEvent:
    return LoggedEvent(
        id=row.id,
        kind=row.type,
        at=row.at,
        actor=row.actor,
        lead_id=row.lead_id,
        rep_id=row.rep_id,
        reason=row.reason,
        data=dict(row.data or {}),
    )


def _facts(session: Session, item: LoggedEvent) -> LeadFacts | None:
    row = session.get(LeadRow, item.lead_id) if item.lead_id is not None else None
    if row is None:
        return None
    return LeadFacts(
        id=row.id,
        status=row.status,
        received_at=row.received_at,
        owner=row.owner,
        pool=row.pool,
        score=row.score,
        grade=row.grade,
        rule=row.rule,
        source=row.source,
        fields=dict(row.fields or {}),
    )


def _new_id() -> str:
    return uuid.uuid4().hex
