"""The two model families, each calibrated: a scaled logistic regression and gradient-boosted
trees. Both read the object matrix of `FeaturePlan.matrix`; categories are one-hot encoded and
a category never seen in training is ignored (all zeros)."""

from __future__ import annotations

from typing import Any

from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from leadroute.learning.features import FeaturePlan
from leadroute.learning.options import Algorithm

# Categories seen fewer times than this in training share one "infrequent" column.
MIN_FREQUENCY = 5
CALIBRATION_FOLDS = 3


def calibrated(algorithm: Algorithm, plan: FeaturePlan, *, seed: int) -> Any:
    """An unfitted, calibrated classifier (sigmoid calibration over stratified folds)."""
    return CalibratedClassifierCV(
        estimator=_BUILDERS[algorithm](plan, seed),
        method="sigmoid",
        cv=StratifiedKFold(n_splits=CALIBRATION_FOLDS, shuffle=True, random_state=seed),
    )


def _one_hot(*, sparse: bool) -> OneHotEncoder:
    return OneHotEncoder(
        handle_unknown="ignore", min_frequency=MIN_FREQUENCY, sparse_output=sparse, dtype=float
    )


def _logistic(plan: FeaturePlan, seed: int) -> Pipeline:
    numbers = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", add_indicator=True)),
            ("scale", StandardScaler()),
        ]
    )
    prepare = ColumnTransformer(
        [
            ("numbers", numbers, plan.numeric),
            ("categories", _one_hot(sparse=True), plan.categorical),
        ]
    )
    return Pipeline(
        [
            ("prepare", prepare),
            ("model", LogisticRegression(C=1.0, max_iter=5000, random_state=seed)),
        ]
    )


def _boosting(plan: FeaturePlan, seed: int) -> Pipeline:
    # Trees need no scaling and take NaN as "missing" themselves.
    prepare = ColumnTransformer(
        [
            ("numbers", "passthrough", plan.numeric),
            ("categories", _one_hot(sparse=False), plan.categorical),
        ],
        sparse_threshold=0.0,
    )
    model = HistGradientBoostingClassifier(
        learning_rate=0.05,
        max_iter=400,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=True,
        validation_fraction=0.15,
        n_iter_no_change=20,
        random_state=seed,
    )
    return Pipeline([("prepare", prepare), ("model", model)])


_BUILDERS = {Algorithm.LOGISTIC: _logistic, Algorithm.BOOSTING: _boosting}
