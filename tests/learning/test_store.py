"""Training on the store's own outcomes (won vs lost leads), and a service that scores with the
model file named in its settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from leadroute.api.app import create_app
from leadroute.learning.errors import ModelFileError
from leadroute.learning.models import read_header, save_model
from leadroute.services.principals import Role
from leadroute.settings import Settings
from tests.api.calls import event, lead, ok, post
from tests.api.conftest import Clock, Service, make_service, start_migrated
from tests.databases import sqlite_url
from tests.learning.data import auc, synthetic_model, train

ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [inbound]}
  - {id: bo, teams: [inbound]}
routing:
  - name: inbound
    assign: {team: inbound, select: round_robin}
"""

SCORED_ROUTING = """\
timezone: UTC
reps:
  - {id: closer, teams: [hot]}
  - {id: junior, teams: [rest]}
routing:
  - name: likely to win
    when: {field: score_model, gte: 0.5}
    assign: {team: hot, select: round_robin}
  - name: everyone else
    assign: {team: rest, select: round_robin}
"""


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING, encoding="utf-8")
    yield from make_service(sqlite_url(tmp_path), routing)


def _close(service: Service, count: int) -> None:
    """Post `count` leads a minute apart and close each: referrals are mostly won, ads mostly
    lost."""
    for index in range(count):
        service.clock.advance(minutes=1)
        referral = index % 2 == 0
        body = post(
            service,
            email=f"buyer{index}@shop{index}.com",
            channel="referral" if referral else "ads",
            company_size=10 + index % 13,
        )
        won = referral == (index % 10 not in (0, 5))  # 1 in 5 goes the other way
        ok(event(service, body["id"], "won" if won else "lost"))


def test_train_on_the_stores_won_and_lost_leads(service: Service, tmp_path: Path) -> None:
    _close(service, 120)
    out = tmp_path / "store.model"

    result = train("--database", sqlite_url(tmp_path), "--out", str(out), "--algorithm", "logistic")

    assert auc(result) >= 0.7
    header = read_header(out)
    assert (header["label"], header["positive"]) == ("outcome", "won")
    assert "channel" in header["inputs"]
    assert "email" not in header["inputs"]
    assert header["training_rows"] + header["metrics"]["holdout_rows"] == 120


def test_too_few_outcomes_in_the_store_are_refused(service: Service, tmp_path: Path) -> None:
    _close(service, 30)

    result = train("--database", sqlite_url(tmp_path), "--out", str(tmp_path / "m.model"))

    assert result.exit_code == 1
    assert "the store has 15 won and 15 lost leads" in result.stderr
    assert "at least 50 of each" in result.stderr
    assert not (tmp_path / "m.model").exists()


def test_the_service_routes_by_the_score_of_the_model_in_its_settings(tmp_path: Path) -> None:
    routing = tmp_path / "routing.yaml"
    routing.write_text(SCORED_ROUTING, encoding="utf-8")
    model = tmp_path / "leads.model"
    save_model(synthetic_model(), model)
    settings = Settings(database_url=sqlite_url(tmp_path), routing=routing, model=model)
    clock = Clock()
    runtime = start_migrated(settings, clock)
    client = TestClient(create_app(runtime, settings, clock=clock))
    running = Service(runtime=runtime, client=client, clock=clock)
    try:
        running.admin = running.key(Role.ADMIN)
        hot = lead(running, post(running, email="a@b.com", channel="referral")["id"])
        cold = lead(running, post(running, email="c@d.com", channel="ads")["id"])
    finally:
        client.close()
        runtime.database.dispose()

    assert (hot["owner"], hot["rule"]) == ("closer", "likely to win")
    assert (cold["owner"], cold["rule"]) == ("junior", "everyone else")


def test_a_bad_model_file_in_the_settings_stops_the_start_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.model"
    settings = Settings(database_url=sqlite_url(tmp_path), model=missing)

    with pytest.raises(ModelFileError, match=f"^{missing}: no such model file$"):
        start_migrated(settings, Clock())


def test_the_model_setting_comes_from_leadroute_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADROUTE_MODEL", "/srv/leadroute/leads.model")
    assert Settings().model == Path("/srv/leadroute/leads.model")
