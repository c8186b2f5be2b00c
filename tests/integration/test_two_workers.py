"""Two workers, as separate processes on one database (SQLite and PostgreSQL), fire each timer
exactly once: 400 leads start offer, claim_ttl and max_wait timers; both workers are let loose
at the same moment with a clock past every due time; each timer is taken by one worker, acts
once (one event in the log for each timer that was not stale) and no lead ends up with two
owners."""

from __future__ import annotations

import multiprocessing
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path

from sqlalchemy import select

from leadroute.bootstrap import start
from leadroute.services.intake import take_lead
from leadroute.services.offers import accept_offer
from leadroute.services.pools import claim_lead
from leadroute.services.principals import SYSTEM, Principal, Role
from leadroute.services.runtime import Runtime
from leadroute.services.timers import fire_due
from leadroute.settings import Settings
from leadroute.storage.tables import AssignmentRow, EventRow, LeadRow, TimerRow
from tests.api.conftest import Clock, start_migrated

NOW = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=1)  # the workers' clock: every timer started at NOW is due
REPS = ("r1", "r2", "r3", "r4")
OFFERED, ACCEPTED = 150, 30  # offers of 2m; every fifth is accepted before the workers run
WAITING, CLAIMED = 150, 50  # in a pool that escalates after 1h; every third claimed (30m ttl)
WATCHED = 100  # in a pool that reports after 1h
ROUTING = "\n".join(
    [
        "timezone: UTC",
        "reps:",
        *(f"  - {{id: {rep}, teams: [sdr], hours: always}}" for rep in REPS),
        "pools:",
        "  waiting:",
        "    members: [team:sdr]",
        "    claim_ttl: 30m",
        "    max_wait: 1h",
        "    escalate: {assign: {team: sdr, select: round_robin, any_hours: true}}",
        "  watched: {members: [team:sdr], max_wait: 1h}",
        "routing:",
        "  - name: waits",
        "    when: {field: kind, eq: waiting}",
        "    pool: waiting",
        "  - name: watched",
        "    when: {field: kind, eq: watched}",
        "    pool: watched",
        "  - name: offers",
        "    assign: {team: sdr, select: round_robin, offer: {timeout: 2m, max_offers: 2}}",
        "",
    ]
)
# What each outcome of a timer that acted writes to the event log (actor "worker").
LOGGED = {
    "expired": "lead.expired",
    "returned": "lead.returned",
    "escalated": "lead.escalated",
    "reported": "lead.overdue",
    "kept": "lead.overdue",
    "failed": "timer.failed",
}
# A claimed lead comes back with a wait timer due at once (its max_wait passed while it was
# claimed), which the workers fire in the same run; an expired offer goes to the next rep with
# a new offer timer due 2m after LATER, which stays pending.
FIRED = {
    ("offer", "expired"): OFFERED - ACCEPTED,
    ("offer", "stale"): ACCEPTED,
    ("claim", "returned"): CLAIMED,
    ("wait", "stale"): CLAIMED,
    ("wait", "escalated"): WAITING,
    ("wait", "reported"): WATCHED,
}


def rep_key(rep: str) -> Principal:
    return Principal(key_id=f"key-{rep}", role=Role.REP, rep_id=rep)


