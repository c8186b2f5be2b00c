"""The sentences of a trace, written only when someone reads them.

An Attempt holds the facts the engine fixed while routing (the reps listed, each rep's rep-only
answers at that moment, who was excluded, beaten on territory or chosen); `notes` turns them into
CandidateNotes by asking the filters in FILTERS order, the same order eligibility used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from leadroute.domain.decisions import CandidateNote, Explanation
from leadroute.domain.reps import Rep
from leadroute.routing.config import Assign
from leadroute.routing.filters import REP_ONLY, Filter
from leadroute.routing.gate import RepAnswer
from leadroute.routing.moment import Moment
from leadroute.routing.selectors import Choice

_SUMMARY_SKIPS = 3
MORE_SPECIFIC = "a more specific territory wins"
EXCLUDED = "had this lead before"


@dataclass(frozen=True, kw_only=True, slots=True)
class Attempt:
    """One rule's try at choosing a rep. `detail` is the short outcome ("chose ana")."""

    listed: tuple[Rep, ...]
    answers: tuple[RepAnswer, ...] | list[RepAnswer]
    fields: Mapping[str, object]
    ask: Assign
    moment: Moment
    checks: tuple[Filter, ...]
    exclude: frozenset[str]
    beaten: frozenset[str] = frozenset()
    choice: Choice | None = None
    detail: str

    def notes(self) -> tuple[CandidateNote, ...]:
        """One note per listed rep, in listed order."""
        notes: list[CandidateNote] = []
        chosen = self.choice.rep.id if self.choice else None
        for rep, answer in zip(self.listed, self.answers, strict=True):
            reason = self._skip_reason(rep, answer)
            if reason is not None:
                notes.append(CandidateNote(rep=rep.id, eligible=False, reason=reason))
            elif rep.id == chosen and self.choice is not None:
                notes.append(
                    CandidateNote(rep=rep.id, eligible=True, reason=self.choice.why, chosen=True)
                )
            else:
                notes.append(CandidateNote(rep=rep.id, eligible=True, reason="eligible"))
        return tuple(notes)

    def _skip_reason(self, rep: Rep, answer: RepAnswer) -> str | None:
        if rep.id in self.exclude:
            return EXCLUDED
        for check in self.checks:
            if check in REP_ONLY:
                reason = answer.reason(check, rep, self.moment)
            else:
                reason = check(rep, self.fields, self.ask, self.moment)
            if reason is not None:
                return reason
        return MORE_SPECIFIC if rep.id in self.beaten else None


@dataclass(frozen=True, slots=True)
class Tried:
    """The trace entry of a rule that matched and tried to assign."""

    matched: str
    attempt: Attempt
    then: str = ""

    def __call__(self) -> Explanation:
        return f"{self.matched}; {self.attempt.detail}{self.then}", self.attempt.notes()


@dataclass(frozen=True, slots=True)
class Summary:
    """The one-line reason of a decision to a rep: who, why, and the first reps skipped."""

    rule: str
    attempt: Attempt
    offered: bool = False

    def __call__(self) -> str:
        choice = self.attempt.choice
        assert choice is not None, "a summary is only made for a chosen rep"
        skipped = [note for note in self.attempt.notes() if not note.eligible]
        to = "offered to " if self.offered else ""
        text = f"{self.rule}: {to}{choice.rep.id} ({choice.why})"
        if skipped:
            shown = ", ".join(f"{n.rep} ({n.reason})" for n in skipped[:_SUMMARY_SKIPS])
            more = len(skipped) - _SUMMARY_SKIPS
            text += f"; skipped {shown}" + (f" and {more} more" if more > 0 else "")
        return text
