"""Offers: push with acceptance. The chosen rep holds the lead until they accept, decline or
the offer times out; then the next eligible rep gets it, never one it was offered to before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, kw_only=True, slots=True)
class Offer:
    """How long a rep has to accept, and how many reps are asked before the rule gives up."""

    timeout: timedelta
    max_offers: int = 3
