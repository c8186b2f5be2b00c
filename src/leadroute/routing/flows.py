"""The routing flows of a config: the main routing, the hand-off flow (SDR → closer), the
named flows experiments try (`flows:`, each ending in the main fallback) and one flow per pool
that pushes its overdue leads. Each is its rules in order (the fallback last) and
the pool a lead waits in when none of them took it."""

from __future__ import annotations

from dataclasses import dataclass

from leadroute.domain.pools import UNASSIGNED
from leadroute.routing.config import RoutingConfig, Rule
from leadroute.rules.conditions import Predicate, predicate

MAIN = "routing"
HANDOFF = "handoff"


def escalation_flow(pool: str) -> str:
    """The name of the flow that pushes a pool's overdue leads."""
    return f"escalate:{pool}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Flow:
    """Rules tried in order, each with its condition as a plain function; then `last_pool`,
    named after `last_rule`, with `last_why` in the trace."""

    rules: tuple[tuple[Rule, Predicate], ...]
    last_rule: Rule
    last_pool: str
    last_why: str


def flows_of(config: RoutingConfig) -> dict[str, Flow]:
    def flow(tried: tuple[Rule, ...], last: Rule, pool: str, why: str) -> Flow:
        return Flow(
            rules=tuple((rule, predicate(rule.when)) for rule in tried),
            last_rule=last,
            last_pool=pool,
            last_why=why,
        )

    found = {
        MAIN: flow(
            (*config.rules, config.fallback), config.fallback, UNASSIGNED, "nothing else took it"
        )
    }
    if config.handoff is not None:
        handoff = config.handoff
        found[HANDOFF] = flow(
            (*handoff.rules, handoff.fallback), handoff.fallback, UNASSIGNED, "nothing else took it"
        )
    for name, rules in config.flows.items():
        found[name] = flow(
            (*rules, config.fallback), config.fallback, UNASSIGNED, "nothing else took it"
        )
    for pool, rule in config.escalations.items():
        found[escalation_flow(pool)] = flow((rule,), rule, pool, "nobody to push it to")
    return found
