"""GET /api/v1/leads: search, score bounds, sorting both ways, and a refused sort key; rep keys
keep seeing only their own and their pools' leads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leadroute.services.principals import Role
from tests.api.conftest import Service, make_service

POOLS = Path(__file__).parents[2] / "examples" / "pools" / "routing.yaml"


@pytest.fixture
def pools(database_url: str) -> Iterator[Service]:
    """Scored leads (company_size ≥ 500: 40, timeframe now: 30) into the pools of sara, owen
    (nurture) and cleo (hot, blind)."""
    yield from make_service(database_url, POOLS)


def ids(service: Service, query: str, headers: dict[str, str] | None = None) -> list[str]:
    answer = service.client.get(f"/api/v1/leads?{query}", headers=headers or service.admin)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return [lead["id"] for lead in body["leads"]]


def post(service: Service, name: str, **fields: object) -> str:
    service.clock.advance(minutes=1)  # distinct arrival times: a stable default order
    body = {"name": name, "email": f"{name.lower()}@mail.example", **fields}
    answer = service.client.post("/api/v1/leads", json=body, headers=service.admin)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def test_q_searches_name_email_company_and_id(pools: Service) -> None:
    ada = post(pools, "Ada", company="Analytical Engines")
    bob = post(pools, "Bob", company="Widgets")
    assert ids(pools, "q=ADA") == [ada]
    assert ids(pools, "q=bob%40mail") == [bob]
    assert ids(pools, "q=engines") == [ada]
    assert ids(pools, f"q={bob[-6:]}") == [bob]
    assert ids(pools, "q=mail.example") == [bob, ada]


def test_score_bounds_and_sorting_both_ways(pools: Service) -> None:
    cold = post(pools, "Cold")  # 0
    hot = post(pools, "Hot", company_size=900, timeframe="now")  # 70
    warm = post(pools, "Warm", timeframe="now")  # 30
    assert ids(pools, "") == [warm, hot, cold]  # newest first, as before
    assert ids(pools, "score_min=30") == [warm, hot]
    assert ids(pools, "score_min=1&score_max=30") == [warm]
    assert ids(pools, "sort=score") == [hot, warm, cold]
    assert ids(pools, "sort=score&descending=false") == [cold, warm, hot]
    assert ids(pools, "sort=name") == [cold, hot, warm]
    assert ids(pools, "sort=name&descending=true") == [warm, hot, cold]
    assert ids(pools, "sort=received&descending=false&limit=2") == [cold, hot]
    assert ids(pools, "sort=status&limit=1&offset=1") != []


def test_an_unknown_sort_or_inverted_bounds_are_422_naming_them(pools: Service) -> None:
    answer = pools.client.get("/api/v1/leads?sort=colour", headers=pools.admin)
    assert answer.status_code == 422
    assert answer.json()["problems"] == [
        {"path": "sort", "message": "unknown sort 'colour' (received, score, status, owner, name)"}
    ]
    inverted = pools.client.get("/api/v1/leads?score_min=50&score_max=10", headers=pools.admin)
    assert inverted.status_code == 422
    assert inverted.json()["problems"][0]["path"] == "score_min"
    not_a_number = pools.client.get("/api/v1/leads?score_min=nan", headers=pools.admin)
    assert not_a_number.status_code == 422


def test_a_date_without_an_offset_is_utc(pools: Service) -> None:
    lead = post(pools, "Dated")
    assert ids(pools, "from=2026-03-03") == [lead]
    assert ids(pools, "to=2026-03-03") == []


def test_a_rep_key_still_sees_only_its_pools_with_the_new_filters(pools: Service) -> None:
    nurtured = post(pools, "Nurtured")  # nurture: sara and owen
    post(pools, "Hot", company_size=900, timeframe="now")  # hot: blind, cleo only
    sara = pools.key(Role.REP, "sara")
    cleo = pools.key(Role.REP, "cleo")
    assert ids(pools, "sort=score", sara) == [nurtured]
    assert ids(pools, "q=hot", sara) == []
    assert ids(pools, "score_min=0", cleo) == []  # a blind pool shows no leads
