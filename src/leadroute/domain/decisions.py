"""Decisions: the outcome of routing one lead, with a trace a person can read."""

from __future__ import annotations

from dataclasses import dataclass


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


@dataclass(frozen=True, kw_only=True, slots=True)
class RuleTrace:
    """What happened at one rule: whether it matched (and on what it failed), who was considered."""

    rule: str
    matched: bool
    detail: str
    candidates: tuple[CandidateNote, ...] = ()

    def as_dict(self) -> dict[str, object]:
        entry: dict[str, object] = {"rule": self.rule, "matched": self.matched, "why": self.detail}
        if self.candidates:
            entry["candidates"] = [note.as_dict() for note in self.candidates]
        return entry


@dataclass(frozen=True, kw_only=True, slots=True)
class Decision:
    """Where one lead goes: to exactly one rep, or to exactly one pool.

    `credits` are the rotation changes the weighted selector asks the ledger to record.
    """

    lead_id: str
    rep: str | None
    pool: str | None
    rule: str
    reason: str
    trace: tuple[RuleTrace, ...]
    selector: str | None = None
    credits: tuple[tuple[str, float], ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "lead": self.lead_id,
            "rep": self.rep,
            "pool": self.pool,
            "rule": self.rule,
            "reason": self.reason,
            "trace": [entry.as_dict() for entry in self.trace],
        }
