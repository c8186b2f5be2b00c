"""Hand-offs (an SDR qualifies, the hand-off flow chooses a closer) and manual triage (the
lead waits in the managers-only `triage` pool until a manager assigns it), through HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.calls import (
    accept,
    assign,
    assignments,
    claim,
    decline,
    event,
    ok,
    pool,
    pools,
    post,
    pull,
    refused,
    reps,
    serve_routing,
    types,
)
from tests.api.conftest import Service

REPS = """\
timezone: UTC
reps:
  - {id: sdr1, teams: [sdr]}
  - {id: sdr2, teams: [sdr]}
  - {id: ae1, teams: [ae]}
  - {id: ae2, teams: [ae]}
  - {id: big1, teams: [enterprise_ae]}
"""
FIRST_STAGE = """\
routing:
  - name: strategic accounts
    when: {field: company_size, gte: 5000}
    assign: {triage: managers}
  - name: sdr
    assign: {team: sdr, select: round_robin}
"""
ROUTING = f"""\
{REPS}pools:
  closers: {{members: [team:ae]}}
{FIRST_STAGE}handoff:
  routing:
    - name: enterprise closers
      when: {{field: company_size, gte: 1000}}
      assign: {{team: enterprise_ae, select: hunt, offer: {{timeout: 5m, max_offers: 1}}}}
    - name: closers
      when: {{field: product, eq: crm}}
      assign: {{team: ae, select: round_robin}}
  fallback: {{pool: closers}}
