"""How good a fitted model is on rows it never saw: AUC, Brier score, a reliability table by
decile of predicted probability, and the inputs it leans on most (permutation importance)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.inspection import permutation_importance
from sklearn.metrics import brier_score_loss, roc_auc_score

DECILES = 10
# Permutation importance re-predicts the hold-out once per input and repeat: cap its rows.
IMPORTANCE_ROWS = 4000
IMPORTANCE_REPEATS = 3


@dataclass(frozen=True, kw_only=True, slots=True)
class Bin:
    """One decile of the hold-out by predicted probability: size, mean prediction, actual rate."""

    rows: int
    predicted: float
    observed: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Evaluation:
    auc: float
    brier: float
    rows: int
    positives: int
    reliability: tuple[Bin, ...] = ()
    features: tuple[tuple[str, float], ...] = ()

    def as_header(self) -> dict[str, object]:
        return {
            "auc": round(self.auc, 6),
            "brier": round(self.brier, 6),
            "holdout_rows": self.rows,
            "holdout_positives": self.positives,
            "reliability": [
                {
                    "rows": b.rows,
                    "predicted": round(b.predicted, 6),
                    "observed": round(b.observed, 6),
                }
                for b in self.reliability
            ],
            "top_features": [{"input": n, "importance": round(v, 6)} for n, v in self.features],
        }


def evaluate(outcomes: npt.NDArray[np.int_], probabilities: npt.NDArray[np.float64]) -> Evaluation:
    """AUC, Brier score and the reliability table of these predictions."""
    order = np.argsort(probabilities, kind="stable")
    bins = tuple(
        Bin(
            rows=len(part),
            predicted=float(probabilities[part].mean()),
            observed=float(outcomes[part].mean()),
        )
        for part in np.array_split(order, min(DECILES, len(order)))
        if len(part)
    )
    return Evaluation(
        auc=float(roc_auc_score(outcomes, probabilities)),
        brier=float(brier_score_loss(outcomes, probabilities)),
        rows=len(outcomes),
        positives=int(outcomes.sum()),
        reliability=bins,
    )


def top_features(
    estimator: Any,
    matrix: npt.NDArray[np.object_],
    outcomes: npt.NDArray[np.int_],
    inputs: Sequence[str],
    *,
    seed: int,
    limit: int = 10,
) -> tuple[tuple[str, float], ...]:
    """The inputs whose shuffling lowers the hold-out AUC most, with that drop, largest first
    (at most `limit`; inputs whose shuffling changes nothing or helps are left out)."""
    share = min(1.0, IMPORTANCE_ROWS / max(1, len(outcomes)))
    result = permutation_importance(
        estimator,
        matrix,
        outcomes,
        scoring="roc_auc",
        n_repeats=IMPORTANCE_REPEATS,
        random_state=seed,
        max_samples=share,
    )
    means = result.importances_mean
    ranked = sorted(range(len(inputs)), key=lambda i: (-means[i], inputs[i]))
    return tuple((inputs[i], float(means[i])) for i in ranked[:limit] if means[i] > 0)
