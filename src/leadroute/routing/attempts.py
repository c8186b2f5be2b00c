"""One rule's `assign` tried for a lead: the candidates it lists, who of them is eligible now
(availability, hours, caps, skills, territory, exclusions) and whom the selector chooses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from random import Random

from leadroute.domain.leads import Lead
from leadroute.domain.reps import Rep
from leadroute.routing.account_owners import account_owners
from leadroute.routing.candidates import Reach
from leadroute.routing.config import Assign, Rule
from leadroute.routing.explain import Attempt
from leadroute.routing.filters import Filter
from leadroute.routing.gate import Answers
from leadroute.routing.moment import Moment
from leadroute.routing.selectors import SELECTORS, Choice, Selection


@dataclass(frozen=True, kw_only=True, slots=True)
class RulePlan:
    """What a rule's `assign` needs, worked out once: candidates, the filters that can fail."""

    listed: tuple[Rep, ...]
    checks: tuple[Filter, ...]
    has_all_required: frozenset[str]


def attempt_rule(
    rule: Rule,
    ask: Assign,
    rule_plan: RulePlan,
    lead: Lead,
    moment: Moment,
    answers: Answers,
    rng: Random,
    exclude: frozenset[str],
    *,
    reps: Mapping[str, Rep],
    reach: Reach,
) -> Attempt:
    """Who of the rule's candidates is eligible for the lead now, and whom its selector
    chooses (or, for `owner_of`, the account's owner); the Attempt explains every rep."""
    listed = rule_plan.listed
    owners: dict[str, str] = {}
    said = ""
    if ask.owner_of:
        owners, said = account_owners(reps, ask.owner_of, lead, moment, listed)
        if not owners:
            return Attempt(
                listed=(),
                answers=(),
                fields=lead.fields,
                ask=ask,
                moment=moment,
                checks=rule_plan.checks,
                exclude=exclude,
                detail=said,
            )
        listed = tuple(reps[rep_id] for rep_id in owners)
    fields = lead.fields
    moment.ledger.prefetch(rule.name, listed)
    found = answers.of(listed)
    skilled = reach.with_skills(
        ask, fields, rule_plan.has_all_required if ask.require_skills else None
    )
    levels = reach.levels(fields) if ask.territory else None
    # Cheapest test first; each later one runs on the reps still standing.
    if ask.any_hours:
        eligible = [rep for rep, answer in zip(listed, found, strict=True) if answer.open_any_hours]
    else:
        eligible = [rep for rep, answer in zip(listed, found, strict=True) if answer.open_now]
    if exclude:
        eligible = [rep for rep in eligible if rep.id not in exclude]
    if skilled is not None:
        eligible = [rep for rep in eligible if rep.id in skilled]
    if levels is not None:
        eligible = [rep for rep in eligible if rep.id in levels]
    beaten: frozenset[str] = frozenset()
    if levels is not None and len(eligible) > 1:
        best = max(levels[rep.id] for rep in eligible)
        beaten = frozenset(rep.id for rep in eligible if levels[rep.id] < best)
        if beaten:
            eligible = [rep for rep in eligible if rep.id not in beaten]
    choice: Choice | None = None
    detail = ""
    if not eligible:
        detail = (
            f"no eligible rep ({len(listed)} skipped)"
            if listed
            else "no eligible rep (no candidates)"
        )
        if said:
            detail = f"{said}; {detail}"
    elif ask.owner_of:
        choice = Choice(rep=eligible[0], why=owners[eligible[0].id])
    else:
        selection = Selection(rule=rule.name, ask=ask, moment=moment, rng=rng, fields=fields)
        choice = SELECTORS[ask.select].choose(eligible, selection)
    return Attempt(
        listed=listed,
        answers=found,
        fields=fields,
        ask=ask,
        moment=moment,
        checks=rule_plan.checks,
        exclude=exclude,
        beaten=beaten,
        choice=choice,
        detail=(f"offered to {choice.rep.id}" if ask.offer else f"chose {choice.rep.id}")
        if choice
        else detail,
    )
