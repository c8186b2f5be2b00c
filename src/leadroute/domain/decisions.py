"""Decisions: the outcome of routing one lead, with a trace a person can read.

The engine fixes every fact of a decision when it routes (which rules matched, which reps were
eligible, the state each rep was in); the sentences that explain them are written when someone
reads `detail`, `candidates`, `reason` or `as_dict()`. Most decisions are stored or counted, not
read, and writing a sentence for each of the reps a lead passed is most of the cost of routing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from leadroute.domain.offers import Offer


@dataclass(frozen=True, kw_only=True, slots=True)
class CandidateNote:
    """One rep the rule considered: chosen, eligible but not chosen, or skipped and why."""

    rep: str
    eligible: bool
    reason: str
    chosen: bool = False

    def as_dict(self) -> dict[str, object]:
        if self.chosen:
            return {"rep": self.rep, "chosen": True, "why": self.reason}
        if self.eligible:
            return {"rep": self.rep, "eligible": True, "why": self.reason}
        return {"rep": self.rep, "skipped": self.reason}


Explanation = tuple[str, tuple[CandidateNote, ...]]

CAP_SKIP_PREFIX = "cap "
"""How the caps filter's reasons start ("cap day 20/20", "cap open 40/40"; routing/filters.py)."""


def capped_notes(notes: tuple[CandidateNote, ...]) -> tuple[str, ...]:
    """The reps these notes skip because a cap was full."""
    return tuple(
        note.rep for note in notes if not note.eligible and note.reason.startswith(CAP_SKIP_PREFIX)
    )


@dataclass(frozen=True, slots=True)
class Written:
    """An explanation already written."""

    explanation: Explanation

    def __call__(self) -> Explanation:
        return self.explanation

    def capped(self) -> tuple[str, ...]:
        return capped_notes(self.explanation[1])


@dataclass(frozen=True, kw_only=True, slots=True, eq=False)
class RuleTrace:
    """What happened at one rule: whether it matched (and on what it failed), who was considered.

    `explain` returns the detail line and the candidate notes; it must be pure, as it may be
    called any number of times.
    """

    rule: str
    matched: bool
    explain: Callable[[], Explanation]

    @classmethod
    def fixed(
        cls, *, rule: str, matched: bool, detail: str, candidates: tuple[CandidateNote, ...] = ()
    ) -> RuleTrace:
        return cls(rule=rule, matched=matched, explain=Written((detail, candidates)))

    @property
    def detail(self) -> str:
        return self.explain()[0]

    @property
    def candidates(self) -> tuple[CandidateNote, ...]:
        return self.explain()[1]

    def as_dict(self) -> dict[str, object]:
        return _step_dict(self.rule, self.matched, self.explain)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RuleTrace):
            return NotImplemented
        return (self.rule, self.matched, self.explain()) == (
            other.rule,
            other.matched,
            other.explain(),
        )

    def __hash__(self) -> int:
        return hash((self.rule, self.matched, self.detail))


@dataclass(frozen=True, slots=True)
class Said:
    """A reason already written."""

    text: str

    def __call__(self) -> str:
        return self.text


# One rule tried: its name, whether it matched, and how to explain it (RuleTrace, unpacked:
# routing a lead past twenty rules builds twenty of these, and tuples are cheapest).
Step = tuple[str, bool, Callable[[], Explanation]]


@dataclass(frozen=True, kw_only=True, slots=True)
class Decision:
    """Where one lead goes: to exactly one rep, or to exactly one pool (or, disqualified by
    the `qualify:` section, to neither: `verdict` says so).

    `summary` writes the one-line reason; `steps` are the rules tried, in order. `credits` are
    the rotation changes the weighted selector asks the ledger to record. `offer` is set when
    the rule offers the lead (the rep must accept) rather than assigning it.
    """

    lead_id: str
    rep: str | None
    pool: str | None
    rule: str
    summary: Callable[[], str]
    steps: tuple[Step, ...]
    selector: str | None = None
    credits: tuple[tuple[str, float], ...] = ()
    offer: Offer | None = None
    verdict: str | None = None  # "nurture" or "disqualified" when qualification decided
    # The A/B experiment the lead takes part in and its arm (routing/experiments.py).
    experiment: str | None = None
    arm: str | None = None

    @property
    def reason(self) -> str:
        return self.summary()

    @property
    def trace(self) -> tuple[RuleTrace, ...]:
        """Every rule tried, in order, with why it matched or not and who it considered."""
        return tuple(
            RuleTrace(rule=rule, matched=matched, explain=explain)
            for rule, matched, explain in self.steps
        )

    def capped(self) -> tuple[str, ...]:
        """The reps the trace skips because a cap was full, in order of first mention, each
        once: what `reports.facts.capped_reps` reads from `as_dict()["trace"]`, without
        writing the trace. A step's `explain` may answer it cheaply with a `capped()` method
        of its own; a step whose rule did not match considered no rep, so skipped none."""
        found: dict[str, None] = {}
        for _, matched, explain in self.steps:
            if not matched:
                continue
            ask: Callable[[], tuple[str, ...]] | None = getattr(explain, "capped", None)
            found.update(dict.fromkeys(ask() if ask is not None else capped_notes(explain()[1])))
        return tuple(found)

    def as_dict(self, *, trace: bool = True) -> dict[str, object]:
        """The decision as replay prints it; `experiment` and `arm` only when it has them;
        without `trace` when told (the rest is the same, key for key)."""
        out: dict[str, object] = {
            "lead": self.lead_id,
            "rep": self.rep,
            "pool": self.pool,
            "rule": self.rule,
            "reason": self.summary(),
        }
        if self.experiment is not None:
            out["experiment"], out["arm"] = self.experiment, self.arm
        if trace:
            out["trace"] = [_step_dict(*step) for step in self.steps]
        return out


def _step_dict(rule: str, matched: bool, explain: Callable[[], Explanation]) -> dict[str, object]:
    """One trace entry as `RuleTrace.as_dict` and replay print it."""
    detail, candidates = explain()
    entry: dict[str, object] = {"rule": rule, "matched": matched, "why": detail}
    if candidates:
        entry["candidates"] = [note.as_dict() for note in candidates]
    return entry
