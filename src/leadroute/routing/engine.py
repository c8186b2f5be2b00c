"""The engine: try rules in order; the first that matches and yields a rep or pool decides.

`Router.route` is pure: the lead, the instant, the state (a read-only Ledger) and a random
generator go in; a Decision with its trace comes out. Replay, simulation, preview and the live
service all call it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial
from random import Random

from leadroute.domain.decisions import Decision, Explanation, Said, Step, Written
from leadroute.domain.leads import Lead
from leadroute.domain.reps import Rep
from leadroute.routing.attempts import RulePlan, attempt_rule
from leadroute.routing.batch_plan import BatchPlan
from leadroute.routing.candidates import Reach, listed_reps
from leadroute.routing.config import RoutingConfig, Rule
from leadroute.routing.experiments import place_in_experiment
from leadroute.routing.explain import Summary, Tried
from leadroute.routing.filters import plan
from leadroute.routing.flows import MAIN, Flow, flows_of
from leadroute.routing.gate import Answers, Gate
from leadroute.routing.ledger import Ledger
from leadroute.routing.moment import Moment
from leadroute.routing.qualify import NURTURE, judge
from leadroute.rules.conditions import Always, Condition
from leadroute.scoring.points import Activity
from leadroute.scoring.predictor import Predictor


class Router:
    """A compiled routing config: candidate lists, skill and territory indexes built once."""

    def __init__(self, config: RoutingConfig, *, predictor: Predictor | None = None) -> None:
        self.config = config
        self.predictor = predictor
        self.reps: Mapping[str, Rep] = {rep.id: rep for rep in config.reps}
        self._flows = flows_of(config)
        rules = tuple(rule for flow in self._flows.values() for rule, _ in flow.rules)
        self._fallbacks = {id(config.fallback)}
        if config.handoff is not None:
            self._fallbacks.add(id(config.handoff.fallback))
        self._escalations = {id(rule) for rule in config.escalations.values()}
        self._plans: dict[int, RulePlan] = {}
        for rule in rules:
            if rule.assign is not None:
                listed = listed_reps(rule.assign, config.reps)
                required = rule.assign.require_skills
                self._plans[id(rule)] = RulePlan(
                    listed=listed,
                    checks=plan(rule.assign),
                    has_all_required=frozenset(r.id for r in listed if required <= r.skills),
                )
        # Fixed per rule (keyed by identity): the trace's "matched ..." text.
        self._matched: dict[int, str] = {
            id(rule): "matched"
            if isinstance(rule.when, Always)
            else f"matched {rule.when.describe()}"
            for rule in rules
        }
        self._reach = Reach(config.reps)
        self._gate = Gate()
        # Where each rule is: its flow and its place in it (offers resume from there).
        self._where: dict[str, tuple[str, int]] = {}
        for name, flow in self._flows.items():
            for index, (rule, _) in enumerate(flow.rules):
                self._where.setdefault(rule.name, (name, index))

    def has_flow(self, flow: str) -> bool:
        return flow in self._flows

    def rule_named(self, name: str) -> Rule | None:
        """The rule of any flow with this name (None for "manual", "pool:x" and unknowns)."""
        where = self._where.get(name)
        return self._flows[where[0]].rules[where[1]][0] if where else None

    def score(
        self, lead: Lead, *, activities: Sequence[Activity] = (), now: datetime | None = None
    ) -> Lead:
        """The lead with `score_model` set by the predictive model (when there is one), then
        `score` by the scoring rules (its activities fading by their age at `now`) and
        `grade` by the grades (unchanged when there are none)."""
        scoring = self.config.scoring
        if self.predictor is None and not scoring.active:
            return lead
        fields = dict(lead.fields)
        if self.predictor is not None:
            fields["score_model"] = round(self.predictor.probability(fields), 4)
        points = scoring.score(fields, activities, now or lead.received_at)
        if points is not None:
            fields["score"] = points
            if scoring.grades:
                fields["grade"] = scoring.grade(points)
        return Lead(id=lead.id, received_at=lead.received_at, fields=fields)

    def route(
        self,
        lead: Lead,
        *,
        now: datetime,
        ledger: Ledger,
        rng: Random,
        exclude: frozenset[str] = frozenset(),
        flow: str = MAIN,
        batch: BatchPlan | None = None,
    ) -> Decision:
        """Decide where the lead goes. Never drops it: the last resort is the `unassigned` pool.

        `flow` is the main routing, the hand-off flow (HANDOFF) or a pool's escalation
        (`escalation_flow(pool)`, whose last resort is staying in that pool). Reps in `exclude`
        are skipped. Pure in effect: the same lead, instant, ledger state and generator state
        give the same decision. The router remembers rep-only answers between calls
        (routing/gate.py), which relies on the ledger reporting every rep it changes
        (`Ledger.changed_since`). `batch`: the batch this lead is routed in (routing/batch_plan.py),
        which `select: optimal` rules read.
        """
        moment = Moment(now=now, ledger=ledger, batch=batch)
        answers = self._gate.open(moment)
        steps: list[Step] = []
        qualification = self.config.qualify
        if flow == MAIN and qualification is not None:
            verdict = judge(qualification, lead.fields)
            steps.append(("qualify", verdict.status is None, Written((verdict.why, ()))))
            if verdict.status is not None:
                pool = qualification.nurture_pool if verdict.status == NURTURE else None
                return Decision(
                    lead_id=lead.id,
                    rep=None,
                    pool=pool,
                    rule="qualify",
                    summary=Said(f"qualify: {verdict.why}"),
                    steps=tuple(steps),
                    verdict=verdict.status,
                )
        placement = None
        if flow == MAIN and self.config.experiments:
            placement = place_in_experiment(self.config.experiments, lead.id, lead.fields, now)
        if placement is None:
            return self._from(self._flows[flow], 0, lead, moment, answers, rng, exclude, steps)
        steps.append(("experiment", True, Written((placement.why, ()))))
        decision = self._from(
            self._flows[placement.flow], 0, lead, moment, answers, rng, exclude, steps
        )
        return replace(decision, experiment=placement.experiment, arm=placement.arm)

    def reoffer(
        self,
        lead: Lead,
        *,
        rule: str,
        offered: Sequence[str],
        now: datetime,
        ledger: Ledger,
        rng: Random,
    ) -> Decision:
        """Where an offered lead goes after its latest offer was declined or timed out: to the
        next eligible rep of the same rule (never one it was offered to), and once `max_offers`
        reps were asked or none is left, where the rule's `on_empty` says (a pool, or the rules
        after it and the fallback). When the routing in force has no such rule any more (it
        was renamed or removed since the offer), the lead is routed afresh in the main flow,
        still never to a rep it was offered to."""
        moment = Moment(now=now, ledger=ledger)
        answers = self._gate.open(moment)
        if rule not in self._where:
            gone = f"offered under rule {rule!r}, which the routing in force no longer has"
            steps: list[Step] = [(rule, False, Written((f"{gone}; routed afresh", ())))]
            exclude = frozenset(offered)
            return self._from(self._flows[MAIN], 0, lead, moment, answers, rng, exclude, steps)
        flow_name, index = self._where[rule]
        flow = self._flows[flow_name]
        target = flow.rules[index][0]
        offer = target.assign.offer if target.assign else None
        exclude = frozenset(offered)
        steps = []
        if offer is not None and len(offered) < offer.max_offers:
            decision = self._try(target, lead, moment, answers, rng, exclude, steps)
            if decision is not None:
                return decision
        else:
            limit = offer.max_offers if offer else len(offered)
            asked = f"offered to {', '.join(offered)}: max_offers {limit} reached"
            if target.on_empty_pool is not None:
                steps.append(
                    (
                        target.name,
                        True,
                        Written((f"{asked}; sent to pool {target.on_empty_pool}", ())),
                    )
                )
                return self._pool_decision(
                    lead, target, target.on_empty_pool, steps, "max_offers reached, on_empty pool"
                )
            steps.append((target.name, True, Written((f"{asked}; next rule", ()))))
        return self._from(flow, index + 1, lead, moment, answers, rng, exclude, steps)

    def reassign(
        self,
        lead: Lead,
        *,
        rule: str,
        exclude: frozenset[str],
        now: datetime,
        ledger: Ledger,
        rng: Random,
    ) -> Decision | None:
        """Re-assignment by an SLA: the next eligible rep of the rule that assigned the lead,
        never one in `exclude` (or the pool its `on_empty` names). None when that rule is gone,
        assigns to nobody, or has no eligible rep left: the SLA's `then` decides."""
        target = self.rule_named(rule)
        if target is None or target.assign is None:
            return None
        moment = Moment(now=now, ledger=ledger)
        answers = self._gate.open(moment)
        return self._try(target, lead, moment, answers, rng, exclude, [])

    def _from(
        self,
        flow: Flow,
        start: int,
        lead: Lead,
        moment: Moment,
        answers: Answers,
        rng: Random,
        exclude: frozenset[str],
        steps: list[Step],
    ) -> Decision:
        fields = lead.fields
        for rule, matches in flow.rules[start:] if start else flow.rules:
            if not matches(fields):
                steps.append((rule.name, False, partial(_unmatched, rule.when, fields)))
                continue
            decision = self._try(rule, lead, moment, answers, rng, exclude, steps)
            if decision is not None:
                return decision
        return self._to_pool(lead, flow.last_rule, flow.last_pool, steps, flow.last_why)

    def _try(
        self,
        rule: Rule,
        lead: Lead,
        moment: Moment,
        answers: Answers,
        rng: Random,
        exclude: frozenset[str],
        steps: list[Step],
    ) -> Decision | None:
        """Apply a rule whose condition matched: its pool, or a rep its `assign` chooses."""
        matched = self._matched[id(rule)]
        if rule.pool is not None:
            return self._to_pool(lead, rule, rule.pool, steps, matched)
        if rule.assign is None:
            return None
        attempt = attempt_rule(
            rule,
            rule.assign,
            self._plans[id(rule)],
            lead,
            moment,
            answers,
            rng,
            exclude,
            reps=self.reps,
            reach=self._reach,
        )
        if attempt.choice is not None:
            steps.append((rule.name, True, Tried(matched, attempt)))
            return Decision(
                lead_id=lead.id,
                rep=attempt.choice.rep.id,
                pool=None,
                rule=rule.name,
                summary=Summary(rule.name, attempt, rule.assign.offer is not None),
                steps=tuple(steps),
                selector=rule.assign.select if not rule.assign.owner_of else "owner_of",
                credits=attempt.choice.credits,
                offer=rule.assign.offer,
            )
        if rule.on_empty_pool is not None:
            steps.append(
                (rule.name, True, Tried(matched, attempt, f"; sent to pool {rule.on_empty_pool}"))
            )
            return self._pool_decision(
                lead, rule, rule.on_empty_pool, steps, f"{attempt.detail}, on_empty pool"
            )
        steps.append((rule.name, True, Tried(matched, attempt, "; next rule")))
        return None

    def _to_pool(
        self, lead: Lead, rule: Rule, pool: str, steps: list[Step], matched: str
    ) -> Decision:
        steps.append((rule.name, True, Written((f"{matched}; to pool {pool}", ()))))
        if id(rule) in self._fallbacks:
            why = "no rule took it"
        elif id(rule) in self._escalations:
            why = "stays: nobody eligible to push it to"
        elif self.config.pool(pool).managers_only:
            why = "for a manager to assign"
        else:
            why = "pool rule"
        return self._pool_decision(lead, rule, pool, steps, why)

    def _pool_decision(
        self, lead: Lead, rule: Rule, pool: str, steps: list[Step], why: str
    ) -> Decision:
        return Decision(
            lead_id=lead.id,
            rep=None,
            pool=pool,
            rule=rule.name,
            summary=Said(f"{rule.name}: to pool {pool} ({why})"),
            steps=tuple(steps),
        )


def _unmatched(when: Condition, fields: Mapping[str, object]) -> Explanation:
    return "condition failed: " + when.why_not(fields), ()
