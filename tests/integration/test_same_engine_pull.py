"""Same engine for pull, offers and hand-offs: one random stream of actions (leads, blind and
cherry-picked claims, accepts, declines, releases, touches, qualifications with a hand-off
flow, outcomes, manual assignments) and the timers they start (offer timeouts, claim_ttl
returns, max_wait escalations) is run in lockstep through replay (in memory, virtual clock) and
through the service (SQLite and PostgreSQL, timers fired by the worker at their due times).
Every action must succeed or be refused in both, every lead must get the same decisions in the
same order, and end with the same owner, pool, status and qualifier."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from random import Random
from typing import Any

from sqlalchemy import select

from leadroute.domain.errors import LeadrouteError
from leadroute.routing_file import parse_routing_text
from leadroute.services.intake import take_lead
from leadroute.services.lifecycle import assign_lead, record_event
from leadroute.services.offers import accept_offer, decline_offer
from leadroute.services.pools import claim_lead, claim_next
from leadroute.services.principals import SYSTEM, Principal, Role
from leadroute.services.runtime import Runtime
from leadroute.services.timers import fire_due
from leadroute.settings import Settings
from leadroute.simulate.replay import Replay
from leadroute.simulate.scenario import Event
from leadroute.storage.tables import DecisionRow, LeadRow
from leadroute.storage.timers import next_due
from tests.api.conftest import Clock, start_migrated

ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr], caps: {day: 8}}
  - {id: bob, teams: [sdr], caps: {open: 4}}
  - {id: cy, teams: [sdr]}
  - {id: dee, teams: [ae], caps: {day: 5}}
  - {id: eve, teams: [ae], weight: 2}
pools:
  inbound: {members: [team:sdr], order: fifo, wip_limit: 3, claim_ttl: 25m, max_wait: 50m,
            escalate: {assign: {team: sdr, select: least_loaded}}}
  blind: {members: [team:sdr], visibility: blind, order: lifo, claim_ttl: 40m}
  closers: {members: [team:ae], order: score, max_wait: 2h}
scoring:
  rules:
    - {when: {field: company_size, gte: 100}, points: 40}
routing:
  - name: strategic
    when: {field: company_size, gte: 5000}
    assign: {triage: managers}
  - name: demo
    when: {field: wants_demo, eq: true}
    assign: {team: sdr, select: round_robin, offer: {timeout: 10m, max_offers: 2}}
    on_empty: {pool: inbound}
  - name: partners
    when: {field: source, eq: partner}
    pool: blind
  - name: inbound
    pool: inbound
handoff:
  routing:
    - name: big closers
      when: {field: score, gte: 40}
      assign: {team: ae, select: weighted, offer: {timeout: 15m, max_offers: 1}}
      on_empty: {pool: closers}
    - name: closers
      assign: {team: ae, select: round_robin}
  fallback: {pool: closers}
"""

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REPS = ("ana", "bob", "cy", "dee", "eve")
POOLS = ("inbound", "blind", "closers", "triage")


class Lockstep:
    """Applies each action to replay and to the service and checks they agree on it."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.replay = Replay(parse_routing_text(ROUTING, source="routing"))
        self.ids: dict[str, str] = {}  # replay lead id -> service lead id
        self.lines: list[dict[str, object]] = []  # everything replay printed
        self.outcomes: list[tuple[str, bool]] = []

    def act(
        self, at: datetime, kind: str, body: dict[str, object], service: Callable[[], Any]
    ) -> Any:
        """Run the action in both; return the service's answer (None when refused)."""
        self._fire_until(at)
        event = Event(line=len(self.outcomes) + 1, at=at, kind=kind, body=body)
        lines = list(self.replay.run([event]))
        self.lines.extend(lines)
        done_in_memory = _succeeded(kind, lines)
        try:
            result = service()
        except LeadrouteError:
            result = None
        assert (result is not None) == done_in_memory, (kind, body, lines)
        if kind == "claim" and done_in_memory:
            claimed = next(line for line in lines if "claim" in line)["lead"]
            assert self.ids[str(claimed)] == result["id"], (body, lines)
        self.outcomes.append((kind, done_in_memory))
        return result

    # The actions both drivers use: each runs in replay and in the service at once.
    def post(self, at: datetime, lead_id: str, payload: dict[str, object]) -> None:
        body = self.act(
            at, "lead", {"id": lead_id, **payload}, partial(_post, self.runtime, payload, at)
        )
        self.ids[lead_id] = str(body["id"])

    def pull(self, at: datetime, pool: str, rep: Principal) -> None:
        self.act(
            at,
            "claim",
            {"pool": pool, "rep": rep.rep_id},
            partial(claim_next, runtime=self.runtime, pool_name=pool, caller=rep, now=at),
        )

    def cherry_pick(self, at: datetime, pool: str, rep: Principal, lead: str) -> None:
        self.act(
            at,
            "claim",
            {"pool": pool, "rep": rep.rep_id, "lead": lead},
            partial(claim_lead, runtime=self.runtime, lead_id=self.ids[lead], caller=rep, now=at),
        )

    def lifecycle(self, at: datetime, lead: str, kind: str) -> None:
        """release, touch, or an outcome (qualified, won, lost) by an admin."""
        body: dict[str, object] = {"lead": lead}
        if kind in ("release", "touch"):
            scenario_kind = kind
        else:
            scenario_kind, body["result"] = "outcome", kind
        event_kind = {"release": "released", "touch": "touched"}.get(kind, kind)
        self.act(
            at,
            scenario_kind,
            body,
            partial(
                record_event,
                runtime=self.runtime,
                lead_id=self.ids[lead],
                kind=event_kind,
                caller=SYSTEM,
                now=at,
            ),
        )

    def assign(self, at: datetime, lead: str, rep: str) -> None:
        self.act(
            at,
            "assign",
            {"lead": lead, "rep": rep, "reason": "manager's call"},
            partial(
                assign_lead,
                runtime=self.runtime,
                lead_id=self.ids[lead],
                rep_id=rep,
                reason="manager's call",
                caller=SYSTEM,
                now=at,
            ),
        )

    def _fire_until(self, at: datetime) -> None:
        while True:
            with self.runtime.database.reading() as session:
                due = next_due(session)
            if due is None or due > at:
                return
            fire_due(self.runtime, now=due)


