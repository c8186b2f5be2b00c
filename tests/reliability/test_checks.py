"""The crash test's checks can fail. On a database the service left consistent (the crash
test's routing file, every timer fired, every webhook delivered) they find nothing; each kind
of damage a crash could do (a lead lost or routed twice, an owner without its assignment, a
load or cap counter off, a timer that never fired or acted twice, a delivery not sent, not
received or written twice) is reported. In-process, a few seconds per database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadroute.services.intake import take_lead
from leadroute.services.principals import SYSTEM
from leadroute.services.timers import fire_due
from leadroute.services.webhooks import create_webhook
from leadroute.storage.outbox_tables import DeliveryRow
from leadroute.storage.tables import CapCounter, DecisionRow, EventRow, LeadRow, RepLoad, TimerRow
from tests.api.conftest import Service
from tests.outbox import drain, outbox_service, relay_of
from tests.receivers import receiving
from tests.reliability import checks
from tests.reliability.scenario import ROUTING, WEBHOOK_EVENTS
from tests.reliability.stream import Acknowledged

KINDS = ["plain", "offer", "sla", "pool", "test"] * 4
Accepted = list[tuple[str, bytes]]


@dataclass(frozen=True, kw_only=True)
class Settled:
    service: Service
    acknowledged: dict[str, Acknowledged]
    accepted: Accepted


class _Undo(Exception):
    """Rolls the damage back once the checks have seen it."""


@pytest.fixture
def settled(database_url: str, tmp_path: Path) -> Iterator[Settled]:
    """The service took leads of every kind, fired every timer, delivered every webhook."""
    for service in outbox_service(database_url, tmp_path, ROUTING, allow_private_urls=True):
        with receiving() as receiver:
            create_webhook(
                runtime=service.runtime,
                url=receiver.url("/crm"),
                events=WEBHOOK_EVENTS,
                secret="a-shared-secret-of-some-length",
                caller=SYSTEM,
                now=service.clock(),
                allow_private=True,
            )
            acknowledged = {}
            for number, kind in enumerate(KINDS):
                payload = {
                    "external_id": f"lead-{number}",
                    "source": "crash-test",
                    "email": f"lead{number}@example.com",
                    "kind": kind,
                }
                now = service.clock.advance(seconds=0.25)
                answer = take_lead(runtime=service.runtime, payload=payload, caller=SYSTEM, now=now)
                acknowledged[f"lead-{number}"] = Acknowledged(
                    lead_id=answer.body["id"], status=answer.status_code, tries=1, sent_at=now
                )
            for _ in range(40):  # the longest chain (SLA, then backlog's max_wait) takes 8 s
                fire_due(service.runtime, now=service.clock.advance(seconds=0.5))
            drain(service, relay_of(service))
            accepted = [(request.delivery or "", request.body) for request in receiver.accepted()]
        yield Settled(service=service, acknowledged=acknowledged, accepted=accepted)


def problems(
    settled: Settled,
    damage: Callable[[Session], None] = lambda _: None,
    accepted: Accepted | None = None,
) -> list[str]:
    """What the checks find after `damage` (rolled back afterwards)."""
    tally = checks.Tally()
    received = settled.accepted if accepted is None else accepted
    try:
        with settled.service.runtime.database.writing() as session:
            damage(session)
            session.flush()
            checks.leads(session, settled.acknowledged, tally)
            checks.owners(session, tally)
            checks.decisions(session, tally)
            checks.timers(session, tally)
            checks.deliveries(session, received, tally)
            raise _Undo
    except _Undo:
        pass
    checks.created_bodies(received, settled.acknowledged, tally)
    return tally.problems


def _first(session: Session, row: type[Any], *where: Any) -> Any:
    found = session.scalars(select(row).where(*where).order_by(*row.__mapper__.primary_key)).first()
    assert found is not None, f"no {row.__name__} to damage"
    return found


def _lose(session: Session) -> None:
    _first(session, LeadRow, LeadRow.external_id == "lead-0").external_id = "gone"


def _route_twice(session: Session) -> None:
    first = _first(session, DecisionRow)
    session.add(
        DecisionRow(
            lead_id=first.lead_id,
            at=first.at,
            routing_version=first.routing_version,
            rule=first.rule,
            rep=first.rep,
            pool=first.pool,
            reason=first.reason,
            trace=first.trace,
        )
    )


def _land_twice(session: Session) -> None:
    landed = _first(session, EventRow, EventRow.type == "lead.assigned")
    session.add(
        EventRow(
            lead_id=landed.lead_id,
            rep_id=landed.rep_id,
            type=landed.type,
            at=landed.at,
            actor=landed.actor,
            reason=landed.reason,
            data=landed.data,
        )
    )


def _steal(session: Session) -> None:
    owned = _first(session, LeadRow, LeadRow.owner.is_not(None))
    owned.owner = "eli" if owned.owner != "eli" else "dee"


def _overload(session: Session) -> None:
    _first(session, RepLoad).open += 1


def _overcount(session: Session) -> None:
    _first(session, CapCounter).count += 1


def _unfire(session: Session) -> None:
    _first(session, TimerRow, TimerRow.outcome == "expired").fired_at = None


def _fire_twice(session: Session) -> None:
    expired = _first(session, EventRow, EventRow.type == "lead.expired")
    session.add(
        EventRow(
            lead_id=expired.lead_id,
            rep_id=expired.rep_id,
            type=expired.type,
            at=expired.at,
            actor=expired.actor,
            reason=expired.reason,
            data=expired.data,
        )
    )


def _unsend(session: Session) -> None:
    _first(session, DeliveryRow).status = "sending"


def _write_twice(session: Session) -> None:
    sent = _first(session, DeliveryRow, DeliveryRow.event == "lead.created")
    session.add(
        DeliveryRow(
            id="f" * 32,
            kind=sent.kind,
            target=sent.target,
            event=sent.event,
            event_id=sent.event_id,
            lead_id=sent.lead_id,
            payload=sent.payload,
            status="delivered",
            attempts=1,
            next_attempt_at=sent.next_attempt_at,
            created_at=sent.created_at,
            delivered_at=sent.delivered_at,
        )
    )


DAMAGES: list[tuple[str, Callable[[Session], None], str]] = [
    ("lead lost", _lose, "lead-0: answered"),
    ("routed twice at intake", _route_twice, "decisions at"),
    ("landed twice at intake", _land_twice, "intake events"),
    ("owner without its assignment", _steal, "open assignments"),
    ("load off", _overload, "open load"),
    ("cap counter off", _overcount, "cap counter"),
    ("timer never fired", _unfire, "never fired"),
    ("timer acted twice", _fire_twice, "timer events"),
    ("delivery not sent", _unsend, "not delivered"),
    ("delivery written twice", _write_twice, "expected ['lead.created']"),
]


def test_the_checks_pass_a_sound_database_and_report_each_damage(settled: Settled) -> None:
    """One service for every case (building it is the slow part)."""
    assert problems(settled) == []
    with settled.service.runtime.database.reading() as session:
        fired = {
            (kind, outcome)
            for kind, outcome in session.execute(select(TimerRow.kind, TimerRow.outcome))
        }
    # every way the crash test's routing file makes and fires timers happened here
    assert {
        ("offer", "expired"),
        ("wait", "reported"),
        ("sla_remind", "reminded"),
        ("sla_missed", "missed"),
        ("sla_reassign", "reassigned"),
    } <= fired
    created = [body for _, body in settled.accepted if b'"event":"lead.created"' in body]
    assert len(created) == len(KINDS)
    missed = {}
    for name, damage, reported in DAMAGES:
        found = problems(settled, damage)
        if not any(reported in problem for problem in found):
            missed[name] = found
    found = problems(settled, accepted=settled.accepted[1:])
    if not any("never received" in problem for problem in found):
        missed["delivery never received"] = found
    assert missed == {}
