"""A trained lead model and its file: a JSON header line, then the estimator (joblib).

The header (format version, creation time, scikit-learn version, label, positive value, feature
columns, hold-out metrics) is read before anything is unpickled, so a file of another format or
scikit-learn version is refused with a message instead of failing half-way. Only load model
files you made: the estimator part is a pickle.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn

from leadroute.learning.errors import ModelFileError
from leadroute.learning.features import FeaturePlan
from leadroute.learning.threads import one_thread

FORMAT = 1
MAGIC = b"leadroute-model\n"


class LeadModel:
    """A fitted, calibrated classifier and how to read a lead's fields into it (a Predictor)."""

    def __init__(self, *, header: Mapping[str, Any], plan: FeaturePlan, estimator: Any) -> None:
        self.header = dict(header)
        self.plan = plan
        self.estimator = estimator

    @property
    def version(self) -> str:
        return str(self.header["version"])

    def probability(self, fields: Mapping[str, object]) -> float:
        """P(positive) for one lead; a field the model reads but the lead lacks is unknown."""
        return self.probabilities([fields])[0]

    def probabilities(self, rows: Sequence[Mapping[str, object]]) -> list[float]:
        if not rows:
            return []
        with one_thread():
            predicted = self.estimator.predict_proba(self.plan.matrix(rows))[:, 1]
        return [float(p) for p in np.clip(predicted, 0.0, 1.0)]


def save_model(model: LeadModel, path: Path) -> None:
    """Write the model file (replacing `path` only once it is complete)."""
    payload = io.BytesIO()
    joblib.dump(model.estimator, payload, compress=3)
    header = json.dumps(model.header, ensure_ascii=False, sort_keys=True).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(MAGIC + header + b"\n" + payload.getvalue())
        Path(temporary).chmod(0o644)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_header(path: Path) -> dict[str, Any]:
    """The header of a model file (ModelFileError names the file when it is not one)."""
    with _open(path) as handle:
        return _header(handle, path)


def load_model(path: Path) -> LeadModel:
    """The model in `path`; ModelFileError (naming the file) when it is missing, not a leadroute
    model, of another format version or made with another scikit-learn minor version."""
    with _open(path) as handle:
        header = _header(handle, path)
        made_with = str(header.get("sklearn", "?"))
        if _minor(made_with) != _minor(sklearn.__version__):
            raise ModelFileError(
                f"made with scikit-learn {made_with}, this is {sklearn.__version__}: "
                "train it again with `leadroute train`",
                source=str(path),
            )
        try:
            plan = FeaturePlan.from_header(header["features"])
            estimator = joblib.load(io.BytesIO(handle.read()))
        # A damaged pickle can raise nearly anything; all of it means "not a usable model".
        except Exception as error:
            raise ModelFileError(
                f"damaged model file ({type(error).__name__}: {error})", source=str(path)
            ) from None
    if not hasattr(estimator, "predict_proba"):
        raise ModelFileError("the file holds no classifier", source=str(path))
    return LeadModel(header=header, plan=plan, estimator=estimator)


def _open(path: Path) -> io.BufferedReader:
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise ModelFileError("no such model file", source=str(path)) from None
    except OSError as error:
        raise ModelFileError(f"cannot read: {error.strerror}", source=str(path)) from None


def _header(handle: io.BufferedReader, path: Path) -> dict[str, Any]:
    if handle.readline() != MAGIC:
        raise ModelFileError(
            "not a leadroute model file (make one with `leadroute train`)", source=str(path)
        )
    try:
        header = json.loads(handle.readline())
    except ValueError:
        header = None
    if not isinstance(header, dict):
        raise ModelFileError("damaged model file: unreadable header", source=str(path))
    if header.get("format") != FORMAT:
        raise ModelFileError(
            f"model file format {header.get('format')!r}; this leadroute reads format {FORMAT}: "
            "train it again with `leadroute train`",
            source=str(path),
        )
    return header


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])
