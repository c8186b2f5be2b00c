"""Errors of training and of model files; both name the file (and the column) at fault."""

from __future__ import annotations

from leadroute.domain.errors import InvalidInput, Problem


class TrainingError(InvalidInput):
    """The training data cannot give a model: no such file or column, one class, too few rows."""

    def __init__(self, message: str, *, source: str, path: str = "") -> None:
        super().__init__([Problem(path=path, message=message)], source=source)


class ModelFileError(InvalidInput):
    """A model file that cannot be used: missing, not a leadroute model, another format."""

    def __init__(self, message: str, *, source: str) -> None:
        super().__init__([Problem(path="", message=message)], source=source)