"""
NO_HANDOFF = REPS + FIRST_STAGE


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[Service]:
    yield from serve_routing(database_url, tmp_path, ROUTING)


@pytest.fixture
def single_stage(database_url: str, tmp_path: Path) -> Iterator[Service]:
    yield from serve_routing(database_url, tmp_path, NO_HANDOFF)


def qualify(service: Service, lead_id: object, rep: str) -> dict[str, Any]:
    return ok(event(service, lead_id, "qualified", service.key("rep", rep), reason="budget ok"))


def test_a_qualified_lead_is_handed_to_a_closer(service: Service) -> None:
    posted = post(service, email="a@acme.com", product="crm", company_size=50)
    assert (posted["owner"], posted["decision"]["rule"]) == ("sdr1", "sdr")
    assert reps(service)["sdr1"]["open"] == 1
    service.clock.advance(hours=1)
    closer = qualify(service, posted["id"], "sdr1")
    assert (closer["owner"], closer["qualified_by"], closer["rule"]) == ("ae1", "sdr1", "closers")
    assert closer["qualified_at"] == service.clock.now.isoformat()
    assert closer["status"] == "routed"
    assert types(closer)[-3:] == ["lead.qualified", "lead.handed_off", "lead.assigned"]
    handed, assigned = closer["timeline"][-2:]
    assert (handed["rep"], handed["data"]) == ("sdr1", {"qualified_by": "sdr1"})
    assert assigned["rep"] == "ae1"
    assert assigned["data"]["qualified_by"] == "sdr1"
    assert assigned["actor"].endswith("(sdr1)")
    roster = reps(service)
    assert {rep: roster[rep]["open"] for rep in ("sdr1", "ae1", "ae2")} == {
        "sdr1": 0,
        "ae1": 1,
        "ae2": 0,
    }
    assert assignments(service, posted["id"]) == [
        ("sdr1", True, "handed off after qualifying"),
        ("ae1", True, None),
    ]
    sdr1 = service.key("rep", "sdr1")
    assert refused(service.client.get(f"/api/v1/leads/{posted['id']}", headers=sdr1), 404)
    ae1 = service.key("rep", "ae1")
    won = ok(event(service, posted["id"], "won", ae1, amount=900))
    assert (won["owner"], won["qualified_by"], won["status"]) == ("ae1", "sdr1", "won")
    second = post(service, email="b@acme.com", product="crm")
    assert second["owner"] == "sdr2"
    assert qualify(service, second["id"], "sdr2")["owner"] == "ae2"  # the closers' rotation


def test_a_hand_off_may_offer_the_lead_to_the_closer(service: Service) -> None:
    posted = post(service, email="cfo@bigco.com", product="crm", company_size=2000)
    assert posted["owner"] == "sdr1"
    handed = qualify(service, posted["id"], "sdr1")
    assert (handed["owner"], handed["status"], handed["qualified_by"]) == (
        "big1",
        "offered",
        "sdr1",
    )
    assert handed["rule"] == "enterprise closers"
    assert types(handed)[-1] == "lead.offered"
    assert reps(service)["sdr1"]["open"] == 0
    assert reps(service)["big1"]["open"] == 1
    moved = ok(decline(service, posted["id"], service.key("rep", "big1"), reason="full"))
    # max_offers 1: on to the hand-off flow's next rule, not the first-stage routing
    assert (moved["owner"], moved["status"], moved["rule"]) == ("ae1", "routed", "closers")
    assert moved["qualified_by"] == "sdr1"
    assert reps(service)["big1"]["open"] == 0
    other = post(service, email="ceo@bigco.com", product="crm", company_size=3000)
    offered = qualify(service, other["id"], str(other["owner"]))
    assert (offered["owner"], offered["status"]) == ("big1", "offered")
    taken = ok(accept(service, other["id"], service.key("rep", "big1")))
    assert (taken["owner"], taken["status"], taken["qualified_by"]) == ("big1", "routed", "sdr2")


def test_a_hand_off_nobody_takes_waits_in_the_hand_off_fallback_pool(service: Service) -> None:
    posted = post(service, email="a@acme.com", product="erp")
    handed = qualify(service, posted["id"], "sdr1")
    assert (handed["owner"], handed["pool"], handed["qualified_by"]) == (None, "closers", "sdr1")
    assert handed["rule"] == "handoff fallback"
    assert types(handed)[-3:] == ["lead.qualified", "lead.handed_off", "lead.pooled"]
    assert reps(service)["sdr1"]["open"] == 0
    ae2 = service.key("rep", "ae2")
    listed = ok(pool(service, "closers", ae2))
    assert [entry["id"] for entry in listed["leads"]] == [posted["id"]]
    assert listed["leads"][0]["qualified_by"] == "sdr1"
    taken = ok(pull(service, "closers", ae2))
    assert (taken["id"], taken["owner"], taken["qualified_by"]) == (posted["id"], "ae2", "sdr1")
    sdr2 = service.key("rep", "sdr2")
    assert refused(pull(service, "closers", sdr2), 404).startswith("no pool closers ")


def test_without_a_hand_off_flow_qualified_is_only_a_status(single_stage: Service) -> None:
    service = single_stage
    posted = post(service, email="a@acme.com", product="crm")
    qualified = qualify(service, posted["id"], "sdr1")
    assert (qualified["owner"], qualified["status"]) == ("sdr1", "qualified")
    assert qualified["qualified_by"] == "sdr1"
    assert types(qualified)[-1] == "lead.qualified"
    assert reps(service)["sdr1"]["open"] == 1
    assert assignments(service, posted["id"]) == [("sdr1", True, None)]


def test_triage_leads_wait_for_a_manager_and_reps_never_see_them(service: Service) -> None:
    posted = post(service, email="cio@giant.com", company_size=20000)
    assert (posted["owner"], posted["pool"], posted["status"]) == (None, "triage", "routed")
    assert posted["decision"]["reason"] == (
        "strategic accounts: to pool triage (for a manager to assign)"
    )
    lead_id = posted["id"]
    sdr1 = service.key("rep", "sdr1")
    assert "triage" not in pools(service, sdr1)
    assert refused(pool(service, "triage", sdr1), 404).startswith("no pool triage ")
    assert refused(service.client.get(f"/api/v1/leads/{lead_id}", headers=sdr1), 404)
    assert ok(service.client.get("/api/v1/leads", headers=sdr1))["total"] == 0
    assert refused(claim(service, lead_id, sdr1), 404) == f"no lead {lead_id}"
    assert refused(pull(service, "triage", sdr1), 404).startswith("no pool triage ")
    manager = service.key("manager")
    listed = pools(service, manager)["triage"]
    assert (listed["managers_only"], listed["waiting"]) == (True, 1)
    assert [entry["id"] for entry in ok(pool(service, "triage", manager))["leads"]] == [lead_id]
    on_behalf = refused(claim(service, lead_id, manager, rep="sdr1"), 409)
    assert (
        on_behalf
        == "sdr1 may not claim from pool triage: pool triage is for managers to assign by hand"
    )
    service.clock.advance(minutes=30)
    given = ok(assign(service, lead_id, manager, rep="ae2", reason="knows the CFO"))
    assert (given["owner"], given["pool"], given["status"]) == ("ae2", None, "routed")
    entry = given["timeline"][-1]
    assert (entry["type"], entry["rep"], entry["reason"]) == (
        "lead.assigned",
        "ae2",
        "knows the CFO",
    )
    assert entry["actor"].startswith("manager key ")
    assert entry["at"] == service.clock.now.isoformat()
    assert entry["data"] == {"from": None, "to": "ae2", "pool": "triage", "manual": True}
    assert assignments(service, lead_id) == [("ae2", True, None)]
    assert pools(service, manager)["triage"]["waiting"] == 0
    ae2 = service.key("rep", "ae2")
    assert ok(service.client.get(f"/api/v1/leads/{lead_id}", headers=ae2))["owner"] == "ae2"


def test_a_closers_qualified_is_only_a_status(service: Service) -> None:
    """The hand-off runs once: the closer marking the lead qualified keeps it (the SDR stays
    `qualified_by`), rather than handing it to yet another closer."""
    posted = post(service, email="a@acme.com", product="crm")
    assert qualify(service, posted["id"], "sdr1")["owner"] == "ae1"
    again = qualify(service, posted["id"], "ae1")
    assert (again["owner"], again["status"], again["qualified_by"]) == ("ae1", "qualified", "sdr1")
    assert types(again)[-1] == "lead.qualified"
    assert reps(service)["ae1"]["open"] == 1


def test_a_closer_releasing_a_handed_off_lead_passes_it_to_another_closer(
    service: Service,
) -> None:
    """A qualified lead released by its closer is routed again in the hand-off flow (as replay
    does: simulate/decisions.py), to anyone but that closer, not back to the SDRs."""
    posted = post(service, email="a@acme.com", product="crm")
    assert qualify(service, posted["id"], "sdr1")["owner"] == "ae1"
    released = ok(event(service, posted["id"], "released", service.key("rep", "ae1")))
    assert (released["owner"], released["rule"], released["qualified_by"]) == (
        "ae2",
        "closers",
        "sdr1",
    )
