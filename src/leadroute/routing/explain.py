"""The sentences of a trace, written only when someone reads them.

An Attempt holds the facts the engine fixed while routing (the reps listed, each rep's rep-only
answers at that moment, who was excluded, beaten on territory or chosen); `notes` turns them into
CandidateNotes by asking the filters in FILTERS order, the same order eligibility used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo

from leadroute.domain.decisions import CAP_SKIP_PREFIX, CandidateNote, Explanation
from leadroute.domain.reps import Rep
from leadroute.routing.config import Assign
from leadroute.routing.filters import REP_ONLY, Filter, availability, caps, hours, hours_now
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
    # The notes once written: the trace and the one-line summary both read them.
    _written: list[tuple[CandidateNote, ...]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )

    def notes(self) -> tuple[CandidateNote, ...]:
        """One note per listed rep, in listed order (written once, then remembered: every
        fact they quote was fixed when the rule was tried)."""
        written = self._written
        if not written:
            written.append(self._write())
        return written[0]

    def capped(self) -> tuple[str, ...]:
        """The listed reps whose note skips them because a cap was full, without writing any
        note: only a rep whose remembered answer names a full cap can be one, and only when
        every filter before `caps` passes it."""
        checks = self.checks
        if caps not in checks:
            return ()
        before = checks[: checks.index(caps)]
        by_availability, by_hours = availability in before, hours in before
        lead_checks = tuple(check for check in before if check not in REP_ONLY)
        exclude = self.exclude
        return tuple(
            rep.id
            for rep, answer in zip(self.listed, self.answers, strict=True)
            if answer.caps is not None
            and answer.caps.startswith(CAP_SKIP_PREFIX)
            and rep.id not in exclude
            and not (by_availability and answer.availability is not None)
            and not (by_hours and not answer.in_hours)
            and self._lead_reason(rep, lead_checks) is None
        )

    def skipped(self, shown: int) -> tuple[tuple[CandidateNote, ...], int]:
        """The first `shown` notes that skip a rep, and how many notes skip one in all: what a
        summary quotes, without writing the reasons it does not quote."""
        if self._written:
            notes = [note for note in self._written[0] if not note.eligible]
            return tuple(notes[:shown]), len(notes)
        lead_checks = self._lead_checks()
        checks = self.checks
        by_availability, by_hours, by_caps = (f in checks for f in (availability, hours, caps))
        outside: dict[tzinfo, str] = {}
        first: list[CandidateNote] = []
        count = 0
        for rep, answer in zip(self.listed, self.answers, strict=True):
            if len(first) < shown:
                reason = self._reason(rep, answer, lead_checks, outside)
                if reason is not None:
                    first.append(CandidateNote(rep=rep.id, eligible=False, reason=reason))
                    count += 1
            elif (
                rep.id in self.exclude
                or (by_availability and answer.availability is not None)
                or (by_caps and answer.caps is not None)
                or (by_hours and not answer.in_hours)
                or self._lead_reason(rep, lead_checks) is not None
                or rep.id in self.beaten
            ):
                count += 1
        return tuple(first), count

    def _write(self) -> tuple[CandidateNote, ...]:
        chosen = self.choice.rep.id if self.choice else None
        lead_checks = self._lead_checks()
        outside: dict[tzinfo, str] = {}
        notes: list[CandidateNote] = []
        for rep, answer in zip(self.listed, self.answers, strict=True):
            rep_id = rep.id
            reason = self._reason(rep, answer, lead_checks, outside)
            if reason is not None:
                notes.append(CandidateNote(rep=rep_id, eligible=False, reason=reason))
            elif rep_id == chosen and self.choice is not None:
                notes.append(
                    CandidateNote(rep=rep_id, eligible=True, reason=self.choice.why, chosen=True)
                )
            else:
                notes.append(CandidateNote(rep=rep_id, eligible=True, reason="eligible"))
        return tuple(notes)

    def _lead_checks(self) -> tuple[Filter, ...]:
        """The filters that read the lead, in `checks` order."""
        return tuple(check for check in self.checks if check not in REP_ONLY)

    def _reason(
        self,
        rep: Rep,
        answer: RepAnswer,
        lead_checks: tuple[Filter, ...],
        outside: dict[tzinfo, str],
    ) -> str | None:
        """Why the rep is skipped (None: eligible). Every rep-only filter passes a rep whose
        answer is open now, leaving the lead's filters to ask, in the same order."""
        if answer.open_now and rep.id not in self.exclude:
            reason = self._lead_reason(rep, lead_checks)
            if reason is None and rep.id in self.beaten:
                return MORE_SPECIFIC
            return reason
        return self._skip_reason(rep, answer, outside)

    def _lead_reason(self, rep: Rep, checks: tuple[Filter, ...]) -> str | None:
        for check in checks:
            reason = check(rep, self.fields, self.ask, self.moment)
            if reason is not None:
                return reason
        return None

    def _skip_reason(self, rep: Rep, answer: RepAnswer, outside: dict[tzinfo, str]) -> str | None:
        """The first filter's reason in `checks` order; `outside` remembers, by timezone, the
        outside-hours reason of this moment (the same words for every rep in the zone)."""
        if rep.id in self.exclude:
            return EXCLUDED
        for check in self.checks:
            if check is hours and not answer.in_hours:
                reason = _hours_reason(rep, self.moment, outside)
            elif check in REP_ONLY:
                reason = answer.reason(check, rep, self.moment)
            else:
                reason = check(rep, self.fields, self.ask, self.moment)
            if reason is not None:
                return reason
        return MORE_SPECIFIC if rep.id in self.beaten else None


def _hours_reason(rep: Rep, moment: Moment, outside: dict[tzinfo, str]) -> str | None:
    """`hours_now` for a rep out of hours: a holiday is the rep's own; "outside hours (Mon
    07:59 Europe/Lisbon)" quotes only the zone's local time, so it is written once a zone."""
    local = moment.local(rep.timezone)
    if rep.holidays.holiday_name(local.date()):
        return hours_now(rep, moment)
    said = outside.get(rep.timezone)
    if said is None:
        said = hours_now(rep, moment)
        if said is not None:
            outside[rep.timezone] = said
    return said


@dataclass(frozen=True, slots=True)
class Tried:
    """The trace entry of a rule that matched and tried to assign."""

    matched: str
    attempt: Attempt
    then: str = ""

    def __call__(self) -> Explanation:
        return f"{self.matched}; {self.attempt.detail}{self.then}", self.attempt.notes()

    def capped(self) -> tuple[str, ...]:
        return self.attempt.capped()


@dataclass(frozen=True, slots=True)
class Summary:
    """The one-line reason of a decision to a rep: who, why, and the first reps skipped."""

    rule: str
    attempt: Attempt
    offered: bool = False

    def __call__(self) -> str:
        choice = self.attempt.choice
        assert choice is not None, "a summary is only made for a chosen rep"
        skipped, count = self.attempt.skipped(_SUMMARY_SKIPS)
        to = "offered to " if self.offered else ""
        text = f"{self.rule}: {to}{choice.rep.id} ({choice.why})"
        if skipped:
            shown = ", ".join(f"{n.rep} ({n.reason})" for n in skipped)
            more = count - _SUMMARY_SKIPS
            text += f"; skipped {shown}" + (f" and {more} more" if more > 0 else "")
        return text
