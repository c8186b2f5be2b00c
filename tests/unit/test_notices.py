"""Which events become notices for which channels, and how the packaged templates read."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from leadroute.notify.messages import Messages
from leadroute.notify.notices import Directory, LeadFacts, LoggedEvent, notice_for
from leadroute.routing.config import NOTICE_KINDS, Notifications, Team
from tests.factories import make_rep

AT = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
ANA, BOB = "slack://ana", "slack://bob"
SDR, CLOSERS, MANAGERS = "msteams://sdr", "msteams://closers", "mailto://boss"


def directory(send: frozenset[str] = frozenset(NOTICE_KINDS)) -> Directory:
    return Directory(
        reps={
            "ana": make_rep(id="ana", name="Ana Souza", teams=["sdr"], notify=(ANA,)),
            "bob": make_rep(id="bob", name="Bob Stone", teams=["sdr", "closers"], notify=(BOB,)),
            "cy": make_rep(id="cy", teams=["closers"]),
        },
        teams={
            "sdr": Team(name="sdr", notify=(SDR,)),
            "closers": Team(name="closers", notify=(CLOSERS, SDR)),
        },
        notifications=Notifications(
            managers=(MANAGERS,), send=send, dashboard_url="https://leads.example.com"
        ),
    )


def logged(kind: str, rep: str | None = None, **data: Any) -> LoggedEvent:
    return LoggedEvent(
        id=7,
        kind=kind,
        at=AT,
        actor="worker",
        lead_id="L1",
        rep_id=rep,
        reason="north america: ana (round robin: never served by this rule)",
        data=data,
    )


LEAD = LeadFacts(
    id="L1",
    status="routed",
    received_at=AT,
    owner="ana",
    score=42.5,
    grade="B",
    fields={"name": "Jo Lee", "company": "Acme", "email": "jo@acme.com", "country": "US"},
)


@pytest.mark.parametrize(
    ("event", "kind", "channels"),
    [
        (logged("lead.assigned", "ana"), "assigned", (ANA,)),
        (logged("lead.offered", "bob"), "offered", (BOB,)),
        (logged("lead.reminded", "ana"), "reminder", (ANA,)),
        # By the SLA, routing's `lead.assigned` tells Bob himself; by hand, this notice does.
        (logged("lead.reassigned", "bob", by="sla"), "reassigned", (CLOSERS, SDR, MANAGERS)),
        (logged("lead.reassigned", "bob", manual=True), "reassigned", (BOB, CLOSERS, SDR)),
        (logged("lead.reassigned", None, by="sla", pool="unassigned"), "reassigned", (MANAGERS,)),
        (logged("lead.escalated", "ana", by="sla", owner="ana"), "escalated", (MANAGERS, SDR)),
        (logged("lead.escalated", None, pool="inbound"), "escalated", (MANAGERS,)),
        (logged("lead.overdue", None, pool="inbound"), "overdue", (MANAGERS,)),
    ],
)
def test_each_notice_goes_to_its_channels_once(
    event: LoggedEvent, kind: str, channels: tuple[str, ...]
) -> None:
    notice = notice_for(event, directory())
    assert notice is not None
    assert (notice.kind, notice.channels) == (kind, channels)


@pytest.mark.parametrize(
    "event",
    [
        logged("lead.claimed", "ana"),  # the rep did it
        logged("lead.accepted", "ana"),
        logged("lead.touched", "ana"),
        logged("lead.sla_missed", "ana"),
        logged("lead.assigned", "cy"),  # no channel of their own
        logged("lead.assigned", "gone"),  # not in the routing in force
    ],
)
def test_events_without_a_notice(event: LoggedEvent) -> None:
    assert notice_for(event, directory()) is None


def test_only_kinds_listed_in_send_are_sent() -> None:
    quiet = directory(send=frozenset({"escalated", "overdue"}))
    assert notice_for(logged("lead.assigned", "ana"), quiet) is None
    assert notice_for(logged("lead.overdue", None, pool="x"), quiet) is not None
    assert not directory(send=frozenset()).has_channels
    assert directory().has_channels


def render(event: LoggedEvent, messages: Messages | None = None) -> tuple[str, str]:
    notice = notice_for(event, directory())
    assert notice is not None
    message = (messages or Messages()).render(notice, LEAD, directory())
    return message.title, message.body


def test_the_assigned_notice_says_who_why_and_where() -> None:
    title, body = render(logged("lead.assigned", "ana"))
    assert title == "New lead for Ana Souza: Jo Lee"
    assert body == (
        "Jo Lee (Acme)\n"
        "Email: jo@acme.com\n"
        "Country: US\n"
        "Score: 42.5 (B)\n"
        "\n"
        "Why you got this lead: north america: ana (round robin: never served by this rule)\n"
        "Open it: https://leads.example.com/leads/L1"
    )


def test_the_other_notices() -> None:
    offered = render(logged("lead.offered", "bob", expires="2026-03-03T17:02:00+00:00"))
    assert offered[0] == "Lead offered to Bob Stone: Jo Lee"
    assert "Accept it before 2026-03-03T17:02:00+00:00" in offered[1]
    moved = render(logged("lead.reassigned", "bob", **{"from": "ana", "by": "sla"}))
    assert moved[0] == "Lead re-assigned to Bob Stone: Jo Lee"
    assert "Re-assigned from Ana Souza to Bob Stone." in moved[1]
    pooled = render(logged("lead.reassigned", None, **{"from": "ana", "pool": "unassigned"}))
    assert pooled[0] == "Lead moved to pool unassigned: Jo Lee"
    assert "Taken from Ana Souza and put in pool unassigned." in pooled[1]
    assert render(logged("lead.escalated", "ana", owner="ana"))[0] == (
        "Escalated: Jo Lee (owner Ana Souza)"
    )
    assert render(logged("lead.overdue", None, pool="inbound"))[0] == (
        "Waiting too long in pool inbound: Jo Lee"
    )
    assert render(logged("lead.reminded", "ana"))[0] == (
        "Reminder for Ana Souza: Jo Lee is waiting for a first touch"
    )


def test_templates_in_a_directory_override_the_packaged_ones(tmp_path: Path) -> None:
    (tmp_path / "assigned.title.txt").write_text("{{ lead.label }} -> {{ rep }}\n")
    (tmp_path / "overdue.body.txt").write_text("{{ broken(\n")
    messages = Messages(tmp_path)
    title, body = render(logged("lead.assigned", "ana"), messages)
    assert title == "Jo Lee -> ana"
    assert body.endswith("Open it: https://leads.example.com/leads/L1")  # packaged body
    title, body = render(logged("lead.overdue", None, pool="x"), messages)
    assert title == "leadroute: overdue Jo Lee"  # a broken template never stops the change
    assert body.startswith("(the overdue template failed:")
