"""`leadroute train` refuses what it cannot learn from with exit 1 and a message naming the
file and the column."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.learning.data import auc, train, write_leads


@pytest.fixture
def leads_csv(tmp_path: Path) -> Path:
    return write_leads(tmp_path / "leads.csv", 300)


def _refused(*args: str) -> str:
    result = train(*args)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    return result.stderr


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    stderr = _refused("--csv", str(missing), "--label", "won", "--out", str(tmp_path / "m"))
    assert f"error: {missing}: no such file" in stderr


def test_an_unknown_label_column_suggests_the_closest(leads_csv: Path, tmp_path: Path) -> None:
    stderr = _refused("--csv", str(leads_csv), "--label", "wins", "--out", str(tmp_path / "m"))
    assert f"error: {leads_csv}: --label: no column 'wins' (did you mean 'won'?)" in stderr


def test_an_unknown_excluded_column_is_named(leads_csv: Path, tmp_path: Path) -> None:
    stderr = _refused(
        *("--csv", str(leads_csv), "--label", "won", "--exclude", "channel,chanel"),
        *("--out", str(tmp_path / "m")),
    )
    assert f"{leads_csv}: --exclude: no column 'chanel' (did you mean 'channel'?)" in stderr


def test_a_label_with_one_class_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "all-won.csv"
    path.write_text("size,won\n" + "".join(f"{i},yes\n" for i in range(40)), encoding="utf-8")
    stderr = _refused("--csv", str(path), "--label", "won", "--out", str(tmp_path / "m"))
    assert f"error: {path}: --label: column 'won' has one class only ('yes')" in stderr


def test_a_positive_value_the_label_never_takes_is_refused(leads_csv: Path, tmp_path: Path) -> None:
    stderr = _refused(
        *("--csv", str(leads_csv), "--label", "won", "--positive", "Yes"),
        *("--out", str(tmp_path / "m")),
    )
    assert f"{leads_csv}: --positive: no row has the value 'Yes' in column 'won'" in stderr


def test_a_label_with_many_values_needs_positive(leads_csv: Path, tmp_path: Path) -> None:
    stderr = _refused("--csv", str(leads_csv), "--label", "channel", "--out", str(tmp_path / "m"))
    assert "column 'channel' has 3 values" in stderr
    assert "--positive" in stderr
    result = train(
        *("--csv", str(leads_csv), "--label", "channel", "--positive", "referral"),
        *("--exclude", "won", "--out", str(tmp_path / "m"), "--algorithm", "logistic"),
    )
    assert 0.0 <= auc(result) <= 1.0


def test_a_wrong_separator_is_hinted(tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    path.write_text("age;y\n30;no\n", encoding="utf-8")
    stderr = _refused("--csv", str(path), "--label", "y", "--out", str(tmp_path / "m"))
    assert "try --sep ';'" in stderr


def test_csv_or_database_must_be_chosen(tmp_path: Path) -> None:
    stderr = _refused("--out", str(tmp_path / "m"))
    assert "give either --csv FILE (with --label) or --database URL" in stderr


def test_a_database_that_is_not_leadroutes_is_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/empty.db"
    stderr = _refused("--database", url, "--out", str(tmp_path / "m"))
    assert f"error: {url}: cannot read the leads" in stderr


def test_the_report_names_features_calibration_and_the_saved_file(
    leads_csv: Path, tmp_path: Path
) -> None:
    out = tmp_path / "leads.model"
    result = train(
        *("--csv", str(leads_csv), "--label", "won", "--out", str(out)),
        *("--split", "time", "--seed", "3"),
    )

    assert auc(result) > 0.75
    lines = result.stdout.splitlines()
    assert "Dropped: lead_id (an id or free text (300 distinct values)), won (the label)" in lines
    assert lines.index("AUC: " + f"{auc(result):.3f}") < lines.index(
        "Calibration (held-out rows by decile of predicted probability):"
    )
    assert any(line.split() and line.split()[0] == "channel" for line in lines)
    assert lines[-1].startswith(f"Saved {out} (model won-")
    assert out.exists()
