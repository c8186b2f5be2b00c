"""A Hypothesis state machine over the service layer on SQLite: leads taken in (steered by their
fields to pushes, offers, an SLA rule, a cherry-pick pool, a blind pool with max_wait
escalation, triage, nurture, disqualification), claims and blind pulls by any rep, releases,
offers accepted and declined, outcomes, availability changes, the clock moving with the due
timers fired as the worker fires them, and the routing file switched between three versions
(caps and WIP limits lowered; a rep removed, teams and pool members changed).

It calls the services the API routes call (api/routes/*.py are one call each), not HTTP: the
steps are ~10x cheaper, so more sequences fit the CI budget, and the HTTP path is raced in
tests/integration/test_race_clients.py. Refusals (LeadrouteError: the API's 403/404/409/422)
are legal outcomes; any other exception fails the test.

After every step, read from the database: one open assignment at most per lead and
`leads.owner` equal to it; loads equal to open leads; every lead owned, pooled or closed; no
timer failed; cap counters exact; the event log alone tells every lead's owner, pool, status
and assignments (tests/ownership_checks.py); and what the step assigned respects the roster,
availability, hour and day caps, open caps and WIP limits of the routing version in force then,
each at the moment of the assignment (service_model.check_step). A switch of the routing file
takes no lead from anyone, even from a rep now over a lowered cap.

CI runs `MAX_EXAMPLES` sequences of up to `STEPS` steps; LEADROUTE_MODEL_EXAMPLES raises the
number (scripts/reliability), with random rather than fixed sequences.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from hypothesis.stateful import MultipleResults as Results

from leadroute.bootstrap import start
from leadroute.domain.errors import LeadrouteError
from leadroute.domain.reps import Availability
from leadroute.services.intake import take_lead
from leadroute.services.lifecycle import assign_lead, record_event
from leadroute.services.offers import accept_offer, decline_offer
from leadroute.services.pools import claim_lead, claim_next
from leadroute.services.principals import Principal, Role
from leadroute.services.reps import set_availability
from leadroute.services.routing_admin import replace_routing
from leadroute.services.runtime import Runtime, version_in_force
from leadroute.services.timers import fire_due
from leadroute.settings import Settings
from leadroute.storage.owners import CLOSED
from leadroute.storage.tables import LeadRow
from tests import ownership_checks as checks
from tests.api.conftest import T0, Clock, start_migrated
from tests.databases import sqlite_url
from tests.property import service_model as model

EXAMPLES_ENV = "LEADROUTE_MODEL_EXAMPLES"
MAX_EXAMPLES = 75
STEPS = 50
ADMIN = Principal(key_id="admin", role=Role.ADMIN)
MANAGER = Principal(key_id="manager", role=Role.MANAGER)
OUTCOMES = ("touched", "qualified", "won", "lost", "disqualified")
# Who acts on a lead: its owner (an admin when nobody owns it), a manager, or some rep.
ACTORS = ("owner", "owner", "owner", "owner", "manager", *model.REPS)
reps = st.sampled_from(model.REPS)
picks = st.integers(min_value=0, max_value=1000)
actors = st.sampled_from(ACTORS)
POOLED = ("pool", "blind", "cold")
# Offers twice: they live only until answered or timed out, and answering them is a rule.
PUSHED = ("offer", "offer", "sla", "push", "strategic", "spam")


def rep_key(rep: str) -> Principal:
    return Principal(key_id=f"key-{rep}", role=Role.REP, rep_id=rep)


@dataclass(kw_only=True)
class Tally:
    """What the sequences did, printed at the end: steps, service calls, refusals by what
    refused them, events logged, lowered caps that left a rep over them."""

    examples: int = 0
    checks: int = 0  # invariant checks: one after each step, one at the start of each sequence
    calls: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    over_cap_kept: int = 0  # switches after which a rep held more than its new open cap


TALLY = Tally()


class ServiceModel(RuleBasedStateMachine):
    leads: Bundle[str] = Bundle("leads")
    template: ClassVar[Path]  # a migrated database with the base routing, copied per sequence

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="service-model-"))
        shutil.copy(self.template / "leadroute.db", self.folder / "leadroute.db")
        self.clock = Clock(now=T0)
        self.runtime: Runtime = start(
            Settings(database_url=sqlite_url(self.folder)), clock=self.clock
        )
        self.variant = "base"
        self.version = self._version()
        self.away: set[str] = set()
        self.taken: list[str] = []  # lead ids in intake order
        self.takings = 0  # assignments checked so far, in log order
        self.next_assignment = 1  # the first assignment and decision ids the next step may make
        self.next_decision = 1
        TALLY.examples += 1

    def teardown(self) -> None:
        TALLY.events.update(
            event.type
            + (f" ({event.data['by']})" if "by" in event.data else "")
            + (" (manual)" if event.data.get("manual") else "")
            for event in checks.read(self.runtime.database).events
        )
        self.runtime.database.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _version(self) -> int:
        with self.runtime.database.reading() as session:
            version = version_in_force(session)
        assert version is not None
        return version

    def _run(self, name: str, action: Callable[[], object]) -> object | None:
        """One service call; a refusal is a legal outcome (tallied by its first words)."""
        TALLY.calls[name] += 1
        try:
            return action()
        except LeadrouteError as refusal:
            TALLY.refusals[f"{name}: {_gist(str(refusal))}"] += 1
            return None

    def _acting(self, lead_id: str, actor: str) -> Principal:
        if actor == "manager":
            return MANAGER
        if actor != "owner":
            return rep_key(actor)
        with self.runtime.database.reading() as session:
            row = session.get(LeadRow, lead_id)
            owner = row.owner if row is not None else None
        return ADMIN if owner is None else rep_key(owner)

    @rule(target=leads, kinds=st.lists(st.sampled_from(PUSHED), min_size=1, max_size=4))
    def intake_pushed(self, kinds: list[str]) -> Results[str]:
        """Leads a rule pushes or offers to a rep (or sends to triage, or disqualifies)."""
        return multiple(*(self._intake(kind, hot=n % 2 == 0) for n, kind in enumerate(kinds)))

    @rule(
        target=leads,
        kinds=st.lists(st.sampled_from(POOLED), min_size=1, max_size=4),
        hot=st.booleans(),
    )
    def intake_pooled(self, kinds: list[str], hot: bool) -> Results[str]:
        """Leads that wait in a pool (cherry-pick, blind, nurture); `hot` ones score higher."""
        return multiple(*(self._intake(kind, hot=hot) for kind in kinds))

    def _intake(self, kind: str, *, hot: bool) -> str:
        TALLY.calls["intake"] += 1
        n = len(self.taken)
        payload = {"email": f"lead{n}@acme{n}.com", "kind": kind, "hot": hot}
        answer = take_lead(runtime=self.runtime, payload=payload, caller=ADMIN, now=self.clock.now)
        self.taken.append(str(answer.body["id"]))
        return self.taken[-1]

    def _one(self, which: str, index: int) -> str | None:
        """A lead now waiting in a pool (`pooled`), offered (`offered`) or owned and open
        (`owned`), chosen by index: steps that aim at leads they can act on."""
        leads = {lead.id: lead for lead in checks.read_leads(self.runtime.database)}
        chosen = [  # in intake order: lead ids are random, and so would the choice be
            lead.id
            for lead in (leads[lead_id] for lead_id in self.taken)
            if (which == "pooled" and lead.pool is not None)
            or (which == "offered" and lead.status == "offered")
            or (which == "owned" and lead.owner is not None and lead.status not in CLOSED)
        ]
        return chosen[index % len(chosen)] if chosen else None

    @rule(index=picks, rep=reps)
    def cherry_pick(self, index: int, rep: str) -> None:
        lead = self._one("pooled", index)
        if lead is None:
            return
        self._run(
            "claim",
            lambda: claim_lead(
                runtime=self.runtime, lead_id=lead, caller=rep_key(rep), now=self.clock.now
            ),
        )

    @rule(rep=reps, pool=st.sampled_from(model.POOLS))
    def blind_pull(self, rep: str, pool: str) -> None:
        self._run(
            "pull",
            lambda: claim_next(
                runtime=self.runtime, pool_name=pool, caller=rep_key(rep), now=self.clock.now
            ),
        )

    @rule(index=picks, actor=actors)
    def release(self, index: int, actor: str) -> None:
        lead = self._one("owned", index)
        if lead is not None:
            self._event(lead, "released", actor)

    @rule(index=picks, outcome=st.sampled_from(OUTCOMES), actor=actors)
    def work_a_lead(self, index: int, outcome: str, actor: str) -> None:
        """An owned lead touched, qualified or closed (by its owner, mostly)."""
        lead = self._one("owned", index)
        if lead is not None:
            self._event(lead, outcome, actor)

    @rule(lead=leads, outcome=st.sampled_from(OUTCOMES), actor=actors)
    def record_outcome(self, lead: str, outcome: str, actor: str) -> None:
        """Any lead, in any state: mostly refused, sometimes a pooled lead lost."""
        self._event(lead, outcome, actor)

    def _event(self, lead: str, kind: str, actor: str) -> None:
        caller = self._acting(lead, actor)
        amount = 1000.0 if kind == "won" else None
        self._run(
            kind,
            lambda: record_event(
                runtime=self.runtime,
                lead_id=lead,
                kind=kind,
                caller=caller,
                now=self.clock.now,
                amount=amount,
            ),
        )

    @rule(index=picks, accept=st.booleans(), actor=actors)
    def answer_offer(self, index: int, accept: bool, actor: str) -> None:
        lead = self._one("offered", index)
        if lead is None:
            return
        caller = self._acting(lead, actor)
        service = accept_offer if accept else decline_offer
        self._run(
            "accept" if accept else "decline",
            lambda: service(runtime=self.runtime, lead_id=lead, caller=caller, now=self.clock.now),
        )

    @rule(lead=leads, rep=reps)
    def triage(self, lead: str, rep: str) -> None:
        """A manager assigns by hand (what the triage pool waits for; any lead may be)."""
        self._run(
            "assign",
            lambda: assign_lead(
                runtime=self.runtime,
                lead_id=lead,
                rep_id=rep,
                reason="a manager decided",
                caller=MANAGER,
                now=self.clock.now,
            ),
        )

    @rule(rep=reps, status=st.sampled_from(tuple(Availability)))
    def availability(self, rep: str, status: Availability) -> None:
        done = self._run(
            "availability",
            lambda: set_availability(
                runtime=self.runtime,
                rep_id=rep,
                status=status,
                until=None,
                caller=ADMIN,
                now=self.clock.now,
            ),
        )
        if done is not None:
            (self.away.discard if status is Availability.AVAILABLE else self.away.add)(rep)

    @rule(minutes=st.sampled_from((1, 6, 11, 21, 31, 61, 125, 24 * 60)))
    def advance(self, minutes: int) -> None:
        """Time passes; the worker fires what is due (offer timeouts, claim_ttl, max_wait,
        SLA stages) as `Worker.fire` does."""
        TALLY.calls["advance"] += 1
        now = self.clock.advance(minutes=minutes)
        while fire_due(self.runtime, now=now) == 100:  # its batch size: fire until done
            pass

    @rule(variant=st.sampled_from(tuple(model.VARIANTS)))
    def switch_routing(self, variant: str) -> None:
        """A new routing version takes nothing from anyone: owners, open assignments and
        loads are what they were, even for a rep now over a lowered cap."""
        before = checks.read(self.runtime.database)
        self._run(
            "switch",
            lambda: replace_routing(
                runtime=self.runtime,
                text=model.routing_text(variant),
                is_json=False,
                caller=ADMIN,
                now=self.clock.now,
                comment=f"switch to {variant}",
            ),
        )
        self.variant, self.version = variant, self._version()
        after = checks.read(self.runtime.database)
        assert after.leads == before.leads
        assert after.assignments == before.assignments
        assert after.loads == before.loads
        held = after.open_leads()
        TALLY.over_cap_kept += sum(
            1
            for rep in model.roster(variant)
            if (limit := model.cap(variant, rep, "open")) is not None and held[rep] > limit
        )

    @invariant()
    def holds(self) -> None:
        TALLY.checks += 1
        snap = checks.read(self.runtime.database)
        checks.check_all(snap)
        takings = checks.takings(snap.events)
        step = model.Step(
            variant=self.variant,
            version=self.version,
            away=frozenset(self.away),
            first_assignment=self.next_assignment,
            first_decision=self.next_decision,
        )
        model.check_step(snap, step, takings[self.takings :])
        self.takings = len(takings)
        self.next_assignment = 1 + max((a.id for a in snap.assignments), default=0)
        self.next_decision = 1 + max((d[0] for d in snap.decisions), default=0)


def _gist(message: str) -> str:
    """The kind of a refusal: its words without ids and numbers, and without the list of
    pools or reps it may name."""
    words = [
        w for w in message.split("(", maxsplit=1)[0].split() if not any(c.isdigit() for c in w)
    ]
    return " ".join(words[:12])


def _examples() -> int:
    return int(os.environ.get(EXAMPLES_ENV) or MAX_EXAMPLES)


@pytest.fixture(scope="module")
def template() -> Iterator[Path]:
    """A migrated SQLite file with the base routing in force, copied for every example."""
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        routing = folder / "routing.yaml"
        routing.write_text(model.routing_text("base"), encoding="utf-8")
        runtime = start_migrated(
            Settings(database_url=sqlite_url(folder), routing=routing), Clock(now=T0)
        )
        runtime.database.dispose()
        yield folder


def test_the_service_keeps_its_invariants_through_any_sequence(template: Path) -> None:
    database = template

    class Model(ServiceModel):
        template = database

    scaled = EXAMPLES_ENV in os.environ
    run_state_machine_as_test(
        Model,
        settings=settings(
            max_examples=_examples(),
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=not scaled,
            database=None,
            print_blob=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    steps = TALLY.checks - TALLY.examples
    print(
        f"\nmodel: {TALLY.examples} sequences, {steps} steps, "
        f"{sum(TALLY.calls.values())} service calls ({dict(sorted(TALLY.calls.items()))}), "
        f"{sum(TALLY.refusals.values())} refused; {TALLY.over_cap_kept} times a rep kept "
        "more open leads than a new routing version's open cap allows"
    )
    print(f"  events logged: {dict(sorted(TALLY.events.items()))}")
    for gist, count in TALLY.refusals.most_common():
        print(f"  {count:5d}  {gist}")
    if _examples() >= MAX_EXAMPLES:  # the sequences reached what the invariants are about
        reached = " ".join(TALLY.refusals)
        assert "wip limit" in reached, TALLY.refusals
        assert "cap " in reached, TALLY.refusals
        assert TALLY.over_cap_kept > 0
        for kind in ("claimed", "accepted", "declined", "expired", "returned", "escalated"):
            assert TALLY.events[f"lead.{kind}"] > 0, kind
        assert TALLY.events["lead.reassigned (sla)"] > 0
        assert TALLY.events["lead.assigned (manual)"] > 0


ZONED = """\
timezone: UTC
reps:
  - {{id: eve, timezone: {zone}, caps: {{day: 5}}}}
