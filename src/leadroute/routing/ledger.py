"""What the engine may read of the current state: loads, rotations, caps, outcomes, owners,
accounts.

The engine never writes; the caller records a Decision in its store (memory or database).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from leadroute.domain.reps import Rep, Status
from leadroute.routing.account_book import AccountMatch
from leadroute.routing.segments import Segment


class Ledger(Protocol):
    def status(self, rep_id: str) -> Status | None:
        """The rep's current availability when it changed since the routing file was loaded."""
        ...

    def assigned_since(self, rep_id: str, since: datetime) -> int:
        """Leads assigned to the rep at or after `since` (any rule)."""
        ...

    def open_count(self, rep_id: str) -> int:
        """Leads the rep owns that are not closed (won, lost, disqualified)."""
        ...

    def last_assigned(self, rep_id: str) -> int | None:
        """Sequence number of the rep's latest assignment (higher is later); None if never."""
        ...

    def last_served(self, rule: str, rep_id: str) -> int | None:
        """Sequence number of the rule's latest assignment to the rep; None if never."""
        ...

    def served_since(self, rule: str, rep_id: str, since: datetime) -> int:
        """Leads the rule gave the rep at or after `since`."""
        ...

    def credit(self, rule: str, rep_id: str) -> float:
        """The weighted selector's running credit of the rep under the rule."""
        ...

    def outcomes_since(self, rep_id: str, since: datetime | None) -> tuple[int, int]:
        """(won, lost) outcomes recorded for the rep's leads since `since` (all when None)."""
        ...

    def outcomes_by(
        self, by: tuple[str, ...], since: datetime | None
    ) -> Mapping[tuple[str, Segment], tuple[int, int]]:
        """(won, lost) per (rep, segment) over the leads closed won or lost since `since` (all
        when None); the segment is `routing/segments.segment_of(lead fields, by)`. With `by=()`
        every lead is in segment (): per rep, what `outcomes_since` counts. Reps with no result
        are absent."""
        ...

    def account_owner(self, keys: Sequence[str]) -> str | None:
        """Current owner of an earlier lead sharing one of the account keys, first key first."""
        ...

    def account_match(self, fields: Mapping[str, object]) -> AccountMatch | None:
        """The known account the lead is from (routing/account_book.py: by domain, else by
        company name), or None."""
        ...

    def revision(self) -> int:
        """A number that changes whenever a rep's status, assignments or open count change."""
        ...

    def prefetch(self, rule: str, reps: Sequence[Rep]) -> None:
        """A hint: the engine is about to weigh these reps under the rule. A ledger over a
        database reads their state in one go here rather than a rep at a time; one in memory
        has nothing to do."""
        ...

    def changed_since(self, revision: int) -> Sequence[str] | None:
        """The reps whose status, assignments or open count changed after `revision`.

        None when the ledger cannot tell: then nothing remembered about any rep may be reused.
        """
        ...
