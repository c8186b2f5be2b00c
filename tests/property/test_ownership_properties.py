"""Ownership invariants of the service (SQLite) under random sequences of operations: posting,
claiming (blind and cherry-picked), releasing, accepting and declining offers, timers firing as
the clock moves, manual assignment, closing and qualifying into a hand-off flow.

After every step: one open assignment at most per lead and `leads.owner` equal to it; each
rep's open load equal to the open leads it owns; no lead both owned and pooled; offered leads
owned; cap counters equal to the counted assignments of their window; and no push or claim
ever past a cap (manual assignments may be, as a person decided). And nothing is forgotten:
the latest timer of an offered lead is its pending offer timeout, of an untouched claim from a
pool with claim_ttl its pending return, of a lead waiting in a pool with max_wait its wait timer
(pending, or fired once to report it).
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from leadroute.bootstrap import start
from leadroute.domain.errors import LeadrouteError
from leadroute.routing.windows import window_start
from leadroute.services.intake import take_lead
from leadroute.services.lifecycle import assign_lead, record_event
from leadroute.services.offers import accept_offer, decline_offer
from leadroute.services.pools import claim_lead, claim_next
from leadroute.services.principals import Principal, Role
from leadroute.services.runtime import Runtime
from leadroute.services.timers import fire_due
from leadroute.settings import Settings
from leadroute.storage.owners import CLOSED
from leadroute.storage.tables import AssignmentRow, CapCounter, LeadRow, RepLoad, TimerRow
from tests.api.conftest import Clock, start_migrated
from tests.databases import sqlite_url

T0 = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
REPS = ("ana", "bob", "cy", "dee")
CAPS = {("ana", "day"): 3, ("bob", "hour"): 2}
POOLS = ("inbound", "nurture", "closers", "triage", "unassigned")
MAX_WAIT = frozenset({"inbound", "nurture"})
CLAIM_TTL = frozenset({"inbound"})
KINDS = ("pool", "nurture", "offer", "push", "strategic")
ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr], caps: {day: 3}}
  - {id: bob, teams: [sdr], caps: {hour: 2}}
  - {id: cy, teams: [sdr, ae]}
  - {id: dee, teams: [ae], caps: {open: 2}}
pools:
  inbound:
    members: [team:sdr]
    wip_limit: 3
    claim_ttl: 30m
    max_wait: 1h
    escalate:
      assign: {team: ae, select: least_loaded, offer: {timeout: 10m, max_offers: 1}}
  nurture: {members: [team:sdr, dee], order: score, visibility: blind, max_wait: 2h}
  closers: {members: [team:ae], order: lifo}
scoring:
  rules:
    - {when: {field: hot, eq: true}, points: 50}
routing:
  - name: strategic
    when: {field: kind, eq: strategic}
    assign: {triage: managers}
  - name: pooled
    when: {field: kind, eq: pool}
    pool: inbound
  - name: nurtured
    when: {field: kind, eq: nurture}
    pool: nurture
  - name: offered
    when: {field: kind, eq: offer}
    assign: {team: sdr, select: round_robin, offer: {timeout: 10m, max_offers: 2}}
    on_empty: {pool: inbound}
  - name: pushed
    assign: {team: sdr, select: least_loaded}
fallback: {pool: inbound}
handoff:
  routing:
    - name: hot closers
      when: {field: hot, eq: true}
      assign: {team: ae, select: round_robin, offer: {timeout: 10m, max_offers: 1}}
    - name: closers
      assign: {team: ae, select: least_loaded}
  fallback: {pool: closers}
"""
ADMIN = Principal(key_id="admin", role=Role.ADMIN)
MANAGER = Principal(key_id="manager", role=Role.MANAGER)

