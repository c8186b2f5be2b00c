"""Training is deterministic; model files round-trip and refuse what they cannot use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leadroute.learning.errors import ModelFileError
from leadroute.learning.models import MAGIC, load_model, read_header, save_model
from leadroute.learning.options import Algorithm, Split
from leadroute.learning.tables import read_csv
from leadroute.learning.training import train_model
from tests.learning.data import UCI_SAMPLE, leads_table, need, synthetic, synthetic_model


def test_the_same_seed_gives_the_same_auc_and_the_same_probabilities() -> None:
    table = read_csv(need(UCI_SAMPLE), sep=";")
    first, again = (
        train_model(table, label="y", exclude=["duration"], algorithm="boosting", seed=7)
        for _ in range(2)
    )
    other = train_model(table, label="y", exclude=["duration"], algorithm="boosting", seed=8)

    assert first.evaluation.auc == again.evaluation.auc
    assert first.holdout_probabilities == again.holdout_probabilities
    rows = table.rows[:50]
    assert first.model.probabilities(rows) == again.model.probabilities(rows)
    assert first.evaluation.auc != other.evaluation.auc


def test_best_keeps_the_candidate_with_the_higher_hold_out_auc() -> None:
    trained = train_model(leads_table(), label="won", seed=0)

    assert set(trained.candidates) == set(Algorithm)
    best = max(trained.candidates.values(), key=lambda evaluation: evaluation.auc)
    assert trained.evaluation.auc == best.auc
    assert trained.model.header["algorithm"] == trained.algorithm.value
    assert sum(band.rows for band in trained.evaluation.reliability) == trained.evaluation.rows
    assert trained.evaluation.features[0][0] == "channel"


def test_a_time_split_holds_out_the_last_fifth_of_the_rows_in_file_order() -> None:
    table = leads_table(400)
    trained = train_model(table, label="won", algorithm="logistic", split=Split.TIME)

    last = table.rows[320:]
    assert trained.training_rows == 320
    assert trained.evaluation.rows == 80
    assert trained.evaluation.positives == sum(row["won"] == "yes" for row in last)
    assert trained.holdout_probabilities == tuple(trained.model.probabilities(last))


def test_a_saved_model_loads_with_its_header_and_the_same_probabilities(tmp_path: Path) -> None:
    model = synthetic_model()
    path = tmp_path / "models" / "leads.model"
    save_model(model, path)
    loaded = load_model(path)

    rows = list(leads_table(30, seed=9).rows)
    assert loaded.probabilities(rows) == model.probabilities(rows)
    assert loaded.version == model.version
    header = read_header(path)
    assert header["format"] == 1
    assert header["label"] == "won"
    assert header["positive"] == "yes"
    assert header["algorithm"] == "logistic"
    assert set(header) >= {"created", "sklearn", "features", "inputs", "metrics", "seed"}
    assert header["metrics"]["auc"] == pytest.approx(synthetic().evaluation.auc, abs=1e-6)


def _rewrite_header(path: Path, **changes: object) -> None:
    lines = path.read_bytes().split(b"\n", 2)
    header = json.loads(lines[1]) | changes
    path.write_bytes(b"\n".join([lines[0], json.dumps(header).encode(), lines[2]]))


def test_a_model_file_of_another_format_version_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "old.model"
    save_model(synthetic_model(), path)
    _rewrite_header(path, format=2)

    with pytest.raises(ModelFileError) as refused:
        load_model(path)

    assert str(refused.value) == (
        f"{path}: model file format 2; this leadroute reads format 1: train it again with "
        "`leadroute train`"
    )


def test_a_model_made_with_another_scikit_learn_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.model"
    save_model(synthetic_model(), path)
    _rewrite_header(path, sklearn="0.24.2")

    with pytest.raises(ModelFileError, match=r"made with scikit-learn 0\.24\.2"):
        load_model(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such model file"),
        (b"age,job\n1,2\n", "not a leadroute model file"),
        (MAGIC + b"{not json\n", "damaged model file: unreadable header"),
        (MAGIC + b'{"format": 1, "sklearn": "' + b"%s" + b'", "features": {}}\ngarbage', "damaged"),
    ],
)
def test_a_file_that_is_not_a_usable_model_is_refused_by_name(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    import sklearn  # noqa: PLC0415

    path = tmp_path / "bad.model"
    if content is not None:
        path.write_bytes(content.replace(b"%s", sklearn.__version__.encode()))

    with pytest.raises(ModelFileError, match=message) as refused:
        load_model(path)

    assert str(refused.value).startswith(f"{path}: ")
