"""The acceptance figure: UCI bank marketing, without `duration`, reaches hold-out AUC >= 0.75."""

from __future__ import annotations

from pathlib import Path

from leadroute.learning.models import load_model, read_header
from tests.learning.data import UCI_FULL, auc, need, train


def test_uci_bank_marketing_without_duration_reaches_a_hold_out_auc_of_075(
    tmp_path: Path,
) -> None:
    out = tmp_path / "uci.model"
    result = train(
        *("--csv", str(need(UCI_FULL)), "--sep", ";", "--label", "y"),
        *("--exclude", "duration", "--out", str(out)),
    )

    assert auc(result) >= 0.75
    assert "Calibration (held-out rows by decile" in result.stdout
    assert "Top features" in result.stdout
    header = read_header(out)
    assert (header["label"], header["positive"]) == ("y", "yes")
    assert "duration" not in header["inputs"]
    assert {"name": "duration", "why": "excluded"} in header["features"]["dropped"]
    assert header["metrics"]["auc"] >= 0.75
    assert header["metrics"]["holdout_rows"] == 8238  # 20% of 41,188
    model = load_model(out)
    first_contact = {"age": "35", "job": "admin.", "contact": "cellular", "nr.employed": "5099.1"}
    assert 0.0 < model.probability(first_contact) < 1.0