# Operations, as plain tuples: ("post", kind, hot), ("pull", rep, pool), ("pick", rep, lead),
# ("release" | "accept" | "decline" | "qualify" | "touch", lead), ("close", lead, result),
# ("assign", lead, rep), ("wait", minutes). `lead` indexes the leads posted so far.
Op = tuple[object, ...]
lead_index = st.integers(min_value=0, max_value=40)
reps = st.sampled_from(REPS)
posts = st.tuples(st.just("post"), st.sampled_from(KINDS), st.booleans())
operations = st.one_of(
    posts,
    posts,
    st.tuples(st.just("pull"), reps, st.sampled_from(POOLS)),
    st.tuples(st.just("pick"), reps, lead_index),
    st.tuples(
        st.sampled_from(("release", "accept", "decline", "qualify", "touch")),
        lead_index,
    ),
    st.tuples(st.just("close"), lead_index, st.sampled_from(("won", "lost", "disqualified"))),
    st.tuples(st.just("assign"), lead_index, reps),
    st.tuples(st.just("wait"), st.sampled_from((1, 9, 11, 29, 31, 61, 125, 24 * 60))),
)


@dataclass(kw_only=True)
class World:
    runtime: Runtime
    now: datetime = T0
    leads: list[str] = field(default_factory=list)

    def lead(self, index: object) -> str | None:
        assert isinstance(index, int)
        return self.leads[index % len(self.leads)] if self.leads else None

    def owner_of(self, lead_id: str) -> Principal:
        """The lead's owner acting on it (an admin when nobody owns it)."""
        with self.runtime.database.reading() as session:
            row = session.get(LeadRow, lead_id)
            owner = row.owner if row is not None else None
        if owner is None:
            return ADMIN
        return Principal(key_id=f"key-{owner}", role=Role.REP, rep_id=owner)


def rep_key(rep: object) -> Principal:
    return Principal(key_id=f"key-{rep}", role=Role.REP, rep_id=str(rep))


def apply(world: World, op: Op) -> None:
    """Run one operation; refusals (LeadrouteError) are part of the game, anything else is not."""
    name = op[0]
    runtime, now = world.runtime, world.now
    if name == "post":
        payload = {"email": f"lead{len(world.leads)}@acme.com", "kind": op[1], "hot": op[2]}
        answer = take_lead(runtime=runtime, payload=payload, caller=ADMIN, now=now)
        world.leads.append(str(answer.body["id"]))
        return
    if name == "wait":
        assert isinstance(op[1], int)
        world.now += timedelta(minutes=op[1])
        fire_due(runtime, now=world.now, limit=1000)
        return
    if name == "pull":
        claim_next(runtime=runtime, pool_name=str(op[2]), caller=rep_key(op[1]), now=now)
        return
    lead_id = world.lead(op[2] if name == "pick" else op[1])
    if lead_id is None:
        return
    actions: dict[str, Callable[[], object]] = {
        "pick": lambda: claim_lead(
            runtime=runtime, lead_id=lead_id, caller=rep_key(op[1]), now=now
        ),
        "accept": lambda: accept_offer(
            runtime=runtime, lead_id=lead_id, caller=world.owner_of(lead_id), now=now
        ),
        "decline": lambda: decline_offer(
            runtime=runtime, lead_id=lead_id, caller=world.owner_of(lead_id), now=now
        ),
        "assign": lambda: assign_lead(
            runtime=runtime,
            lead_id=lead_id,
            rep_id=str(op[2]),
            reason="a manager decided",
            caller=MANAGER,
            now=now,
        ),
    }
    if name in actions:
        actions[name]()
        return
    kind = {"release": "released", "qualify": "qualified", "touch": "touched"}.get(
        str(name), str(op[2]) if len(op) > 2 else ""
    )
    record_event(
        runtime=runtime, lead_id=lead_id, kind=kind, caller=world.owner_of(lead_id), now=now
    )


