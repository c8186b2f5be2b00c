"""Replay a scenario through the engine: in-memory store, virtual clock, seeded randomness.

Before each scenario line, every timer due at or before its time fires (offer timeouts,
claim_ttl returns, max_wait escalations), in due order, each printing its own line(s) with
`at`. Same routing file, scenario and seed: byte-identical output.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from random import Random

from leadroute.domain.leads import Lead
from leadroute.domain.reps import Availability, Status
from leadroute.domain.timers import Timer, TimerKind
from leadroute.normalize import lead_from_payload
from leadroute.routing.account_book import Account
from leadroute.routing.accounts import FREE_MAIL_DOMAINS, clean_domain
from leadroute.routing.batch_plan import batch_window, plan_batch
from leadroute.routing.config import RoutingConfig
from leadroute.routing.duplicates import Original, choose_original, keys_of, linked_decision, merges
from leadroute.routing.engine import Router
from leadroute.routing.flows import HANDOFF
from leadroute.routing.intake import IntakeFacts
from leadroute.routing.qualify import ready_for_sales
from leadroute.routing.sla import STAGES
from leadroute.rules.parsing import suggest
from leadroute.rules.values import as_float
from leadroute.scoring.points import ACTIVITY_TYPES, Activity
from leadroute.scoring.predictor import Predictor
from leadroute.simulate import offers, pools, sla, sla_clock
from leadroute.simulate.decisions import Line, World, not_held, route_again, route_new
from leadroute.simulate.scenario import Event
from leadroute.simulate.timers import TimerQueue
from leadroute.storage.lead_records import CLOSED
from leadroute.storage.memory import MemoryStore

_FIRED: dict[TimerKind, Callable[[World, Timer], list[Line]]] = {
    TimerKind.OFFER: offers.expire,
    TimerKind.CLAIM: pools.give_back,
    TimerKind.WAIT: pools.overdue,
    **dict.fromkeys((*STAGES, TimerKind.QUIET), sla.fire),
}

ZERO = timedelta(0)


class Replay:
    """Runs scenario events through a Router on a MemoryStore (a fresh one unless given).

    `trace=False` leaves the trace out of decision lines (bulk runs: writing it is most of the
    cost); `capped=True` adds to each decision line `capped`, the reps it skipped because a
    cap was full. Neither changes a decision.
    """

    def __init__(
        self,
        config: RoutingConfig,
        *,
        seed: int = 0,
        store: MemoryStore | None = None,
        predictor: Predictor | None = None,
        trace: bool = True,
        capped: bool = False,
    ) -> None:
        memory = store if store is not None else MemoryStore()
        self.world = World(
            router=Router(config, predictor=predictor),
            rng=Random(seed),
            store=memory,
            timers=TimerQueue(memory),
            trace=trace,
            capped=capped,
        )
        self.router = self.world.router
        self.store: MemoryStore = self.world.store
        self.rng = self.world.rng

    def run(self, events: Iterable[Event]) -> Iterator[Line]:
        """The lines of every event, each after the lines of the timers due by its time. When a
        `select: optimal` rule has a `batch_window`, consecutive leads arriving within it of
        the first are routed together at the last one's time (routing/batch_plan.py)."""
        window = batch_window(self.router.config)
        group: list[Event] = []
        for event in events:
            if group and (event.kind != "lead" or event.at - group[0].at > (window or ZERO)):
                yield from self._batch(group)
                group = []
            if window is not None and event.kind == "lead":
                group.append(event)
                continue
            yield from self._fire(event.at)
            yield from getattr(self, f"_on_{event.kind}")(event)
        if group:
            yield from self._batch(group)

    def _batch(self, group: list[Event]) -> Iterator[Line]:
        now = group[-1].at
        yield from self._fire(now)
        leads = [self._lead_of(event) for event in group]
        self.world.batch = plan_batch(self.router, leads, now=now, ledger=self.store)
        try:
            for lead in leads:
                yield from self._take(lead, now)
        finally:
            self.world.batch = None

    def _fire(self, until: datetime) -> Iterator[Line]:
        timers = self.world.timers
        timer = timers.pop_due(until)
        while timer is not None:
            yield from _FIRED[timer.kind](self.world, timer)
            timer = timers.pop_due(until)

    def _on_lead(self, event: Event) -> list[Line]:
        return self._take(self._lead_of(event), event.at)

    def _lead_of(self, event: Event) -> Lead:
        payload = dict(event.body)
        lead_id = str(payload.pop("id", f"line{event.line}"))
        received = payload.pop("received_at", None)
        received_at = datetime.fromisoformat(received) if isinstance(received, str) else event.at
        return self.router.score(
            lead_from_payload(payload, lead_id=lead_id, received_at=received_at), now=event.at
        )

    def _take(self, lead: Lead, now: datetime) -> list[Line]:
        """Route a new lead (or merge it into its original) at `now`."""
        section = self.router.config.duplicates
        account = self.store.account_match(lead.fields)
        if section is None:
            intake = IntakeFacts(account=account).step(lead)
            return [route_new(self.world, lead, now, intake=intake)]
        wanted = keys_of(lead.fields).wanted(section.match)
        original = choose_original(self.store.originals(wanted, since=now - section.within))
        if original is not None and merges(section, original):
            return self._merge(lead, original, now)
        self.store.remember_keys(lead.id, wanted)
        intake = IntakeFacts(duplicates=section, original=original, account=account).step(lead)
        linked = linked_decision(lead, original) if original is not None else None
        line = route_new(self.world, lead, now, decision=linked, intake=intake)
        if original is not None:
            line["duplicate_of"] = original.lead_id
        return [line]

    def _merge(self, lead: Lead, original: Original, now: datetime) -> list[Line]:
        """The submission becomes a `form_submitted` activity of the original lead."""
        after = self._activity(original.lead_id, "form_submitted", now, line=False)
        merged = self.store.leads[original.lead_id].lead
        out: Line = {
            "lead": lead.id,
            "merged_into": original.lead_id,
            "matched": original.matched,
            "owner": original.owner,
            "score": merged.get("score"),
            "grade": merged.get("grade"),
        }
        return [out, *after]

    def _on_activity(self, event: Event) -> list[Line]:
        """An activity re-scores the lead; a nurtured lead it lifts over the threshold is
        passed to sales: the activity line, then its decision line."""
        lead_id, kind = str(event.body["lead"]), str(event.body["type"])
        out: Line = {"activity": lead_id, "type": kind}
        record = self.store.leads.get(lead_id)
        if record is None:
            return [{**out, "ok": False, "reason": "unknown lead"}]
        if kind not in ACTIVITY_TYPES:
            why = f"unknown activity {kind!r}{suggest(kind, ACTIVITY_TYPES)}"
            return [{**out, "ok": False, "reason": why}]
        return self._activity(lead_id, kind, event.at)

    def _activity(self, lead_id: str, kind: str, now: datetime, *, line: bool = True) -> list[Line]:
        """Record the activity, re-score the lead; its line (unless `line` is False) and the
        decision line when it passes the lead to sales."""
        record = self.store.leads[lead_id]
        record.activities.append(Activity(type=kind, at=now))
        lead = self.router.score(record.lead, activities=record.activities, now=now)
        self.store.rescore(lead_id, lead)
        score = lead.get("score")
        lines: list[Line] = []
        if line:
            lines.append(
                {
                    "activity": lead_id,
                    "type": kind,
                    "score": score,
                    "grade": lead.get("grade"),
                    "ok": True,
                }
            )
        ready = ready_for_sales(
            self.router.config.qualify,
            status=record.status,
            pool=record.pool,
            score=as_float(score) if isinstance(score, int | float) else None,
        )
        if ready:
            lines.append(route_again(self.world, lead_id, now, exclude=frozenset()))
        return lines

    def _on_rep(self, event: Event) -> list[Line]:
        rep_id = str(event.body["rep"])
        until = event.body.get("until")
        out: Line = {"rep": rep_id, "status": event.body["status"], "ok": True}
        if rep_id not in self.router.reps:
            return [{**out, "ok": False, "reason": f"unknown rep {rep_id}"}]
        self.store.set_status(
            rep_id,
            Status(
                availability=Availability(str(event.body["status"])),
                until=until if isinstance(until, datetime) else None,
            ),
        )
        if isinstance(until, datetime):
            out["until"] = until.isoformat()
        return [out]

    def _on_touch(self, event: Event) -> list[Line]:
        lead_id = str(event.body["lead"])
        refusal = not_held(self.store, lead_id, f"touch lead {lead_id}")
        if refusal is not None:
            return [{"touch": lead_id, "ok": False, "reason": refusal}]
        record = self.store.touch(lead_id, event.at)
        sla_clock.touched(self.world, lead_id, event.at)
        return [{"touch": lead_id, "rep": record.owner, "ok": True}]

    def _on_outcome(self, event: Event) -> list[Line]:
        lead_id, result = str(event.body["lead"]), str(event.body["result"])
        amount = event.body.get("amount")
        out: Line = {"outcome": lead_id, "result": result}
        refusal = self._outcome_refusal(lead_id, result, amount)
        if refusal is not None:
            return [{**out, "ok": False, "reason": refusal}]
        record = self.store.leads[lead_id]
        if amount is not None:
            out["amount"] = amount
        done: Line = {**out, "rep": record.owner, "ok": True}
        if result == "touched":
            self.store.touch(lead_id, event.at)
            sla_clock.touched(self.world, lead_id, event.at)
        elif result == "qualified" and self._hands_off(lead_id):
            self.store.hand_off(lead_id)
            return [done, route_again(self.world, lead_id, event.at, exclude=frozenset())]
        else:
            value = float(amount) if isinstance(amount, int | float) else None
            self.store.record_outcome(lead_id, result, event.at, value)
        return [done]

    def _on_claim(self, event: Event) -> list[Line]:
        wanted = event.body.get("lead")
        return pools.claim(
            self.world,
            str(event.body["pool"]),
            str(event.body["rep"]),
            str(wanted) if wanted is not None else None,
            event.at,
        )

    def _on_release(self, event: Event) -> list[Line]:
        return pools.release(self.world, str(event.body["lead"]), _reason(event), event.at)

    def _on_accept(self, event: Event) -> list[Line]:
        lead_id, rep_id = str(event.body["lead"]), str(event.body["rep"])
        return offers.accept(self.world, lead_id, rep_id, event.at)

    def _on_decline(self, event: Event) -> list[Line]:
        lead_id, rep_id = str(event.body["lead"]), str(event.body["rep"])
        return offers.decline(self.world, lead_id, rep_id, _reason(event), event.at)

    def _on_assign(self, event: Event) -> list[Line]:
        """A manager assigns the lead by hand (triage): availability, hours and caps are not
        checked, but the assignment counts toward the rep's caps and load."""
        lead_id, rep_id = str(event.body["lead"]), str(event.body["rep"])
        reason = str(event.body["reason"])
        out: Line = {"assign": lead_id, "rep": rep_id}
        record = self.store.leads.get(lead_id)
        refusal = None
        if record is None:
            refusal = "unknown lead"
        elif rep_id not in self.router.reps:
            refusal = f"unknown rep {rep_id}"
        elif not record.is_open:
            refusal = f"cannot assign lead {lead_id}: it is {record.status}"
        elif record.owner == rep_id:
            refusal = f"lead {lead_id} is already owned by {rep_id}"
        if refusal is not None:
            return [{**out, "ok": False, "reason": refusal}]
        self.store.assign_by_hand(lead_id, rep_id, event.at)
        sla_clock.start(self.world, lead_id, event.at)
        return [{**out, "ok": True, "reason": reason}]

    def _on_account(self, event: Event) -> list[Line]:
        """Add or replace a known account (for `owner_of: account`). Refused, with the
        reason, when its owner is not a rep of the routing or a domain is not a company's."""
        body = event.body
        account_id, owner = str(body["id"]), body.get("owner")
        out: Line = {"account": account_id}
        listed = body.get("domains")
        domains: list[str] = []
        for text in listed if isinstance(listed, list) else []:
            domain = clean_domain(text)
            if domain is None or domain in FREE_MAIL_DOMAINS:
                return [{**out, "ok": False, "reason": f"{text!r} is not a company domain"}]
            domains.append(domain)
        if owner is not None and owner not in self.router.reps:
            return [{**out, "ok": False, "reason": f"unknown rep {owner}"}]
        self.store.add_account(
            Account(
                id=account_id,
                name=str(body["name"]).strip(),
                domains=tuple(domains),
                owner=str(owner) if owner is not None else None,
            )
        )
        return [{**out, "ok": True}]

    def _hands_off(self, lead_id: str) -> bool:
        """Whether marking the lead qualified hands it to the hand-off flow: there is one, and
        the lead was not handed off before (a closer's `qualified` is only a status)."""
        record = self.store.leads[lead_id]
        return self.router.has_flow(HANDOFF) and record.qualified_by is None and record.is_open

    def _outcome_refusal(self, lead_id: str, result: str, amount: object) -> str | None:
        """Touches, qualifying and winning need an owner who accepted the lead; a won or lost
        result may correct an earlier one (not repeat it); a pooled lead may be lost or
        disqualified."""
        record = self.store.leads.get(lead_id)
        if record is not None and record.status == result and result in CLOSED:
            value = float(amount) if isinstance(amount, int | float) else None
            if record.amount == value:
                return f"lead {lead_id} is {result} already"
        if result == "touched":
            return not_held(self.store, lead_id, f"touch lead {lead_id}")
        if result == "qualified":
            if record is not None and record.status == "qualified":
                return f"lead {lead_id} is qualified already"
            return not_held(self.store, lead_id, f"qualify lead {lead_id}")
        if result == "won":
            return not_held(self.store, lead_id, f"mark lead {lead_id} won", closed_ok=True)
        return None if lead_id in self.store.leads else "unknown lead"


def _reason(event: Event) -> str | None:
    reason = event.body.get("reason")
    return str(reason) if reason is not None else None


def render(line: Line) -> str:
    """One output line: compact, stable JSON."""
    return json.dumps(line, ensure_ascii=False, separators=(", ", ": "))
