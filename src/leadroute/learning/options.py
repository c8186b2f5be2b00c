"""What `leadroute train` lets one choose: the model family and the hold-out split. Kept apart
from the modules that import scikit-learn, so the CLI can list them cheaply."""

from __future__ import annotations

from enum import StrEnum

BEST = "best"
HOLDOUT = 0.2


class Algorithm(StrEnum):
    LOGISTIC = "logistic"
    BOOSTING = "boosting"


DESCRIPTIONS = {
    Algorithm.LOGISTIC: "logistic regression (scaled, one-hot)",
    Algorithm.BOOSTING: "gradient boosting (histogram trees)",
}


class Split(StrEnum):
    RANDOM = "random"
    TIME = "time"


SPLITS = {
    Split.RANDOM: "stratified random 20%",
    Split.TIME: "the last 20% of rows in file order",
}