def check_invariants(world: World) -> None:
    with world.runtime.database.reading() as session:
        leads = session.scalars(select(LeadRow)).all()
        open_rows = session.execute(
            select(AssignmentRow.lead_id, AssignmentRow.rep_id).where(
                AssignmentRow.ended_at.is_(None)
            )
        ).all()
        loads = {row.rep_id: row.open for row in session.scalars(select(RepLoad))}
        counters = session.scalars(select(CapCounter)).all()
        counted_since = {
            (counter.rep_id, counter.window): session.scalar(
                select(func.count())
                .select_from(AssignmentRow)
                .where(
                    AssignmentRow.rep_id == counter.rep_id,
                    AssignmentRow.counted.is_(True),
                    AssignmentRow.assigned_at >= counter.starts,
                )
            )
            for counter in counters
        }
        engine_made = session.execute(
            select(AssignmentRow.rep_id, AssignmentRow.assigned_at).where(
                AssignmentRow.counted.is_(True), AssignmentRow.rule != "manual"
            )
        ).all()
        timers = session.scalars(select(TimerRow)).all()
        manual = session.execute(
            select(AssignmentRow.rep_id, AssignmentRow.assigned_at).where(
                AssignmentRow.counted.is_(True), AssignmentRow.rule == "manual"
            )
        ).all()

    open_per_lead = Counter(lead_id for lead_id, _ in open_rows)
    assert all(count == 1 for count in open_per_lead.values()), open_per_lead
    holder = dict(open_rows)
    for row in leads:
        where = (row.id, row.status, row.owner, row.pool, row.offered)
        assert holder.get(row.id) == row.owner, where
        assert row.owner is None or row.pool is None, where
        assert row.status != "offered" or row.owner is not None, where
    latest = {
        (timer.lead_id, timer.number): (timer.kind, timer.rep_id, timer.pool, timer.outcome)
        for timer in timers
    }
    for row in leads:
        last = latest.get((row.id, row.timers))
        place = (row.id, row.status, row.owner, row.pool, row.claimed_from)
        if row.status == "offered":
            assert last == ("offer", row.owner, None, None), (place, last)
        elif row.pool in MAX_WAIT:
            assert last is not None, place
            assert last[0::2] == ("wait", row.pool), (place, last)
            assert last[3] in (None, "reported"), (place, last)
        elif row.claimed_from in CLAIM_TTL and row.owner and row.status == "routed":
            assert last == ("claim", row.owner, row.claimed_from, None), (place, last)
    owned_open = Counter(row.owner for row in leads if row.owner and row.status not in CLOSED)
    assert {rep: loads.get(rep, 0) for rep in REPS} == {rep: owned_open[rep] for rep in REPS}
    counts = {(counter.rep_id, counter.window): counter.count for counter in counters}
    assert counts == counted_since
    for (rep, window), cap in CAPS.items():
        by_window = Counter(window_start(window, at, UTC) for r, at in engine_made if r == rep)
        hand = Counter(window_start(window, at, UTC) for r, at in manual if r == rep)
        over = {start: n for start, n in by_window.items() if n > cap and not hand[start]}
        assert over == {}, (rep, window, over)


@contextmanager
def template_database() -> Iterator[Path]:
    """A migrated SQLite file with the routing in force, copied for every example."""
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        routing = folder / "routing.yaml"
        routing.write_text(ROUTING, encoding="utf-8")
        runtime = start_migrated(
            Settings(database_url=sqlite_url(folder), routing=routing), Clock(now=T0)
        )
        runtime.database.dispose()
        yield folder


@contextmanager
def fresh_world(template: Path) -> Iterator[World]:
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        shutil.copy(template / "leadroute.db", folder / "leadroute.db")
        runtime = start(
            Settings(database_url=sqlite_url(folder), routing=template / "routing.yaml"),
            clock=lambda: T0,
        )
        try:
            yield World(runtime=runtime)
        finally:
            runtime.database.dispose()


@pytest.fixture(scope="module")
def template() -> Iterator[Path]:
    with template_database() as folder:
        yield folder


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(ops=st.lists(operations, min_size=8, max_size=30))
def test_ownership_holds_after_every_step(template: Path, ops: list[Op]) -> None:
    with fresh_world(template) as world:
        for op in ops:
            with suppress(LeadrouteError):
                apply(world, op)
            check_invariants(world)
