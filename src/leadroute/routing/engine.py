"""The engine: try rules in order; the first that matches and yields a rep or pool decides.

`Router.route` is pure: the lead, the instant, the state (a read-only Ledger) and a random
generator go in; a Decision with its trace comes out. Replay, simulation, preview and the live
service all call it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from random import Random

from leadroute.domain.decisions import CandidateNote, Decision, RuleTrace
from leadroute.domain.leads import Lead
from leadroute.domain.pools import UNASSIGNED
from leadroute.domain.reps import Rep
from leadroute.routing.accounts import account_keys
from leadroute.routing.config import Assign, RoutingConfig, Rule
from leadroute.routing.filters import Filter, first_failure, plan, specificity
from leadroute.routing.ledger import Ledger
from leadroute.routing.moment import Moment
from leadroute.routing.selectors import SELECTORS, Choice, Selection
from leadroute.rules.conditions import Always

_SUMMARY_SKIPS = 3


@dataclass(frozen=True, kw_only=True, slots=True)
class _Attempt:
    choice: Choice | None
    notes: tuple[CandidateNote, ...]
    detail: str


class Router:
    """A compiled routing config: candidate lists per rule are built once."""

    def __init__(self, config: RoutingConfig) -> None:
        self.config = config
        self.reps: Mapping[str, Rep] = {rep.id: rep for rep in config.reps}
        rules = (*config.rules, config.fallback)
        self._candidates: dict[str, tuple[Rep, ...]] = {
            rule.name: self._listed(rule.assign) for rule in rules if rule.assign
        }
        # Fixed per rule (keyed by identity): the trace's "matched ..." text and the filters
        # that can fail under its ask.
        self._matched: dict[int, str] = {
            id(rule): "matched"
            if isinstance(rule.when, Always)
            else f"matched {rule.when.describe()}"
            for rule in rules
        }
        self._plans: dict[int, tuple[Filter, ...]] = {
            id(rule): plan(rule.assign) for rule in rules if rule.assign
        }
        self._eligible_notes = {
            rep.id: CandidateNote(rep=rep.id, eligible=True, reason="eligible")
            for rep in config.reps
        }

    def score(self, lead: Lead) -> Lead:
        """The lead with `score` set by the scoring rules (unchanged when there are none)."""
        points = self.config.scoring.score(lead.fields)
        if points is None:
            return lead
        fields = dict(lead.fields)
        fields["score"] = points
        return Lead(id=lead.id, received_at=lead.received_at, fields=fields)

    def route(
        self,
        lead: Lead,
        *,
        now: datetime,
        ledger: Ledger,
        rng: Random,
        exclude: frozenset[str] = frozenset(),
    ) -> Decision:
        """Decide where the lead goes. Never drops it: the last resort is the `unassigned` pool."""
        moment = Moment(now=now, ledger=ledger)
        memo: dict[tuple[Filter, str], str | None] = {}
        trace: list[RuleTrace] = []
        for rule in self.config.rules:
            decision = self._try(rule, lead, moment, rng, exclude, trace, memo)
            if decision is not None:
                return decision
        decision = self._try(self.config.fallback, lead, moment, rng, exclude, trace, memo)
        if decision is not None:
            return decision
        last = self.config.fallback
        return self._to_pool(lead, last, UNASSIGNED, trace, "nothing else took it")

    def _try(
        self,
        rule: Rule,
        lead: Lead,
        moment: Moment,
        rng: Random,
        exclude: frozenset[str],
        trace: list[RuleTrace],
        memo: dict[tuple[Filter, str], str | None],
    ) -> Decision | None:
        fields = lead.fields
        if not rule.when.matches(fields):
            why = "condition failed: " + rule.when.why_not(fields)
            trace.append(RuleTrace(rule=rule.name, matched=False, detail=why))
            return None
        matched = self._matched[id(rule)]
        if rule.pool is not None:
            return self._to_pool(lead, rule, rule.pool, trace, matched)
        if rule.assign is None:
            return None
        attempt = self._assign(rule, rule.assign, lead, moment, rng, exclude, memo)
        if attempt.choice is not None:
            choice = attempt.choice
            trace.append(
                RuleTrace(
                    rule=rule.name,
                    matched=True,
                    detail=f"{matched}; {attempt.detail}",
                    candidates=attempt.notes,
                )
            )
            return Decision(
                lead_id=lead.id,
                rep=choice.rep.id,
                pool=None,
                rule=rule.name,
                reason=_summary(rule.name, choice, attempt.notes),
                trace=tuple(trace),
                selector=rule.assign.select if not rule.assign.owner_of else "owner_of",
                credits=choice.credits,
            )
        if rule.on_empty_pool is not None:
            trace.append(
                RuleTrace(
                    rule=rule.name,
                    matched=True,
                    detail=f"{matched}; {attempt.detail}; sent to pool {rule.on_empty_pool}",
                    candidates=attempt.notes,
                )
            )
            return self._pool_decision(
                lead, rule, rule.on_empty_pool, trace, f"{attempt.detail}, on_empty pool"
            )
        trace.append(
            RuleTrace(
                rule=rule.name,
                matched=True,
                detail=f"{matched}; {attempt.detail}; next rule",
                candidates=attempt.notes,
            )
        )
        return None

    def _assign(
        self,
        rule: Rule,
        ask: Assign,
        lead: Lead,
        moment: Moment,
        rng: Random,
        exclude: frozenset[str],
        memo: dict[tuple[Filter, str], str | None],
    ) -> _Attempt:
        listed = self._candidates[rule.name]
        if ask.owner_of:
            owner = moment.ledger.account_owner(account_keys(lead.fields))
            if owner is None:
                return _Attempt(choice=None, notes=(), detail="no earlier lead of this account")
            rep = self.reps.get(owner)
            if rep is None or rep not in listed:
                return _Attempt(
                    choice=None, notes=(), detail=f"account owner {owner} is not a candidate"
                )
            listed = (rep,)
        # One note per listed rep, in listed order: skipped (first failing filter), beaten on
        # territory, eligible, or chosen.
        notes: list[CandidateNote | None] = [None] * len(listed)
        eligible: list[Rep] = []
        fields = lead.fields
        checks = self._plans[id(rule)]
        for index, rep in enumerate(listed):
            if rep.id in exclude:
                reason: str | None = "excluded"
            else:
                reason = first_failure(rep, fields, ask, moment, checks, memo)
            if reason is None:
                eligible.append(rep)
            else:
                notes[index] = CandidateNote(rep=rep.id, eligible=False, reason=reason)
        if ask.territory and len(eligible) > 1:
            eligible = _most_specific(eligible, fields, listed, notes)
        if not eligible:
            skipped = len(listed) - notes.count(None)
            detail = f"{skipped} skipped" if skipped else "no candidates"
            return _Attempt(choice=None, notes=_filled(notes), detail=f"no eligible rep ({detail})")
        if ask.owner_of:
            choice = Choice(rep=eligible[0], why=f"owns this account ({ask.owner_of})")
        else:
            selection = Selection(rule=rule.name, ask=ask, moment=moment, rng=rng)
            choice = SELECTORS[ask.select].choose(eligible, selection)
        chosen_id = choice.rep.id
        for index, rep in enumerate(listed):
            if notes[index] is None:
                notes[index] = (
                    CandidateNote(rep=rep.id, eligible=True, reason=choice.why, chosen=True)
                    if rep.id == chosen_id
                    else self._eligible_notes[rep.id]
                )
        return _Attempt(choice=choice, notes=_filled(notes), detail=f"chose {chosen_id}")

    def _to_pool(
        self, lead: Lead, rule: Rule, pool: str, trace: list[RuleTrace], matched: str
    ) -> Decision:
        trace.append(RuleTrace(rule=rule.name, matched=True, detail=f"{matched}; to pool {pool}"))
        why = "no rule took it" if rule is self.config.fallback else "pool rule"
        return self._pool_decision(lead, rule, pool, trace, why)

    def _pool_decision(
        self, lead: Lead, rule: Rule, pool: str, trace: list[RuleTrace], why: str
    ) -> Decision:
        return Decision(
            lead_id=lead.id,
            rep=None,
            pool=pool,
            rule=rule.name,
            reason=f"{rule.name}: to pool {pool} ({why})",
            trace=tuple(trace),
        )

    def _listed(self, ask: Assign) -> tuple[Rep, ...]:
        if not ask.teams and not ask.reps:
            return tuple(self.config.reps)
        chosen: dict[str, Rep] = {rep_id: self.reps[rep_id] for rep_id in ask.reps}
        teams = set(ask.teams)
        for rep in self.config.reps:
            if rep.teams & teams and rep.id not in chosen:
                chosen[rep.id] = rep
        return tuple(chosen.values())


def _most_specific(
    eligible: list[Rep],
    fields: Mapping[str, object],
    listed: tuple[Rep, ...],
    notes: list[CandidateNote | None],
) -> list[Rep]:
    """The eligible reps whose territory covers the lead most precisely; the others get a note."""
    levels = {rep.id: specificity(rep, fields) for rep in eligible}
    best = max(levels.values())
    kept = [rep for rep in eligible if levels[rep.id] == best]
    if len(kept) < len(eligible):
        for index, rep in enumerate(listed):
            if levels.get(rep.id, best) < best and notes[index] is None:
                notes[index] = CandidateNote(
                    rep=rep.id, eligible=False, reason="a more specific territory wins"
                )
    return kept


def _filled(notes: list[CandidateNote | None]) -> tuple[CandidateNote, ...]:
    return tuple(note for note in notes if note is not None)


def _summary(rule: str, choice: Choice, notes: tuple[CandidateNote, ...]) -> str:
    skipped = [note for note in notes if not note.eligible]
    text = f"{rule}: {choice.rep.id} ({choice.why})"
    if skipped:
        shown = ", ".join(f"{n.rep} ({n.reason})" for n in skipped[:_SUMMARY_SKIPS])
        more = f" and {len(skipped) - _SUMMARY_SKIPS} more" if len(skipped) > _SUMMARY_SKIPS else ""
        text += f"; skipped {shown}{more}"
    return text
