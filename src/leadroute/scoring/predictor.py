"""A predictive model as the engine sees it: a probability of winning for a lead's fields.

Training and loading live outside the pure core (`leadroute.learning`); the engine only asks
for the probability, which it puts in the lead field `score_model` for rules and pool order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class Predictor(Protocol):
    @property
    def version(self) -> str:
        """Names the model file the probabilities come from (shown in traces and reports)."""
        ...

    def probability(self, fields: Mapping[str, object]) -> float:
        """P(won) for a lead with these normalised fields, between 0 and 1."""
        ...
