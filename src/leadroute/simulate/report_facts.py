"""Lead facts for reports (reports/facts.py) from a replay: the in-memory store's leads, with
their first decisions and missed SLAs read from the replay's output lines. A scenario is
measured by the same metric code as the live database, before the routing goes live."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from leadroute.reports.facts import LeadFact, decision_capped
from leadroute.routing.config import RoutingConfig
from leadroute.simulate.decisions import Line
from leadroute.simulate.replay import Replay
from leadroute.simulate.scenario import Event
from leadroute.storage.memory import MemoryStore


@dataclass(kw_only=True, slots=True)
class Watched:
    """What reports need from replay's lines: each lead's first decision line, and the leads
    whose first-touch SLA was missed."""

    first_decisions: dict[str, Mapping[str, object]] = field(default_factory=dict)
    sla_missed: set[str] = field(default_factory=set)

    def see(self, line: Line) -> None:
        lead = line.get("lead")
        if isinstance(lead, str) and "rule" in line and ("trace" in line or "capped" in line):
            self.first_decisions.setdefault(lead, line)
        missed = line.get("sla_missed")
        if isinstance(missed, str):
            self.sla_missed.add(missed)


def replay_facts(
    store: MemoryStore,
    first_decisions: Mapping[str, Mapping[str, object]],
    *,
    sla_missed: Iterable[str] = (),
) -> list[LeadFact]:
    """One fact per lead of the store, in the order received (replay has no routing
    versions: `routing_version` is None)."""
    missed = set(sla_missed)
    facts = []
    for record in store.leads.values():
        lead = record.lead
        first = first_decisions.get(lead.id, {})
        source = lead.get("source")
        rep, pool, rule = first.get("rep"), first.get("pool"), first.get("rule")
        facts.append(
            LeadFact(
                id=lead.id,
                received_at=lead.received_at,
                source=str(source) if source is not None else None,
                fields=dict(lead.fields),
                status=record.status,
                owner=record.owner,
                routed_to=rep if isinstance(rep, str) else None,
                pooled_in=pool if isinstance(pool, str) else None,
                rule=rule if isinstance(rule, str) else record.rule,
                experiment=record.experiment,
                arm=record.arm,
                touched_at=record.touched_at,
                closed_at=record.closed_at,
                amount=record.amount,
                sla=record.sla_started_at is not None,
                sla_missed=lead.id in missed,
                reassignments=record.reassignments,
                capped=decision_capped(first),
                activities=dict(Counter(activity.type for activity in record.activities)),
            )
        )
    facts.sort(key=lambda fact: fact.received_at)
    return facts


def measure_scenario(
    config: RoutingConfig, events: Iterable[Event], *, seed: int = 0
) -> list[LeadFact]:
    """Replay the scenario through `config` and return the facts of its leads (the replay
    writes no traces: of them, the facts need only the reps skipped for a full cap)."""
    replay = Replay(config, seed=seed, trace=False, capped=True)
    watched = Watched()
    for line in replay.run(events):
        watched.see(line)
    return replay_facts(replay.store, watched.first_decisions, sla_missed=watched.sla_missed)
