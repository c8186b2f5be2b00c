"""Many writers at once, on SQLite and PostgreSQL: 2,000 leads posted by 8 threads (and, as
separate processes, by 4 runtimes sharing one database) each get exactly one owner or pool; the
round robin stays exact; no cap is exceeded; the counters agree with the assignments."""

from __future__ import annotations

import multiprocessing
import queue
import threading
import traceback
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path
from random import Random

from sqlalchemy import func, select

from leadroute.bootstrap import start
from leadroute.services.intake import take_lead
from leadroute.services.principals import SYSTEM
from leadroute.services.runtime import Runtime
from leadroute.settings import Settings
from leadroute.storage.database import Database
from leadroute.storage.tables import AssignmentRow, CapCounter, LeadRow, RepLoad, RoutingState
from tests.api.conftest import Clock, start_migrated

NOW = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
ROTATION = ("r1", "r2", "r3", "r4", "r5")
CAPPED = ("c1", "c2")
DAY_CAP = 20
ROUTING = "\n".join(
    [
        "timezone: UTC",
        "reps:",
        *(f"  - {{id: {rep}, teams: [rotation], hours: always}}" for rep in ROTATION),
        *(
            f"  - {{id: {rep}, teams: [capped], hours: always, caps: {{day: {DAY_CAP}}}}}"
            for rep in CAPPED
        ),
        "pools:",
        "  overflow: {members: [team:capped]}",
        "routing:",
        "  - name: capped",
        "    when: {field: tier, eq: capped}",
        "    assign: {team: capped, select: round_robin}",
        "    on_empty: {pool: overflow}",
        "  - name: rotation",
        "    assign: {team: rotation, select: round_robin}",
        "fallback: {pool: unassigned}",
        "",
    ]
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Mix:
    rotation: int
    capped: int

    @property
    def total(self) -> int:
        return self.rotation + self.capped


def payloads(mix: Mix, *, tag: str) -> list[dict[str, object]]:
    """`mix.total` distinct leads in a shuffled order, `mix.capped` of them tier=capped."""
    leads: list[dict[str, object]] = []
    for n in range(mix.total):
        lead: dict[str, object] = {"email": f"{tag}-{n}@example.com", "source": "load"}
        lead["external_id"] = f"{tag}-{n}"
        if n < mix.capped:
            lead["tier"] = "capped"
        leads.append(lead)
    Random(tag).shuffle(leads)
    return leads


def write_routing(directory: Path) -> Path:
    path = directory / "routing.yaml"
    path.write_text(ROUTING, encoding="utf-8")
    return path


def post_all(runtime: Runtime, leads: list[dict[str, object]], *, threads: int) -> list[int]:
    """Post every lead from `threads` threads that start together; leads posted per thread."""
    waiting: queue.SimpleQueue[dict[str, object]] = queue.SimpleQueue()
    for lead in leads:
        waiting.put(lead)
    ready = threading.Barrier(threads)

    def work() -> int:
        ready.wait(timeout=30)
        posted = 0
        while True:
            try:
                payload = waiting.get_nowait()
            except queue.Empty:
                return posted
            answer = take_lead(runtime=runtime, payload=payload, caller=SYSTEM, now=NOW)
            assert answer.status_code == 201
            posted += 1

    with ThreadPoolExecutor(max_workers=threads) as executor:
        futures = [executor.submit(work) for _ in range(threads)]
        return [future.result() for future in futures]


def check_state(database: Database, mix: Mix) -> None:
    """What every acceptance criterion says, read back from the database."""
    with database.reading() as session:
        leads = session.execute(select(LeadRow.id, LeadRow.owner, LeadRow.pool)).all()
        open_rows = session.execute(
            select(AssignmentRow.lead_id, AssignmentRow.rep_id).where(
                AssignmentRow.ended_at.is_(None)
            )
        ).all()
        all_assignments = session.scalar(select(func.count()).select_from(AssignmentRow))
        loads = {row.rep_id: row.open for row in session.scalars(select(RepLoad))}
        day_counts = {
            row.rep_id: row.count
            for row in session.scalars(select(CapCounter).where(CapCounter.window == "day"))
        }
        sequence = session.scalar(select(RoutingState.sequence).where(RoutingState.id == 1))

    assert len(leads) == mix.total
    assert all((owner is None) != (pool is None) for _, owner, pool in leads)
    owners = {lead_id: owner for lead_id, owner, _ in leads if owner is not None}
    pooled = Counter(pool for _, _, pool in leads if pool is not None)

    open_leads = [lead_id for lead_id, _ in open_rows]
    assert len(open_leads) == len(set(open_leads)), "a lead with two open assignments"
    assert dict(open_rows) == owners
    assert all_assignments == len(owners)  # nothing was reassigned, so none ended

    counts = Counter(owners.values())
    rotation = [counts[rep] for rep in ROTATION]
    assert sum(rotation) == mix.rotation
    assert max(rotation) - min(rotation) <= 1, rotation
    assert {rep: counts[rep] for rep in CAPPED} == dict.fromkeys(CAPPED, DAY_CAP)
    assert pooled == {"overflow": mix.capped - DAY_CAP * len(CAPPED)}

    assert loads == dict(counts)
    assert {rep: day_counts[rep] for rep in counts} == dict(counts)
    assert sequence == len(owners) + sum(pooled.values())


def test_eight_threads_post_2000_leads_at_once(database_url: str, tmp_path: Path) -> None:
    mix = Mix(rotation=1700, capped=300)
    settings = Settings(database_url=database_url, routing=write_routing(tmp_path))
    runtime = start_migrated(settings, Clock(now=NOW))
    try:
        posted = post_all(runtime, payloads(mix, tag="threads"), threads=8)
        assert sum(posted) == mix.total
        assert all(posted), f"a thread never got to post: {posted}"
        check_state(runtime.database, mix)
    finally:
        runtime.database.dispose()


def _process_main(
    database_url: str,
    routing: str,
    tag: str,
    mix: Mix,
    ready: Barrier,
    results: multiprocessing.Queue[tuple[str, int, str]],
) -> None:
    """One process: its own runtime (engine, connection pool, compiled router), posting its
    share of the leads from 2 threads once every process is ready."""
    try:
        runtime = start(Settings(database_url=database_url, routing=Path(routing)))
        try:
            ready.wait(timeout=60)
            posted = post_all(runtime, payloads(mix, tag=tag), threads=2)
        finally:
            runtime.database.dispose()
        results.put((tag, sum(posted), ""))
    except BaseException:
        results.put((tag, -1, traceback.format_exc()))


def test_four_processes_post_500_leads_each(database_url: str, tmp_path: Path) -> None:
    processes, share = 4, Mix(rotation=425, capped=75)
    mix = Mix(rotation=share.rotation * processes, capped=share.capped * processes)
    routing = write_routing(tmp_path)
    runtime = start_migrated(Settings(database_url=database_url, routing=routing), Clock(now=NOW))
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(processes)
    results: multiprocessing.Queue[tuple[str, int, str]] = context.Queue()
    workers = [
        context.Process(
            target=_process_main,
            args=(database_url, str(routing), f"process{n}", share, ready, results),
        )
        for n in range(processes)
    ]
    try:
        for worker in workers:
            worker.start()
        reports = [results.get(timeout=120) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)
        assert [problem for _, _, problem in reports if problem] == []
        assert sorted(posted for _, posted, _ in reports) == [share.total] * processes
        assert [worker.exitcode for worker in workers] == [0] * processes
        check_state(runtime.database, mix)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
        runtime.database.dispose()


def test_a_lead_stamped_before_midnight_but_recorded_after_keeps_the_day_cap(
    database_url: str, tmp_path: Path
) -> None:
    """`now` is read when a request arrives, before it waits for the routing lock, so a
    request from 23:59:59 can commit after one from 00:00:01. It must not turn the day
    counter back to the day before: that would leave a new day's leads uncounted."""
    settings = Settings(database_url=database_url, routing=write_routing(tmp_path))
    runtime = start_migrated(settings, Clock(now=NOW))
    midnight = datetime(2026, 3, 4, tzinfo=UTC)
    late, early = midnight - timedelta(seconds=1), midnight + timedelta(seconds=1)
    leads = iter(payloads(Mix(rotation=0, capped=2 + 1 + 2 * DAY_CAP), tag="midnight"))
    try:
        stamps = [early, early, late] + [early] * (2 * DAY_CAP)
        for now in stamps:
            take_lead(runtime=runtime, payload=next(leads), caller=SYSTEM, now=now)
        with runtime.database.reading() as session:
            assignments = session.execute(
                select(AssignmentRow.rep_id, AssignmentRow.assigned_at)
            ).all()
            day_counts = {
                row.rep_id: (row.starts, row.count)
                for row in session.scalars(select(CapCounter).where(CapCounter.window == "day"))
            }
            pooled = session.scalar(
                select(func.count()).select_from(LeadRow).where(LeadRow.pool == "overflow")
            )
    finally:
        runtime.database.dispose()
    today = Counter(rep for rep, at in assignments if at >= midnight)
    assert today == dict.fromkeys(CAPPED, DAY_CAP)
    assert day_counts == dict.fromkeys(CAPPED, (midnight, DAY_CAP))
    assert pooled == len(stamps) - len(assignments)
