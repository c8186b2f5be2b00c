"""The demo stream: deterministic, readable by intake, and routed in full on the default file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from leadroute.normalize import normalize_lead
from leadroute.services.demo import demo_leads, run_demo
from leadroute.services.principals import SYSTEM
from leadroute.services.runtime import Runtime
from leadroute.settings import Settings
from leadroute.storage.tables import LeadRow
from tests.api.conftest import Clock, start_migrated


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    runtime = start_migrated(Settings(database_url=database_url), Clock())
    try:
        yield runtime
    finally:
        runtime.database.dispose()


def test_the_stream_is_the_same_for_a_seed_and_differs_across_seeds() -> None:
    assert demo_leads(60, seed=3) == demo_leads(60, seed=3)
    assert demo_leads(60, seed=3) != demo_leads(60, seed=4)
    assert demo_leads(20) == demo_leads(60)[:20]
    assert demo_leads(0) == []


def test_every_demo_lead_is_a_lead_and_only_the_planted_email_is_flagged() -> None:
    flagged: list[str] = []
    for payload in demo_leads(400):
        normalized = normalize_lead(payload)
        flagged.extend(issue.split(":")[0] for issue in normalized.issues)
    assert flagged == ["email"]
    countries = {normalize_lead(payload).fields.get("country") for payload in demo_leads(400)}
    assert countries >= {"US", "BR", "MX", "ES", "GB", "DE", "CA"}


def test_the_demo_routes_every_lead_and_shows_the_default_rules(runtime: Runtime) -> None:
    answers: list[dict[str, Any]] = []
    counts = run_demo(runtime=runtime, caller=SYSTEM, now=Clock(), count=40, on_lead=answers.append)
    assert sum(counts.values()) == 40
    assert len(answers) == 40
    rules = {answer["decision"]["rule"] for answer in answers}
    assert rules >= {"junk", "enterprise desk", "latam desk", "north america"}
    assert counts.get("pool:review", 0) >= 1
    assert counts.get("jordan", 0) >= 1  # US-CA and US-WA
    assert any(answer["issues"] for answer in answers)
    with runtime.database.reading() as session:
        stored = list(session.scalars(select(LeadRow)))
    assert len(stored) == 40
    assert all((row.owner is None) != (row.pool is None) for row in stored)
