"""Same engine for SLA timers: one random stream of leads, touches, claims, hand assignments,
availability changes and outcomes runs in lockstep through replay and through the service
(SQLite and PostgreSQL), with every timer firing at its due time in both. Reminders, missed
targets, escalations and re-assignments must happen alike: every lead gets the same
decisions in the same order and ends with the same owner, pool, status and owners so far."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from random import Random

from sqlalchemy import select

from leadroute.domain.reps import Availability
from leadroute.routing_file import parse_routing_text
from leadroute.services.principals import SYSTEM, Principal, Role
from leadroute.services.reps import set_availability
from leadroute.services.runtime import Runtime
from leadroute.settings import Settings
from leadroute.simulate.replay import Replay
from leadroute.storage.tables import EventRow, LeadRow
from tests.api.conftest import Clock, start_migrated
from tests.integration.test_same_engine_pull import Lockstep, _compare

ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr], caps: {day: 12}}
  - {id: bob, teams: [sdr], hours: "mon-fri 09:00-17:00"}
  - {id: cy, teams: [sdr]}
  - {id: dee, teams: [ae]}
  - {id: eve, teams: [ae]}
teams:
  ae: {sla: {remind_after: 20m, reassign_after: 1h, untouched_after: 1d}}
pools:
  inbound: {members: [team:sdr, team:ae], order: fifo}
routing:
  - name: demo
    when: {field: wants_demo, eq: true}
    assign: {team: sdr, select: round_robin}
    on_empty: {pool: inbound}
    sla: {remind_after: 3m, first_touch: 5m, reassign_after: 10m, escalate_after: 15m,
          max_reassignments: 2, then: {pool: inbound}, business_hours: true}
  - name: closers
    when: {field: company_size, gte: 500}
    assign: {team: ae, select: least_loaded}
  - name: rest
    pool: inbound
"""
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
REPS = ("ana", "bob", "cy", "dee", "eve")


class SlaLockstep(Lockstep):
    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self.replay = Replay(parse_routing_text(ROUTING, source="routing"))


def test_replay_and_the_service_agree_on_sla_timers(database_url: str, tmp_path: Path) -> None:
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING, encoding="utf-8")
    runtime = start_migrated(Settings(database_url=database_url, routing=routing), Clock())
    try:
        step = SlaLockstep(runtime)
        _drive(step, Random(11), actions=260)
        _compare(step)
        with runtime.database.reading() as session:
            for lead, sid in step.ids.items():
                row = session.get(LeadRow, sid)
                assert row is not None
                record = step.replay.store.leads[lead]
                assert (list(row.past_owners or []), row.reassignments) == (
                    record.past_owners,
                    record.reassignments,
                ), lead
            kinds = [
                kind
                for kind, data in session.execute(select(EventRow.type, EventRow.data))
                if kind != "lead.reassigned" or (data or {}).get("by") == "sla"
            ]
    finally:
        runtime.database.dispose()
    printed = [next(iter(line)) for line in step.lines]
    for kind in ("reminder", "sla_missed", "escalated", "reassigned"):
        assert kind in printed, f"no {kind} line: the stream does not reach it"
    assert kinds.count("lead.reminded") == printed.count("reminder")
    assert kinds.count("lead.sla_missed") == printed.count("sla_missed")
    assert kinds.count("lead.reassigned") == printed.count("reassigned")
    assert any(line.get("rule") == "sla" for line in step.lines), "no lead reached `then`"


def _drive(step: SlaLockstep, rng: Random, *, actions: int) -> None:
    now = START
    store = step.replay.store
    for n in range(actions):
        now += timedelta(minutes=rng.randint(1, 12))
        known = list(step.ids)
        roll = rng.random()
        if roll < 0.35 or not known:
            payload: dict[str, object] = {"email": f"p{n}@firm{n % 17}.example"}
            payload["company_size"] = rng.choice([10, 80, 600, 2000])
            if rng.random() < 0.6:
                payload["wants_demo"] = True
            step.post(now, f"L{n}", payload)
            continue
        owned = [k for k in known if store.leads[k].owner and store.leads[k].is_open]
        lead = rng.choice(owned if owned and rng.random() < 0.85 else known)
        rep = rng.choice(REPS)
        if roll < 0.55:
            step.lifecycle(now, lead, "touch")
        elif roll < 0.65:
            step.pull(now, "inbound", Principal(key_id="test", role=Role.REP, rep_id=rep))
        elif roll < 0.72:
            step.assign(now, lead, rep)
        elif roll < 0.8:
            step.lifecycle(now, lead, rng.choice(["won", "lost", "qualified", "release"]))
        else:
            status = rng.choice(["away", "available", "available"])
            step.act(
                now,
                "rep",
                {"rep": rep, "status": status},
                partial(
                    set_availability,
                    runtime=step.runtime,
                    rep_id=rep,
                    status=Availability(status),
                    until=None,
                    caller=SYSTEM,
                    now=now,
                ),
            )