def _succeeded(kind: str, lines: list[dict[str, object]]) -> bool:
    if kind == "lead":
        return True
    answer = next(line for line in reversed(lines) if kind in line)
    return answer.get("ok") is True


def test_replay_and_the_service_agree_on_pull_offers_and_hand_offs(
    database_url: str, tmp_path: Path
) -> None:
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING, encoding="utf-8")
    runtime = start_migrated(Settings(database_url=database_url, routing=routing), Clock())
    try:
        step = Lockstep(runtime)
        _drive(step, Random(7), actions=320)
        _compare(step)
    finally:
        runtime.database.dispose()
    done = {(kind, ok) for kind, ok in step.outcomes}
    for kind in ("claim", "accept", "decline", "release", "touch", "outcome", "assign"):
        assert (kind, True) in done, f"no {kind} succeeded: the stream does not test it"
    records = step.replay.store.leads.values()
    assert any(record.qualified_by for record in records), "no hand-off happened"
    printed = {key for line in step.lines for key in line}
    for timer in ("expired", "returned", "overdue", "offer"):
        assert timer in printed, f"no {timer} line: the stream does not reach it"
    rules = {line.get("rule") for line in step.lines}
    assert {"big closers", "closers", "pool inbound escalation", "strategic"} <= rules


def _drive(step: Lockstep, rng: Random, *, actions: int) -> None:
    now = START
    store = step.replay.store
    for n in range(actions):
        now += timedelta(minutes=rng.randint(1, 9))
        known = list(step.ids)
        roll = rng.random()
        if roll < 0.3 or not known:
            lead_id = f"L{n}"
            payload: dict[str, object] = {"email": f"p{n}@firm{n % 23}.example"}
            payload["company_size"] = rng.choice([5, 50, 150, 900, 7000])
            if rng.random() < 0.4:
                payload["wants_demo"] = True
            if rng.random() < 0.2:
                payload["source"] = "partner"
            step.post(now, lead_id, payload)
            continue
        # Mostly act on leads the action fits (offered ones for accept/decline, owned ones for
        # the lifecycle), sometimes on any lead, so refusals are compared too.
        if 0.55 <= roll < 0.72:
            fitting = [k for k in known if store.leads[k].status == "offered"]
        elif roll >= 0.72:
            fitting = [k for k in known if store.leads[k].owner and store.leads[k].is_open]
        else:
            fitting = []
        lead = rng.choice(fitting if fitting and rng.random() < 0.8 else known)
        record = store.leads[lead]
        sid = step.ids[lead]
        rep = record.owner if record.owner and rng.random() < 0.7 else rng.choice(REPS)
        as_rep = Principal(key_id="test", role=Role.REP, rep_id=rep)
        if roll < 0.45:
            step.pull(now, rng.choice(POOLS[:3]), as_rep)
        elif roll < 0.55:
            step.cherry_pick(now, record.pool or rng.choice(POOLS[:3]), as_rep, lead)
        elif roll < 0.65:
            step.act(
                now,
                "accept",
                {"lead": lead, "rep": rep},
                partial(accept_offer, runtime=step.runtime, lead_id=sid, caller=as_rep, now=now),
            )
        elif roll < 0.72:
            step.act(
                now,
                "decline",
                {"lead": lead, "rep": rep},
                partial(decline_offer, runtime=step.runtime, lead_id=sid, caller=as_rep, now=now),
            )
        elif roll < 0.92:
            step.lifecycle(
                now, lead, rng.choice(["release", "touch", "qualified", "qualified", "won", "lost"])
            )
        else:
            step.assign(now, lead, rep)


def _post(runtime: Runtime, payload: dict[str, object], now: datetime) -> dict[str, Any]:
    return take_lead(runtime=runtime, payload=payload, caller=SYSTEM, now=now).body


def _compare(step: Lockstep) -> None:
    memory = step.replay.store
    with step.runtime.database.reading() as session:
        for lead, sid in step.ids.items():
            row = session.get(LeadRow, sid)
            assert row is not None
            record = memory.leads[lead]
            assert (row.owner, row.pool, row.status, row.qualified_by) == (
                record.owner,
                record.pool,
                record.status,
                record.qualified_by,
            ), lead
            stored = session.scalars(
                select(DecisionRow).where(DecisionRow.lead_id == sid).order_by(DecisionRow.id)
            ).all()
            assert [(d.rep, d.pool, d.rule, d.reason) for d in stored] == _decisions(step, lead)


def _decisions(step: Lockstep, lead: str) -> list[tuple[object, ...]]:
    """The decisions replay printed for the lead, in order."""
    return [
        (line["rep"], line["pool"], line["rule"], line["reason"])
        for line in step.lines
        if line.get("lead") == lead and "trace" in line
    ]
