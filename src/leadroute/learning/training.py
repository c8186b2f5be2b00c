"""Training: label the rows, plan the features, hold out 20%, fit each algorithm calibrated,
keep the better by hold-out AUC, and describe it in the model's header."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import sklearn
from sklearn.model_selection import train_test_split

from leadroute.learning.errors import TrainingError
from leadroute.learning.estimators import calibrated
from leadroute.learning.evaluation import Evaluation, evaluate, top_features
from leadroute.learning.features import FeaturePlan, plan_features
from leadroute.learning.models import FORMAT, LeadModel
from leadroute.learning.options import BEST, HOLDOUT, Algorithm, Split
from leadroute.learning.tables import Table, label_rows, require_column
from leadroute.learning.threads import one_thread

MIN_PER_CLASS = 10


@dataclass(frozen=True, kw_only=True, slots=True)
class Trained:
    """The chosen model, its hold-out evaluation, and every candidate's for comparison."""

    model: LeadModel
    algorithm: Algorithm
    evaluation: Evaluation
    candidates: dict[Algorithm, Evaluation]
    plan: FeaturePlan
    positive: str
    training_rows: int
    unlabelled: int
    holdout_probabilities: tuple[float, ...]


def train_model(
    table: Table,
    *,
    label: str,
    positive: str | None = None,
    exclude: Sequence[str] = (),
    algorithm: Algorithm | str = BEST,
    split: Split = Split.RANDOM,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    now: datetime | None = None,
) -> Trained:
    """Fit and evaluate on `table`; TrainingError names the file and column when it cannot."""
    say = progress or (lambda _message: None)
    for name in exclude:
        require_column(table, name, option="--exclude")
    labelled = label_rows(table, label, positive=positive)
    outcomes = np.asarray(labelled.outcomes, dtype=int)
    _require_both_classes(outcomes, table.source, "the labelled rows")
    drop = dict.fromkeys(exclude, "excluded") | {label: "the label"}
    plan = plan_features(table.columns, labelled.rows, drop=drop)
    if not plan.columns:
        raise TrainingError("no usable feature column is left", source=table.source)
    matrix = plan.matrix(labelled.rows)
    fit_at, hold_at = _split(outcomes, split, seed=seed, source=table.source)
    wanted = list(Algorithm) if algorithm == BEST else [Algorithm(algorithm)]
    fitted: dict[Algorithm, tuple[Any, Evaluation, npt.NDArray[np.float64]]] = {}
    for each in wanted:
        say(f"fitting {each.value} ({len(fit_at)} rows, calibrated)")
        estimator = calibrated(each, plan, seed=seed)
        with one_thread():
            estimator.fit(matrix[fit_at], outcomes[fit_at])
            predicted = estimator.predict_proba(matrix[hold_at])[:, 1]
        fitted[each] = (estimator, evaluate(outcomes[hold_at], predicted), predicted)
    chosen = max(wanted, key=lambda a: (fitted[a][1].auc, a == Algorithm.LOGISTIC))
    estimator, evaluation, predicted = fitted[chosen]
    say(f"ranking the inputs of {chosen.value} by permutation importance")
    with one_thread():
        features = top_features(
            estimator, matrix[hold_at], outcomes[hold_at], plan.inputs, seed=seed
        )
    evaluation = Evaluation(
        auc=evaluation.auc,
        brier=evaluation.brier,
        rows=evaluation.rows,
        positives=evaluation.positives,
        reliability=evaluation.reliability,
        features=features,
    )
    created = (now or datetime.now(UTC)).astimezone(UTC)
    header = {
        "format": FORMAT,
        "version": f"{label}-{chosen.value}-{created:%Y%m%dT%H%M%SZ}",
        "created": created.isoformat(timespec="seconds"),
        "sklearn": sklearn.__version__,
        "algorithm": chosen.value,
        "source": table.source,
        "label": label,
        "positive": labelled.positive,
        "features": plan.as_header(),
        "inputs": list(plan.inputs),
        "split": split.value,
        "seed": seed,
        "training_rows": len(fit_at),
        "metrics": evaluation.as_header(),
        "candidates": {a.value: round(fitted[a][1].auc, 6) for a in wanted},
    }
    return Trained(
        model=LeadModel(header=header, plan=plan, estimator=estimator),
        algorithm=chosen,
        evaluation=evaluation,
        candidates={a: fitted[a][1] for a in wanted},
        plan=plan,
        positive=labelled.positive,
        training_rows=len(fit_at),
        unlabelled=labelled.unlabelled,
        holdout_probabilities=tuple(float(p) for p in predicted),
    )


def _split(
    outcomes: npt.NDArray[np.int_], split: Split, *, seed: int, source: str
) -> tuple[npt.NDArray[np.int_], npt.NDArray[np.int_]]:
    """Row indexes to fit on and to hold out."""
    indexes = np.arange(len(outcomes))
    if split is Split.TIME:
        cut = round(len(outcomes) * (1 - HOLDOUT))
        fit_at, hold_at = indexes[:cut], indexes[cut:]
    else:
        fit_at, hold_at = train_test_split(
            indexes, test_size=HOLDOUT, stratify=outcomes, random_state=seed
        )
    _require_both_classes(outcomes[fit_at], source, "the training rows")
    _require_both_classes(outcomes[hold_at], source, "the held-out rows", minimum=1)
    return np.sort(fit_at), np.sort(hold_at)


def _require_both_classes(
    outcomes: npt.NDArray[np.int_], source: str, what: str, *, minimum: int = MIN_PER_CLASS
) -> None:
    positives = int(outcomes.sum())
    negatives = len(outcomes) - positives
    if min(positives, negatives) < minimum:
        raise TrainingError(
            f"{what} have {positives} positive and {negatives} negative rows; training needs "
            f"at least {minimum} of each",
            source=source,
        )
