"""POST /api/v1/leads/{id}/events and /assign: the lifecycle, release, manual assignment."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from leadroute.storage.tables import AssignmentRow, RepLoad
from tests.api.conftest import Service


def event(
    service: Service, lead_id: object, kind: str, headers: dict[str, str] | None = None, **more: Any
) -> Any:
    return service.client.post(
        f"/api/v1/leads/{lead_id}/events",
        json={"type": kind, **more},
        headers=headers or service.admin,
    )


def assign(
    service: Service, lead_id: object, headers: dict[str, str] | None = None, **body: Any
) -> Any:
    return service.client.post(
        f"/api/v1/leads/{lead_id}/assign", json=body, headers=headers or service.admin
    )


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def inbound_lead(service: Service, name: str) -> dict[str, object]:
    """A lead no rule condition matches: the inbound team takes it, least loaded first."""
    return service.post_lead(email=f"{name}@acme.com")


def loads(service: Service) -> dict[str, int]:
    with service.runtime.database.reading() as session:
        return {row.rep_id: row.open for row in session.scalars(select(RepLoad))}


def open_assignments(service: Service, lead_id: object) -> list[str]:
    with service.runtime.database.reading() as session:
        return list(
            session.scalars(
                select(AssignmentRow.rep_id).where(
                    AssignmentRow.lead_id == lead_id, AssignmentRow.ended_at.is_(None)
                )
            )
        )


def types(lead: dict[str, Any]) -> list[str]:
    return [entry["type"] for entry in lead["timeline"]]


def test_a_lead_goes_from_routed_to_won_with_its_timeline(service: Service) -> None:
    lead = service.post_lead(email="ana@acme.com", country="US", region="US-CA")
    assert (lead["owner"], lead["status"]) == ("jordan", "routed")
    jordan = service.key("rep", "jordan")
    first_touch = service.clock.now
    touched = ok(event(service, lead["id"], "touched", jordan, reason="called"))
    assert touched["status"] == "touched"
    assert touched["touched_at"] == first_touch.isoformat()
    service.clock.advance(hours=1)
    again = ok(event(service, lead["id"], "touched", jordan))
    assert again["touched_at"] == first_touch.isoformat()  # the first touch stays
    qualified = ok(event(service, lead["id"], "qualified", jordan))
    assert qualified["status"] == "qualified"
    ok(event(service, lead["id"], "touched", jordan))
    service.clock.advance(days=2)
    won = ok(event(service, lead["id"], "won", jordan, amount=1200.0, reason="signed"))
    assert (won["status"], won["amount"], won["owner"]) == ("won", 1200.0, "jordan")
    assert won["closed_at"] == service.clock.now.isoformat()
    assert types(won) == [
        "lead.received",
        "lead.assigned",
        "lead.touched",
        "lead.touched",
        "lead.qualified",
        "lead.touched",
        "lead.won",
    ]
    last = won["timeline"][-1]
    assert last["actor"].endswith("(jordan)")
    assert (last["rep"], last["reason"]) == ("jordan", "signed")
    assert last["data"] == {"from": "qualified", "owner": "jordan", "amount": 1200.0}
    assert [entry["data"]["first"] for entry in won["timeline"][2:4]] == [True, False]
    assert won["timeline"][-2]["data"]["from"] == "qualified"  # a touch never moves it back
    read = ok(service.client.get(f"/api/v1/leads/{lead['id']}", headers=jordan))
    assert read["status"] == "won"


def test_closing_a_lead_lowers_the_owners_open_load(service: Service) -> None:
    owners = [inbound_lead(service, f"l{i}")["owner"] for i in range(4)]
    assert owners == ["sam", "kim", "noor", "sam"]
    assert loads(service) == {"sam": 2, "kim": 1, "noor": 1}
    sams = [
        lead["id"]
        for lead in service.client.get(
            "/api/v1/leads", params={"owner": "sam"}, headers=service.admin
        ).json()["leads"]
    ]
    ok(event(service, sams[0], "lost"))
    ok(event(service, sams[1], "disqualified", reason="spam"))
    assert loads(service)["sam"] == 0
    assert inbound_lead(service, "l5")["owner"] == "sam"  # least loaded again


def test_a_closed_result_can_be_corrected_without_touching_the_load(service: Service) -> None:
    lead = inbound_lead(service, "a")
    ok(event(service, lead["id"], "won", amount=500))
    assert loads(service)["sam"] == 0
    service.clock.advance(hours=2)
    lost = ok(event(service, lead["id"], "lost", reason="payment bounced"))
    assert (lost["status"], lost["amount"]) == ("lost", None)
    assert lost["closed_at"] == service.clock.now.isoformat()
    assert lost["timeline"][-1]["data"] == {"from": "won", "owner": "sam", "correction": True}
    assert loads(service)["sam"] == 0
    same = event(service, lead["id"], "lost")
    assert same.status_code == 409
    assert same.json()["error"] == f"lead {lead['id']} is lost already"
    rewon = ok(event(service, lead["id"], "won", amount=700))
    assert (rewon["status"], rewon["amount"]) == ("won", 700.0)
    fixed = ok(event(service, lead["id"], "won", amount=750))
    assert fixed["amount"] == 750.0
    assert loads(service)["sam"] == 0


def test_a_released_lead_goes_to_another_rep_never_back(service: Service) -> None:
    lead = inbound_lead(service, "a")
    assert lead["owner"] == "sam"
    sam = service.key("rep", "sam")
    ok(event(service, lead["id"], "touched", sam))
    released = ok(event(service, lead["id"], "released", sam, reason="wrong language"))
    assert released["owner"] == "kim"
    assert released["status"] == "routed"
    assert types(released)[-2:] == ["lead.released", "lead.assigned"]
    entry = released["timeline"][-2]
    assert (entry["rep"], entry["reason"]) == ("sam", "wrong language")
    assert entry["data"] == {"from": "touched", "owner": "sam"}
    inbound = released["decision"]["trace"][-1]
    assert inbound["rule"] == "inbound rotation"
    assert {"rep": "sam", "skipped": "had this lead before"} in inbound["candidates"]
    assert loads(service) == {"sam": 0, "kim": 1}
    assert open_assignments(service, lead["id"]) == ["kim"]
    assert event(service, lead["id"], "touched", sam).status_code == 404  # no longer sam's


def test_a_released_lead_nobody_else_may_take_waits_in_a_pool(service: Service) -> None:
    service.clock.advance(hours=2)  # 19:00 UTC: Alan (London) has gone home
    lead = service.post_lead(email="cio@bigco.com", company_size=5000)
    assert lead["owner"] == "grace"
    grace = service.key("rep", "grace")
    released = ok(event(service, lead["id"], "released", grace))
    assert (released["owner"], released["pool"]) == (None, "enterprise_queue")
    assert types(released)[-2:] == ["lead.released", "lead.pooled"]
    desk = next(e for e in released["decision"]["trace"] if e["rule"] == "enterprise desk")
    assert {"rep": "grace", "skipped": "had this lead before"} in desk["candidates"]
    assert open_assignments(service, lead["id"]) == []
    assert loads(service)["grace"] == 0


def test_transitions_that_cannot_happen_are_conflicts_naming_the_status(
    service: Service,
) -> None:
    pooled = service.post_lead(email="x@example.invalid")
    assert pooled["pool"] == "review"
    for kind in ("touched", "qualified", "won", "released"):
        refused = event(service, pooled["id"], kind)
        assert refused.status_code == 409, kind
        body = refused.json()
        assert "routed" in body["error"]
        assert "pool review" in body["error"]
        assert (body["status"], body["pool"]) == ("routed", "review")
    closed = inbound_lead(service, "a")
    ok(event(service, closed["id"], "disqualified"))
    for kind in ("touched", "qualified", "released"):
        refused = event(service, closed["id"], kind)
        assert refused.status_code == 409, kind
        assert refused.json()["error"].endswith("it is disqualified")
    lead = inbound_lead(service, "b")
    ok(event(service, lead["id"], "qualified"))
    twice = event(service, lead["id"], "qualified")
    assert twice.status_code == 409
    assert twice.json()["status"] == "qualified"


def test_a_pooled_lead_can_be_disqualified_and_leaves_the_pool(service: Service) -> None:
    pooled = service.post_lead(email="x@example.invalid")
    closed = ok(event(service, pooled["id"], "disqualified", reason="test entry"))
    assert (closed["status"], closed["pool"], closed["owner"]) == ("disqualified", None, None)
    listed = service.client.get("/api/v1/leads", params={"pool": "review"}, headers=service.admin)
    assert listed.json()["total"] == 0


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"type": "reopened"}, "type"),
        ({"type": "lost", "amount": 10}, "amount"),
        ({"type": "won", "amount": -1}, "amount"),
        ({"type": "won", "price": 1}, "price"),
    ],
)
def test_a_malformed_event_is_refused_naming_the_field(
    service: Service, body: dict[str, object], path: str
) -> None:
    lead = inbound_lead(service, "a")
    response = service.client.post(
        f"/api/v1/leads/{lead['id']}/events", json=body, headers=service.admin
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["path"] == path
    assert loads(service)["sam"] == 1


def test_unknown_leads_are_not_found(service: Service) -> None:
    missing = event(service, "nope", "touched")
    assert missing.status_code == 404
    assert missing.json()["error"] == "no lead nope"
    assert assign(service, "nope", rep="sam", reason="x").status_code == 404


def test_a_rep_acts_only_on_its_own_leads(service: Service) -> None:
    sams = inbound_lead(service, "a")
    kims = inbound_lead(service, "b")
    pooled = service.post_lead(email="x@example.invalid")
    sam = service.key("rep", "sam")
    assert event(service, kims["id"], "touched", sam).status_code == 404
    assert event(service, kims["id"], "released", sam).status_code == 404
    in_pool = event(service, pooled["id"], "disqualified", sam)  # sam sees the review pool
    assert in_pool.status_code == 403
    assert "claim it first" in in_pool.json()["error"]
    assert ok(event(service, sams["id"], "touched", sam))["status"] == "touched"
    kim = ok(service.client.get(f"/api/v1/leads/{kims['id']}", headers=service.admin))
    assert (kim["status"], types(kim)) == ("routed", ["lead.received", "lead.assigned"])


def test_intake_and_auditor_keys_may_not_change_leads(service: Service) -> None:
    lead = inbound_lead(service, "a")
    for role in ("intake", "auditor"):
        headers = service.key(role)
        assert event(service, lead["id"], "touched", headers).status_code == 403
        assert assign(service, lead["id"], headers, rep="kim", reason="x").status_code == 403
    rep = service.key("rep", "sam")
    assert assign(service, lead["id"], rep, rep="kim", reason="mine").status_code == 403
    assert event(service, lead["id"], "touched").status_code == 200  # admin still may


def test_a_manager_reassigns_with_who_and_why(service: Service) -> None:
    lead = inbound_lead(service, "a")
    ok(event(service, lead["id"], "touched"))
    manager = service.key("manager")
    service.clock.advance(minutes=5)
    moved = ok(assign(service, lead["id"], manager, rep="priya", reason="customer asked for her"))
    assert (moved["owner"], moved["status"]) == ("priya", "touched")  # progress is kept
    entry = moved["timeline"][-1]
    assert entry["type"] == "lead.reassigned"
    assert entry["actor"].startswith("manager key")
    assert (entry["rep"], entry["reason"]) == ("priya", "customer asked for her")
    assert entry["data"] == {"from": "sam", "to": "priya", "pool": None, "manual": True}
    assert loads(service) == {"sam": 0, "priya": 1}
    assert open_assignments(service, lead["id"]) == ["priya"]
    with service.runtime.database.reading() as session:
        ended = session.scalars(select(AssignmentRow).where(AssignmentRow.rep_id == "sam")).one()
    assert ended.end_reason == "reassigned by hand: customer asked for her"
    same = assign(service, lead["id"], manager, rep="priya", reason="again")
    assert same.status_code == 409
    assert same.json()["error"] == f"lead {lead['id']} is already owned by priya"
    priya = service.key("rep", "priya")
    assert ok(event(service, lead["id"], "won", priya, amount=10))["owner"] == "priya"
    closed = assign(service, lead["id"], manager, rep="sam", reason="back")
    assert closed.status_code == 409
    assert "it is won" in closed.json()["error"]


def test_a_pooled_lead_is_assigned_by_hand(service: Service) -> None:
    pooled = service.post_lead(email="x@example.invalid")
    given = ok(assign(service, pooled["id"], rep="noor", reason="real after all"))
    assert (given["owner"], given["pool"], given["status"]) == ("noor", None, "routed")
    assert given["timeline"][-1]["type"] == "lead.assigned"
    assert given["timeline"][-1]["data"]["pool"] == "review"
    assert loads(service) == {"noor": 1}
    assert open_assignments(service, pooled["id"]) == ["noor"]
    assert inbound_lead(service, "a")["owner"] == "sam"  # noor now carries one open lead


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"rep": "priya"}, "reason"),
        ({"rep": "priya", "reason": "   "}, "reason"),
        ({"rep": "nobody", "reason": "why not"}, "rep"),
        ({"rep": "priya", "reason": "x", "notify": True}, "notify"),
    ],
)
def test_a_manual_assignment_needs_a_known_rep_and_a_reason(
    service: Service, body: dict[str, object], path: str
) -> None:
    lead = inbound_lead(service, "a")
    response = service.client.post(
        f"/api/v1/leads/{lead['id']}/assign", json=body, headers=service.admin
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["path"] == path
    assert open_assignments(service, lead["id"]) == ["sam"]
