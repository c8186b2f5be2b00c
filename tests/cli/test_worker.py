"""`leadroute worker --once` fires the timers due now in a database the service wrote."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from leadroute.cli import app
from leadroute.services.intake import take_lead
from leadroute.services.leads import get_lead
from leadroute.services.principals import SYSTEM
from leadroute.settings import Settings
from leadroute.storage.tables import TimerRow
from tests.api.conftest import Clock, start_migrated

ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr]}
  - {id: bob, teams: [sdr]}
pools:
  waiting: {members: [team:sdr], max_wait: 1h}
routing:
  - name: later
    when: {field: kind, eq: later}
    pool: waiting
  - name: demo
    assign: {team: sdr, select: round_robin, offer: {timeout: 2m, max_offers: 2}}
"""


def test_worker_once_fires_what_is_due_and_leaves_the_rest(
    database_url: str, tmp_path: Path
) -> None:
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING, encoding="utf-8")
    # The CLI reads the real time: the offer was made a day ago (its timeout long past), the
    # pooled lead arrived a minute ago (its max_wait an hour ahead).
    now = datetime.now(UTC)
    clock = Clock(now=now - timedelta(days=1))
    runtime = start_migrated(Settings(database_url=database_url, routing=routing), clock)
    try:
        offered = take_lead(
            runtime=runtime, payload={"email": "a@acme.com"}, caller=SYSTEM, now=clock.now
        ).body
        assert (offered["status"], offered["owner"]) == ("offered", "ana")
        pooled = take_lead(
            runtime=runtime,
            payload={"email": "b@acme.com", "kind": "later"},
            caller=SYSTEM,
            now=now - timedelta(minutes=1),
        ).body
        assert pooled["pool"] == "waiting"
    finally:
        runtime.database.dispose()

    result = CliRunner().invoke(app, ["worker", "--once", "--database", database_url])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "fired 1 timers"

    runtime = start_migrated(Settings(database_url=database_url), Clock(now=now))
    try:
        moved = get_lead(runtime=runtime, lead_id=str(offered["id"]), caller=SYSTEM)
        assert (moved["status"], moved["owner"], moved["offered"]) == (
            "offered",
            "bob",
            ["ana", "bob"],
        )
        expired = moved["timeline"][-2]
        assert (expired["type"], expired["rep"], expired["actor"]) == (
            "lead.expired",
            "ana",
            "worker",
        )
        assert expired["reason"] == "not accepted within 2m"
        fired_at = datetime.fromisoformat(expired["at"])
        assert now <= fired_at < now + timedelta(minutes=5)  # the worker's real clock
        with runtime.database.reading() as session:
            timers = session.execute(
                select(TimerRow.lead_id, TimerRow.kind, TimerRow.outcome).order_by(TimerRow.id)
            ).all()
        assert [tuple(row) for row in timers] == [
            (offered["id"], "offer", "expired"),
            (pooled["id"], "wait", None),  # due in an hour
            (offered["id"], "offer", None),  # bob's offer, two minutes from the worker's now
        ]
        waiting = get_lead(runtime=runtime, lead_id=str(pooled["id"]), caller=SYSTEM)
        assert [entry["type"] for entry in waiting["timeline"]] == ["lead.received", "lead.pooled"]
    finally:
        runtime.database.dispose()

    again = CliRunner().invoke(app, ["worker", "--once", "--database", database_url])
    assert again.exit_code == 0, again.output
    assert again.output.strip().splitlines()[-1] == "fired 0 timers"