def take_in(runtime: Runtime) -> list[str]:
    """Post every lead at NOW (accepting and claiming some): the timers each one starts are
    fixed from then on. The ids of all leads."""
    ids: list[str] = []

    def post(payload: dict[str, object]) -> dict[str, object]:
        body = take_lead(runtime=runtime, payload=payload, caller=SYSTEM, now=NOW).body
        ids.append(str(body["id"]))
        return body

    for n in range(OFFERED):
        offered = post({"email": f"offer{n}@acme.com"})
        assert offered["status"] == "offered", offered
        if n % (OFFERED // ACCEPTED) == 0:
            owner = str(offered["owner"])
            accept_offer(runtime=runtime, lead_id=ids[-1], caller=rep_key(owner), now=NOW)
    for n in range(WAITING):
        pooled = post({"email": f"wait{n}@acme.com", "kind": "waiting"})
        assert pooled["pool"] == "waiting", pooled
        if n % (WAITING // CLAIMED) == 0:
            claimer = rep_key(REPS[n % len(REPS)])
            claim_lead(runtime=runtime, lead_id=ids[-1], caller=claimer, now=NOW)
    for n in range(WATCHED):
        assert post({"email": f"watch{n}@acme.com", "kind": "watched"})["pool"] == "watched"
    return ids


@dataclass(frozen=True, kw_only=True, slots=True)
class Report:
    """What one worker process says it did: timers taken per pass, and when (wall clock) it
    started and stopped firing; or the traceback."""

    name: str
    passes: tuple[int, ...] = ()
    started: float = 0.0
    stopped: float = 0.0
    problem: str = ""

    @property
    def taken(self) -> int:
        return sum(self.passes)


def _worker_main(
    database_url: str, name: str, ready: Barrier, reports: multiprocessing.Queue[Report]
) -> None:
    """One worker process, wired like `leadroute worker` (its own runtime on the stored routing
    version) and firing as its loop does (`fire_due`, passes of up to 100 timers) but on a
    fixed clock: once both are ready, fire until nothing is due."""
    try:
        runtime = start(Settings(database_url=database_url))
        try:
            with runtime.database.reading() as session:
                runtime.routing(session)  # compiled before the start line, not after it
            passes: list[int] = []
            ready.wait(timeout=60)
            started = time.time()
            while taken := fire_due(runtime, now=LATER):
                passes.append(taken)
            stopped = time.time()
        finally:
            runtime.database.dispose()
        reports.put(Report(name=name, passes=tuple(passes), started=started, stopped=stopped))
    except BaseException:
        reports.put(Report(name=name, problem=traceback.format_exc()))


def run_two_workers(database_url: str) -> list[Report]:
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(2)
    reports: multiprocessing.Queue[Report] = context.Queue()
    workers = [
        context.Process(target=_worker_main, args=(database_url, name, ready, reports))
        for name in ("worker-a", "worker-b")
    ]
    try:
        for worker in workers:
            worker.start()
        answers = [reports.get(timeout=120) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)
        assert [answer.problem for answer in answers if answer.problem] == []
        assert [worker.exitcode for worker in workers] == [0, 0]
        return answers
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()


def check(runtime: Runtime, ids: list[str], reports: list[Report]) -> None:
    with runtime.database.reading() as session:
        timers = session.execute(
            select(
                TimerRow.lead_id,
                TimerRow.kind,
                TimerRow.outcome,
                TimerRow.fired_at,
                TimerRow.attempts,
                TimerRow.due_at,
            )
        ).all()
        logged = session.execute(
            select(EventRow.lead_id, EventRow.type).where(
                EventRow.actor == "worker", EventRow.type.in_(set(LOGGED.values()))
            )
        ).all()
        leads = session.execute(select(LeadRow.id, LeadRow.owner, LeadRow.pool)).all()
        open_rows = session.execute(
            select(AssignmentRow.lead_id, AssignmentRow.rep_id).where(
                AssignmentRow.ended_at.is_(None)
            )
        ).all()

    fired = [row for row in timers if row.fired_at is not None]
    pending = [row for row in timers if row.fired_at is None]
    assert Counter((row.kind, row.outcome) for row in fired) == FIRED
    assert {row.fired_at for row in fired} == {LATER}
    assert all(row.attempts == 0 for row in timers), "a timer failed and was postponed"
    # Nothing due is left; only the offers to the second rep, due 2m after the workers' clock.
    assert Counter((row.kind, row.due_at) for row in pending) == {
        ("offer", LATER + timedelta(minutes=2)): OFFERED - ACCEPTED
    }
    assert all(row.outcome is None for row in pending)

    # Each timer was taken by one worker: together they took exactly the fired timers. They
    # ran at once; on PostgreSQL, where lock waiters queue, both took a share. SQLite hands its
    # write lock out unfairly: a waiting worker may get it only once the other is done.
    assert sum(report.taken for report in reports) == len(fired), reports
    last_start = max(report.started for report in reports)
    assert all(last_start < report.stopped for report in reports), reports
    if not runtime.database.is_sqlite:
        assert all(report.taken > 0 for report in reports), reports

    # Each timer that acted did so once: per lead, one worker event per timer that acted. A
    # timer fired twice would log its action twice (or log it and then be marked stale).
    acted = Counter((row.lead_id, LOGGED[row.outcome]) for row in fired if row.outcome != "stale")
    assert Counter((lead, kind) for lead, kind in logged) == acted
    assert len(logged) == sum(count for (_, outcome), count in FIRED.items() if outcome != "stale")

    # One owner per lead, and the lead row agrees with its one open assignment.
    assert sorted(lead for lead, _, _ in leads) == sorted(ids)
    owners = {lead: owner for lead, owner, _ in leads if owner is not None}
    open_leads = Counter(lead for lead, _ in open_rows)
    assert all(count == 1 for count in open_leads.values()), "a lead with two open assignments"
    assert dict(open_rows) == owners
    pooled = Counter(pool for _, _, pool in leads if pool is not None)
    assert pooled == {"watched": WATCHED}
    assert len(owners) == OFFERED + WAITING


def test_two_worker_processes_fire_each_timer_once(database_url: str, tmp_path: Path) -> None:
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING, encoding="utf-8")
    runtime = start_migrated(Settings(database_url=database_url, routing=routing), Clock(now=NOW))
    try:
        ids = take_in(runtime)
        reports = run_two_workers(database_url)
        check(runtime, ids, reports)
    finally:
        runtime.database.dispose()
