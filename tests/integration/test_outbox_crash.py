"""A worker killed (SIGKILL) while a receiver holds its request loses nothing: the delivery
stays `sending` until its lease ends, then the restarted worker sends it again under the same
id; every delivery ends up accepted. Real `leadroute worker` processes, SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from leadroute.services.intake import take_lead
from leadroute.services.principals import SYSTEM
from leadroute.services.runtime import Runtime
from leadroute.services.webhooks import create_webhook
from leadroute.settings import Settings
from leadroute.storage.outbox_tables import DeliveryRow
from tests.api.conftest import Clock, start_migrated
from tests.receivers import receiving

ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr]}
routing:
  - name: everyone
    assign: {team: sdr, select: round_robin}
"""
LEASE = 2.0  # seconds a worker holds a delivery it is sending


@contextmanager
def worker(database_url: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`leadroute worker` in a process of its own (killed, if still running, at the end)."""
    env = {
        **os.environ,
        "LEADROUTE_ALLOW_PRIVATE_URLS": "true",
        "LEADROUTE_DELIVERY_LEASE_SECONDS": str(LEASE),
    }
    command = [sys.executable, "-m", "leadroute", "worker", "--interval", "0.1"]
    with log.open("ab") as output:
        process = subprocess.Popen(
            [*command, "--database", database_url], env=env, stdout=output, stderr=output
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def wait_for(check: Callable[[], bool], what: str, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()}")
        time.sleep(0.05)


def test_a_worker_killed_mid_delivery_loses_nothing(database_url: str, tmp_path: Path) -> None:
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING, encoding="utf-8")
    settings = Settings(database_url=database_url, routing=routing, allow_private_urls=True)
    log = tmp_path / "worker.log"
    with receiving(blocking=True) as receiver:
        runtime = start_migrated(settings, Clock(now=datetime.now(UTC)))
        try:
            create_webhook(
                runtime=runtime,
                url=receiver.url("/crm"),
                events=["lead.created", "lead.assigned"],
                secret="a-shared-secret-of-some-length",
                caller=SYSTEM,
                now=datetime.now(UTC),
                allow_private=True,
            )
            for number in range(3):
                payload = {"email": f"lead{number}@acme.com"}
                take_lead(runtime=runtime, payload=payload, caller=SYSTEM, now=datetime.now(UTC))
            assert len(statuses(runtime)) == 6
        finally:
            runtime.database.dispose()

        with worker(database_url, log) as first:
            wait_for(receiver.started.is_set, "the first request", log)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        runtime = start_migrated(settings, Clock(now=datetime.now(UTC)))
        try:
            held = [key for key, (status, _) in statuses(runtime).items() if status == "sending"]
            assert len(held) == 1, statuses(runtime)  # the one the receiver holds
            receiver.release.set()  # the killed worker never reads this answer

            with worker(database_url, log):
                wait_for(lambda: all_delivered(runtime), "every delivery", log)
            final = statuses(runtime)
        finally:
            runtime.database.dispose()
    accepted = [request.delivery or "" for request in receiver.accepted()]
    assert sorted(accepted) == sorted(final)  # each delivery accepted once, none lost
    assert final[held[0]] == ("delivered", 2)  # tried again after the lease, same id
    tries = sorted(r.status for r in receiver.requests if r.delivery == held[0])
    assert tries == [200, 500]


def statuses(runtime: Runtime) -> dict[str, tuple[str, int]]:
    with runtime.database.reading() as session:
        rows = session.execute(select(DeliveryRow.id, DeliveryRow.status, DeliveryRow.attempts))
        return {row.id: (row.status, row.attempts) for row in rows}


def all_delivered(runtime: Runtime) -> bool:
    return all(status == "delivered" for status, _ in statuses(runtime).values())
