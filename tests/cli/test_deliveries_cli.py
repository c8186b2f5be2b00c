"""`leadroute worker --once` sends due deliveries; `leadroute deliveries list` shows the dead
letters and `leadroute deliveries resend` puts one back in line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from leadroute.cli import app
from leadroute.services.intake import take_lead
from leadroute.services.principals import SYSTEM
from leadroute.services.webhooks import create_webhook
from leadroute.settings import Settings
from tests.api.conftest import Clock, start_migrated

ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr]}
routing:
  - name: everyone
    assign: {team: sdr, select: round_robin}
"""
ENV = {"LEADROUTE_ALLOW_PRIVATE_URLS": "true", "LEADROUTE_DELIVERY_MAX_ATTEMPTS": "1"}


def test_a_dead_letter_listed_and_resent(database_url: str, tmp_path: Path) -> None:
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING, encoding="utf-8")
    now = datetime.now(UTC)
    runtime = start_migrated(Settings(database_url=database_url, routing=routing), Clock(now=now))
    try:
        hook = create_webhook(
            runtime=runtime,
            url="http://127.0.0.1:1/closed",  # nothing listens on port 1
            events=["lead.created"],
            secret=None,
            caller=SYSTEM,
            now=now,
            allow_private=True,
        )
        take_lead(runtime=runtime, payload={"email": "jo@acme.com"}, caller=SYSTEM, now=now)
    finally:
        runtime.database.dispose()
    runner = CliRunner()
    database = ["--database", database_url]

    worked = runner.invoke(app, ["worker", "--once", *database], env=ENV)
    assert worked.exit_code == 0, worked.output
    assert worked.stdout.splitlines()[-2:] == ["tried 1 deliveries", "fired 0 timers"]

    listed = runner.invoke(app, ["deliveries", "list", "--status", "failed", *database])
    assert listed.exit_code == 0, listed.output
    line, summary = listed.stdout.splitlines()
    delivery_id = line.split()[0]
    assert "failed     1 tries  lead.created" in line
    assert f"webhook {hook['id']}  (ConnectError:" in line
    assert summary == "1 of 1 shown"

    resent = runner.invoke(app, ["deliveries", "resend", delivery_id, *database])
    assert resent.exit_code == 0, resent.output
    assert resent.stdout.strip() == f"{delivery_id} is pending again"
    again = runner.invoke(app, ["deliveries", "resend", delivery_id, *database])
    assert again.exit_code == 1
    assert f"delivery {delivery_id} is pending: only a failed delivery is re-sent" in again.stderr
