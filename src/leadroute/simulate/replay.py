"""Replay a scenario through the engine: in-memory store, virtual clock, seeded randomness.

Same routing file, scenario and seed: byte-identical output.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from random import Random

from leadroute.domain.reps import Availability, Status
from leadroute.normalize import lead_from_payload
from leadroute.routing.config import RoutingConfig
from leadroute.routing.engine import Router
from leadroute.routing.pools import claim_refusal, next_in_pool
from leadroute.simulate.scenario import Event
from leadroute.storage.memory import MemoryStore


class Replay:
    def __init__(self, config: RoutingConfig, *, seed: int = 0) -> None:
        self.router = Router(config)
        self.store = MemoryStore()
        self.rng = Random(seed)

    def run(self, events: Iterable[Event]) -> Iterator[dict[str, object]]:
        for event in events:
            yield getattr(self, f"_on_{event.kind}")(event)

    def _on_lead(self, event: Event) -> dict[str, object]:
        payload = dict(event.body)
        lead_id = str(payload.pop("id", f"line{event.line}"))
        received = payload.pop("received_at", None)
        received_at = datetime.fromisoformat(received) if isinstance(received, str) else event.at
        lead = self.router.score(
            lead_from_payload(payload, lead_id=lead_id, received_at=received_at)
        )
        decision = self.router.route(lead, now=event.at, ledger=self.store, rng=self.rng)
        self.store.record_decision(lead, decision, event.at)
        return decision.as_dict()

    def _on_rep(self, event: Event) -> dict[str, object]:
        rep_id = str(event.body["rep"])
        until = event.body.get("until")
        out: dict[str, object] = {"rep": rep_id, "status": event.body["status"], "ok": True}
        if rep_id not in self.router.reps:
            return {**out, "ok": False, "reason": f"unknown rep {rep_id}"}
        self.store.set_status(
            rep_id,
            Status(
                availability=Availability(str(event.body["status"])),
                until=until if isinstance(until, datetime) else None,
            ),
        )
        if isinstance(until, datetime):
            out["until"] = until.isoformat()
        return out

    def _on_touch(self, event: Event) -> dict[str, object]:
        lead_id = str(event.body["lead"])
        record = self.store.leads.get(lead_id)
        if record is None:
            return {"touch": lead_id, "ok": False, "reason": "unknown lead"}
        self.store.touch(lead_id, event.at)
        return {"touch": lead_id, "rep": record.owner, "ok": True}

    def _on_outcome(self, event: Event) -> dict[str, object]:
        lead_id, result = str(event.body["lead"]), str(event.body["result"])
        amount = event.body.get("amount")
        out: dict[str, object] = {"outcome": lead_id, "result": result}
        record = self.store.leads.get(lead_id)
        if record is None:
            return {**out, "ok": False, "reason": "unknown lead"}
        if result == "touched":
            self.store.touch(lead_id, event.at)
        else:
            value = float(amount) if isinstance(amount, int | float) else None
            self.store.record_outcome(lead_id, result, event.at, value)
        if amount is not None:
            out["amount"] = amount
        return {**out, "rep": record.owner, "ok": True}

    def _on_claim(self, event: Event) -> dict[str, object]:
        pool_name, rep_id = str(event.body["pool"]), str(event.body["rep"])
        wanted = event.body.get("lead")
        out: dict[str, object] = {"claim": pool_name, "rep": rep_id}
        rep = self.router.reps.get(rep_id)
        config = self.router.config
        if rep is None:
            return {**out, "lead": wanted, "ok": False, "reason": f"unknown rep {rep_id}"}
        if pool_name not in config.pools:
            return {**out, "lead": wanted, "ok": False, "reason": f"unknown pool {pool_name}"}
        pool = config.pools[pool_name]
        refusal = claim_refusal(rep, pool, now=event.at, ledger=self.store)
        if refusal:
            return {**out, "lead": wanted, "ok": False, "reason": refusal}
        waiting = self.store.waiting(pool_name)
        if wanted is not None:
            chosen = next((w for w in waiting if w.lead_id == str(wanted)), None)
            if chosen is None:
                return {
                    **out,
                    "lead": wanted,
                    "ok": False,
                    "reason": _gone(self.store, str(wanted)),
                }
        else:
            chosen = next_in_pool(waiting, pool.order)
            if chosen is None:
                return {**out, "lead": None, "ok": False, "reason": "pool is empty"}
        self.store.claim(chosen.lead_id, rep_id, event.at)
        return {**out, "lead": chosen.lead_id, "ok": True}


def _gone(store: MemoryStore, lead_id: str) -> str:
    record = store.leads.get(lead_id)
    if record is None:
        return "unknown lead"
    if record.owner:
        return f"already owned by {record.owner}"
    return f"not in this pool (in {record.pool})"


def render(line: dict[str, object]) -> str:
    """One output line: compact, stable JSON."""
    return json.dumps(line, ensure_ascii=False, separators=(", ", ": "))