routing:
  - {{name: capped, assign: {{rep: eve, select: hunt}}, on_empty: {{pool: overflow}}}}
pools:
  overflow: {{}}
"""


def test_a_rep_moved_east_and_back_keeps_her_day_cap(database_url: str, tmp_path: Path) -> None:
    """What the model found: at 14:00 UTC Tokyo's day began before New York's. Moved to Tokyo,
    eve's assignments were left off her New York day counter; moved back, that counter let her
    take 9 leads in one New York day under a cap of 5 (storage/owners.py `give`)."""
    routing = tmp_path / "routing.yaml"
    routing.write_text(ZONED.format(zone="America/New_York"), encoding="utf-8")
    clock = Clock(now=T0.replace(hour=14))  # 09:00 in New York, 23:00 in Tokyo
    runtime = start_migrated(Settings(database_url=database_url, routing=routing), clock)

    taken: list[object] = []

    def owners(count: int) -> None:
        for _ in range(count):
            lead = {"email": f"lead{len(taken)}@acme{len(taken)}.com"}
            taken.append(
                take_lead(runtime=runtime, payload=lead, caller=ADMIN, now=clock.now).body["owner"]
            )

    def move(zone: str) -> None:
        replace_routing(
            runtime=runtime,
            text=ZONED.format(zone=zone),
            is_json=False,
            caller=ADMIN,
            now=clock.now,
            comment=f"eve to {zone}",
        )

    try:
        owners(1)
        move("Asia/Tokyo")
        owners(2)
        move("America/New_York")
        owners(4)
    finally:
        runtime.database.dispose()
    assert taken == ["eve"] * 5 + [None] * 2
