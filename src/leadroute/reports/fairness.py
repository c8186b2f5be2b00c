"""Is distribution fair? Each rep's share of the routed leads against the share their rules
intended, and Gini indexes of both.

Only round_robin and weighted rules state an intention: round robin an equal share among the
rule's listed reps, weighted `weight / Σ weights`. Leads routed by other selectors (least
loaded, top performer, hunt, random, account owner) intend nothing and are left out of the
intention. Filters (availability, hours, caps, skills, territory) narrow the candidates of
each lead, so even a fair rotation drifts from its intention when reps were often ineligible:
that drift is what the comparison shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from leadroute.domain.reps import Rep
from leadroute.reports.facts import LeadFact
from leadroute.reports.stats import gini
from leadroute.routing.candidates import listed_reps
from leadroute.routing.config import RoutingConfig, Rule
from leadroute.routing.flows import flows_of

RATE_DIGITS = 4
INTENDING = ("round_robin", "weighted")


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, RATE_DIGITS)


@dataclass(frozen=True, kw_only=True, slots=True)
class RepShare:
    """One rep: leads first routed to them, their share of all routed leads, and the share
    their rules intended (None when no rule with an intention routed leads among them)."""

    rep: str
    routed: int
    share: float | None
    intended_share: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            "rep": self.rep,
            "routed": self.routed,
            "share": self.share,
            "intended_share": self.intended_share,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class Fairness:
    """`gini_routed`: Gini of the routed leads per rep, over every rep of the roster (zeros
    included) and any other rep who was routed leads. `gini_vs_intended`: Gini of each rep's
    routed / intended leads, over the leads of rules with an intention (0 when every rep got
    exactly the intended number). Rounded to 4 decimals; None when there is nothing to share."""

    routed: int
    gini_routed: float | None
    gini_vs_intended: float | None
    reps: tuple[RepShare, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "routed": self.routed,
            "gini_routed": self.gini_routed,
            "gini_vs_intended": self.gini_vs_intended,
            "reps": [entry.as_dict() for entry in self.reps],
        }


def rules_by_name(config: RoutingConfig) -> dict[str, Rule]:
    """Every rule of the config by name, in every flow the engine runs (main routing, named
    flows, hand-off, escalations); the first of a name wins, as a decision names only the
    rule."""
    found: dict[str, Rule] = {}
    for flow in flows_of(config).values():
        for rule, _ in flow.rules:
            found.setdefault(rule.name, rule)
    return found


def intention(rule: Rule, roster: Sequence[Rep]) -> dict[str, float] | None:
    """The share of the rule's leads each listed rep should get, or None when the rule's
    selector intends no share (or it lists nobody, or the weights add up to nothing)."""
    if rule.assign is None or rule.assign.owner_of is not None:
        return None
    reps = listed_reps(rule.assign, roster)
    if not reps or rule.assign.select not in INTENDING:
        return None
    if rule.assign.select == "round_robin":
        return {rep.id: 1 / len(reps) for rep in reps}
    total = sum(max(rep.weight, 0.0) for rep in reps)
    if total <= 0:
        return None
    return {rep.id: max(rep.weight, 0.0) / total for rep in reps}


def intended_leads(
    facts: Sequence[LeadFact], config: RoutingConfig
) -> tuple[dict[str, float], Counter[str], int]:
    """Per rep, the leads their rules intended them (Σ over rules of the rule's routed leads times
    the rep's intended share); per rep, the leads those rules actually routed to them; and
    how many routed leads the rules with an intention decided."""
    rules = rules_by_name(config)
    per_rule = Counter(fact.rule for fact in facts if fact.routed_to is not None and fact.rule)
    intended: dict[str, float] = {}
    considered: set[str] = set()
    for name, count in per_rule.items():
        rule = rules.get(name)
        shares = intention(rule, config.reps) if rule is not None else None
        if shares is None:
            continue
        considered.add(name)
        for rep_id, share in shares.items():
            intended[rep_id] = intended.get(rep_id, 0.0) + count * share
    actual = Counter(
        fact.routed_to for fact in facts if fact.routed_to is not None and fact.rule in considered
    )
    return intended, actual, sum(per_rule[name] for name in considered)


def fairness(facts: Sequence[LeadFact], config: RoutingConfig) -> Fairness:
    """Shares and Gini indexes of the leads' first decisions (where intake routed them)."""
    routed = Counter(fact.routed_to for fact in facts if fact.routed_to is not None)
    total = sum(routed.values())
    roster = [rep.id for rep in config.reps]
    everyone = [*roster, *sorted(set(routed) - set(roster))]
    intended, actual, considered = intended_leads(facts, config)
    reps = tuple(
        RepShare(
            rep=rep_id,
            routed=routed.get(rep_id, 0),
            share=_rate(routed.get(rep_id, 0) / total) if total else None,
            intended_share=_rate(intended[rep_id] / considered)
            if considered and intended.get(rep_id)
            else None,
        )
        for rep_id in everyone
    )
    ratios = [actual.get(rep_id, 0) / expected for rep_id, expected in intended.items() if expected]
    return Fairness(
        routed=total,
        gini_routed=_rate(gini([routed.get(rep_id, 0) for rep_id in everyone])),
        gini_vs_intended=_rate(gini(ratios)),
        reps=reps,
    )


def shares_by_rep(result: Fairness) -> Mapping[str, RepShare]:
    return {entry.rep: entry for entry in result.reps}
