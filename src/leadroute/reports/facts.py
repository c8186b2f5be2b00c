"""What reports know about one lead: one flat, frozen record per lead, built by storage from the
database or by simulate from replay's in-memory store, so both are measured by the same code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from leadroute.domain.decisions import CAP_SKIP_PREFIX

WON, LOST = "won", "lost"


@dataclass(frozen=True, kw_only=True, slots=True)
class LeadFact:
    """One lead as reports see it.

    `routed_to` and `pooled_in` are where its first decision sent it (at intake); `owner` is
    who holds it now (a closed lead keeps the owner who closed it). `capped` lists the reps its
    first decision skipped because a cap was full. `sla` says whether an SLA clock ran for it,
    `sla_missed` whether the first-touch deadline passed untouched.
    """

    id: str
    received_at: datetime
    source: str | None = None
    fields: Mapping[str, object] = field(default_factory=dict)
    status: str = "new"
    owner: str | None = None
    routed_to: str | None = None
    pooled_in: str | None = None
    rule: str | None = None
    routing_version: int | None = None
    experiment: str | None = None
    arm: str | None = None
    touched_at: datetime | None = None
    closed_at: datetime | None = None
    amount: float | None = None
    sla: bool = False
    sla_missed: bool = False
    reassignments: int = 0
    capped: tuple[str, ...] = ()
    activities: Mapping[str, int] = field(default_factory=dict)

    @property
    def won(self) -> bool:
        return self.status == WON

    @property
    def lost(self) -> bool:
        return self.status == LOST


def speeds_to_lead(facts: Sequence[LeadFact]) -> list[float]:
    """Seconds from receipt to first touch of each touched lead (a touch stamped before its
    receipt counts as 0)."""
    return [
        max(0.0, (fact.touched_at - fact.received_at).total_seconds())
        for fact in facts
        if fact.touched_at is not None
    ]


def decision_capped(line: Mapping[str, object]) -> tuple[str, ...]:
    """The reps a decision line (replay's, or a stored decision's) skipped because a cap was
    full: its `capped` list when the replay wrote one (`Decision.capped`, the trace left out),
    else what its `trace` says."""
    listed = line.get("capped")
    if isinstance(listed, list):
        return tuple(rep for rep in listed if isinstance(rep, str))
    return capped_reps(line.get("trace"))


def capped_reps(trace: object) -> tuple[str, ...]:
    """The reps a stored decision trace (the `trace` list of `Decision.as_dict()`) skipped
    because a cap was full (the filter's reason starts with "cap ", as routing/filters.py
    writes it: "cap day 20/20", "cap open 40/40")."""
    found: list[str] = []
    if not isinstance(trace, list):
        return ()
    for step in trace:
        candidates = step.get("candidates") if isinstance(step, dict) else None
        for note in candidates if isinstance(candidates, list) else ():
            skipped = note.get("skipped") if isinstance(note, dict) else None
            rep = note.get("rep") if isinstance(note, dict) else None
            if (
                isinstance(skipped, str)
                and skipped.startswith(CAP_SKIP_PREFIX)
                and isinstance(rep, str)
                and rep not in found
            ):
                found.append(rep)
    return tuple(found)
