"""What was found out about a lead at intake, before routing, as the first step of its trace:
its score and grade, the duplicate check and the account it matched.

The service and replay both put this step in front of the engine's decision, so a reader of
the trace sees everything that shaped where the lead went, in the order it happened.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from leadroute.domain.decisions import Decision, Explanation, Step
from leadroute.domain.durations import format_duration
from leadroute.domain.leads import Lead
from leadroute.routing.account_book import AccountMatch
from leadroute.routing.duplicates import Duplicates, Original
from leadroute.rules.values import as_float

INTAKE = "intake"


@dataclass(frozen=True, kw_only=True, slots=True)
class IntakeFacts:
    """The duplicate check (None when the routing file has no `duplicates:` section) and the
    account matched (None when none was)."""

    duplicates: Duplicates | None = None
    original: Original | None = None
    account: AccountMatch | None = None

    def step(self, lead: Lead) -> Step | None:
        """The `intake` step for the scored lead, or None when there is nothing to say (its
        sentence is written only when someone reads the trace)."""
        fields = lead.fields
        if (
            self.duplicates is None
            and self.account is None
            and "score" not in fields
            and "score_model" not in fields
        ):
            return None
        return (INTAKE, True, _Explained(self, lead))

    def explain(self, lead: Lead) -> Explanation:
        said = [
            part
            for part in (_score(lead), self._duplicate_check(), self._account())
            if part is not None
        ]
        return "; ".join(said), ()

    def _duplicate_check(self) -> str | None:
        section = self.duplicates
        if section is None:
            return None
        original = self.original
        if original is None:
            keys, window = " or ".join(section.match), format_duration(section.within)
            return f"no earlier lead with the same {keys} in the last {window}"
        same = f"same {original.matched} as lead {original.lead_id}"
        if not original.is_open:
            return f"{same}, which is {original.status}: routed as a new lead"
        return f"{same} ({section.policy})"

    def _account(self) -> str | None:
        match = self.account
        if match is None:
            return None
        account = match.account
        owner = f", owned by {account.owner}" if account.owner else ", no owner"
        return f"account {account.name} [{account.id}] by {match.describe()}{owner}"


@dataclass(frozen=True, slots=True)
class _Explained:
    facts: IntakeFacts
    lead: Lead

    def __call__(self) -> Explanation:
        return self.facts.explain(self.lead)


def _score(lead: Lead) -> str | None:
    fields = lead.fields
    parts = []
    score = fields.get("score")
    if isinstance(score, int | float):
        grade = fields.get("grade")
        parts.append(f"score {as_float(score):g}" + (f" ({grade})" if grade else ""))
    model = fields.get("score_model")
    if isinstance(model, float):
        parts.append(f"model score {model:.2f}")
    return ", ".join(parts) or None


def with_intake(decision: Decision, step: Step | None) -> Decision:
    """The decision with the intake step first in its trace (unchanged when there is none)."""
    if step is None:
        return decision
    return replace(decision, steps=(step, *decision.steps))
