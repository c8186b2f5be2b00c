"""Where the shared data sets are, synthetic leads whose outcome a feature predicts, and one
trained model the tests share."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from random import Random

import pytest
from typer.testing import CliRunner, Result

from leadroute.cli import app
from leadroute.learning.models import LeadModel
from leadroute.learning.tables import Table
from leadroute.learning.training import Trained, train_model
from tests.databases import in_ci

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
UCI = DATA / "uci-bank-marketing"
UCI_FULL = UCI / "bank-additional-full.csv"
UCI_SAMPLE = UCI / "bank-additional.csv"
OLIST = DATA / "olist-marketing-funnel"

# Win rates by channel in the synthetic leads: referral converts, ads rarely do.
WIN_RATES = {"referral": 0.85, "ads": 0.1, "social": 0.3}
AUC_LINE = re.compile(r"^AUC: (0\.\d{3}|1\.000)$", re.MULTILINE)


def need(path: Path) -> Path:
    """`path`, or skip (fail on CI) when the shared data is not beside the project."""
    if not path.exists():
        message = f"{path} is not there (the shared data sits beside the project)"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


def leads(count: int, *, seed: int = 1) -> Iterator[dict[str, object]]:
    """Synthetic leads: `channel` decides the odds of `won`; size, day and id add noise."""
    rng = Random(seed)
    start = date(2025, 1, 6)
    for index in range(count):
        channel = rng.choice(list(WIN_RATES))
        yield {
            "lead_id": f"L{index:05d}",
            "channel": channel,
            "company_size": rng.randint(1, 500),
            "signed_up": (start + timedelta(days=index % 90)).isoformat(),
            "won": "yes" if rng.random() < WIN_RATES[channel] else "no",
        }


def write_leads(path: Path, count: int = 400, *, seed: int = 1) -> Path:
    rows = list(leads(count, seed=seed))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def leads_table(count: int = 400, *, seed: int = 1) -> Table:
    rows = list(leads(count, seed=seed))
    return Table(source="leads.csv", columns=tuple(rows[0]), rows=rows)


@cache
def synthetic() -> Trained:
    """A logistic model of the synthetic leads (trained once per test session)."""
    return train_model(leads_table(), label="won", algorithm="logistic", seed=0)


def synthetic_model() -> LeadModel:
    return synthetic().model


def train(*args: str) -> Result:
    """`leadroute train ARGS` through Typer's test runner."""
    return CliRunner().invoke(app, ["train", *args])


def auc(result: Result) -> float:
    """The value of the `AUC: 0.xxx` line the command printed."""
    assert result.exit_code == 0, result.output
    found = AUC_LINE.search(result.stdout)
    assert found, result.stdout
    return float(found.group(1))
