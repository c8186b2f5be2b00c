"""Experiments through the API: intake answers with the lead's arm, the lead keeps it, the
trace says it, and a preview names the arm it would take."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leadroute.routing.experiments import Experiment, arm_of
from tests.api.calls import lead, ok, post, serve_routing
from tests.api.conftest import Service

ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr]}
  - {id: bob, teams: [sdr]}
  - {id: vic, teams: [variant]}
routing:
  - {name: rotation, assign: {team: sdr}}
flows:
  other:
    - {name: variant team, assign: {team: variant}}
experiments:
  - {name: trial, variant: other, split: 50}
"""


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[Service]:
    yield from serve_routing(database_url, tmp_path, ROUTING)


def test_intake_records_the_arm_its_hash_gives(service: Service) -> None:
    trial = Experiment(name="trial", control="routing", variant="other")
    seen = set()
    for n in range(16):
        body = post(service, email=f"p{n}@example.com")
        arm = arm_of(trial, str(body["id"]))
        seen.add(arm)
        decision = body["decision"]
        assert (decision["experiment"], decision["arm"]) == ("trial", arm)
        assert (body["owner"] == "vic") == (arm == "variant")
        assert decision["trace"][0]["rule"] == "experiment"
        detail = lead(service, body["id"])
        assert detail["experiment"] == {"name": "trial", "arm": arm}
    assert seen == {"control", "variant"}


def test_a_lead_outside_every_experiment_says_nothing_of_arms(
    service: Service, tmp_path: Path
) -> None:
    text = ROUTING.replace(
        "{name: trial, variant: other, split: 50}",
        "{name: trial, variant: other, when: {field: country, eq: BR}}",
    )
    replaced = service.client.put(
        "/api/v1/routing",
        content=text,
        headers={**service.admin, "Content-Type": "application/yaml"},
    )
    ok(replaced)
    body = post(service, email="x@example.com", country="US")
    assert "arm" not in body["decision"]
    assert lead(service, body["id"])["experiment"] is None


def test_preview_names_the_arm(service: Service) -> None:
    preview = ok(
        service.client.post(
            "/api/v1/routing/preview", json={"email": "a@example.com"}, headers=service.admin
        )
    )
    trial = Experiment(name="trial", control="routing", variant="other")
    assert (preview["experiment"], preview["arm"]) == ("trial", arm_of(trial, "preview"))
