"""Service levels: how fast an owner must touch a lead, and what happens when they do not.

An SLA hangs on a rule (`sla:` beside `assign:`) or on a team (`teams: {sdr: {sla: ...}}`).
Its clock starts when a rep becomes the owner and stops at the first touch. The stages, each
measured from the current owner's start (escalation from the lead's first owner's start):

- `remind_after`: the owner is reminded;
- `first_touch`: the target; missing it is recorded (speed-to-lead reports count it);
- `reassign_after`: the lead goes to the next eligible rep of the same rule, never back to
  one of the last `exclude_last` owners; after `max_reassignments` it goes to `then`;
- `escalate_after`: managers hear of it (counted from the first owner's start, so it spans
  re-assignments).

`untouched_after` reminds an owner of a lead they touched once and then left quiet.
`business_hours` runs the clock only in the owner's working hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, kw_only=True, slots=True)
class Sla:
    """One `sla:` section. `then_pool` / `then_rep`: where a lead goes after the last
    re-assignment (the `unassigned` pool when neither is set). `exclude_last` None means
    every earlier owner is excluded."""

    first_touch: timedelta | None = None
    remind_after: timedelta | None = None
    reassign_after: timedelta | None = None
    escalate_after: timedelta | None = None
    max_reassignments: int = 1
    exclude_last: int | None = None
    then_pool: str | None = None
    then_rep: str | None = None
    business_hours: bool = False
    untouched_after: timedelta | None = None
