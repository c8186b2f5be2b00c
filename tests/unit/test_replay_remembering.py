"""The router remembers each rep's availability and caps between leads (routing/gate.py) and
trusts the store to report every rep whose state changed. Offers given back, claims, returns,
releases, hand-offs and manual assignments all change a rep's caps or load: replaying them with
a store that never lets the router remember must print exactly the same lines."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from leadroute.routing_file import parse_routing_text
from leadroute.simulate.replay import Replay
from leadroute.simulate.scenario import read_scenario
from leadroute.storage.memory import MemoryStore
from tests.replaying import Line, event, rep_status

ROUTING = """
timezone: America/New_York
reps:
  - {id: ana, teams: [sdr], caps: {hour: 2, open: 3}}
  - {id: bob, teams: [sdr], caps: {day: 3}}
  - {id: cy, teams: [sdr], caps: {open: 2}}
  - {id: dee, teams: [ae], caps: {hour: 1}}
  - {id: eli, teams: [ae]}
  - {id: fay, teams: [leads]}
pools:
  inbound:
    members: [team:sdr]
    claim_ttl: 20m
    max_wait: 30m
    escalate: {assign: {team: leads, select: least_loaded}}
  closers: {members: [team:ae]}
routing:
  - name: strategic
    when: {field: company_size, gte: 5000}
    assign: {triage: managers}
  - name: demo requests
    when: {field: wants_demo, eq: true}
    assign: {team: sdr, select: least_loaded, offer: {timeout: 3m, max_offers: 2}}
    on_empty: {pool: inbound}
  - name: sdr
    when: {field: company_size, gte: 50}
    assign: {team: sdr, select: round_robin}
  - name: small
    pool: inbound
handoff:
  routing:
    - name: closers
      assign: {team: ae, select: round_robin, offer: {timeout: 5m, max_offers: 2}}
      on_empty: {pool: closers}
"""


class Forgetful(MemoryStore):
    """A store that never says which reps changed: the router must ask about every rep again."""

    def changed_since(self, revision: int) -> Sequence[str] | None:
        return None


def lines(store: MemoryStore) -> list[Line]:
    config = parse_routing_text(textwrap.dedent(ROUTING), source="routing.yaml")
    return list(Replay(config, store=store).run(read_scenario(list(SCENARIO), source="s")))


SCENARIO = (
    event(0, "lead", id="L1", wants_demo=True),
    event(1, "lead", id="L2", wants_demo=True),
    event(1.5, "decline", lead="L1", rep="ana"),
    event(2, "lead", id="L3", company_size=80),
    event(2.5, "accept", lead="L2", rep="bob"),
    event(3, "lead", id="L4", company_size=10),
    event(4, "claim", pool="inbound", rep="ana"),
    event(5, "lead", id="L5", wants_demo=True),
    event(6, "lead", id="L6", company_size=9000),
    event(7, "assign", lead="L6", rep="cy", reason="knows them"),
    event(8, "lead", id="L7", company_size=120),
    event(9, "outcome", lead="L2", result="qualified"),
    event(10, "lead", id="L8", company_size=5),
    event(11, "release", lead="L3"),
    event(12, "decline", lead="L2", rep="dee"),
    event(14, "lead", id="L9", wants_demo=True),
    rep_status(15, "bob", "away"),
    event(16, "lead", id="L10", company_size=300),
    event(20, "release", lead="L3"),
    event(21, "lead", id="L15", company_size=70),
    event(30, "lead", id="L11", wants_demo=True),
    event(40, "claim", pool="inbound", rep="cy"),
    rep_status(45, "bob", "available"),
    event(50, "outcome", lead="L5", result="lost"),
    event(61, "lead", id="L12", company_size=75),
    event(62, "lead", id="L13", wants_demo=True),
    event(90, "lead", id="L14", company_size=60),
)


def test_replay_prints_the_same_lines_when_the_router_remembers_nothing() -> None:
    remembered = lines(MemoryStore())
    assert remembered == lines(Forgetful())
    # The scenario reaches what it is meant to test.
    text = str(remembered)
    for reached in ("expired", "returned", "overdue", "qualified_by", "cap hour", "cap open"):
        assert reached in text, reached
