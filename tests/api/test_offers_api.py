"""Offers through HTTP (docs/POOLS.md): the chosen rep accepts or declines; declined and
expired offers go to the next rep of the rule (never back), then where on_empty says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.calls import (
    accept,
    assign,
    assignments,
    decline,
    event,
    fire,
    lead,
    ok,
    open_assignments,
    post,
    refused,
    reps,
    serve_routing,
    timer_outcomes,
    types,
)
from tests.api.conftest import T0, Service

ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr]}
  - {id: bob, teams: [sdr]}
  - {id: cy, teams: [sdr]}
  - {id: dan, teams: [sdr]}
  - {id: capped, teams: [hunt], caps: {day: 1}}
  - {id: spare, teams: [hunt]}
  - {id: zed, teams: [backup]}
pools:
  inbound: {members: [team:sdr]}
routing:
  - name: demo
    when: {field: kind, eq: demo}
    assign: {team: sdr, select: round_robin, offer: {timeout: 2m, max_offers: 3}}
    on_empty: {pool: inbound}
  - name: pair
    when: {field: kind, eq: pair}
    assign: {reps: [ana, bob], select: round_robin, offer: {timeout: 2m, max_offers: 3}}
    on_empty: {pool: inbound}
  - name: chain
    when: {field: kind, eq: chain}
    assign: {reps: [ana, bob, cy], select: round_robin, offer: {timeout: 2m, max_offers: 2}}
  - name: hunt
    when: {field: kind, eq: hunt}
    assign: {team: hunt, select: hunt, offer: {timeout: 2m, max_offers: 2}}
  - name: backup
    when: {field: kind, in: [chain, hunt]}
    assign: {team: backup, select: hunt}
fallback: {pool: unassigned}
"""


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[Service]:
    yield from serve_routing(database_url, tmp_path, ROUTING)


def offered(service: Service, kind: str, name: str) -> str:
    posted = post(service, email=f"{name}@acme.com", kind=kind)
    assert posted["status"] == "offered", posted
    return str(posted["id"])


def test_an_offer_holds_the_lead_for_the_chosen_rep_until_accepted(service: Service) -> None:
    posted = post(service, email="a@acme.com", kind="demo")
    assert (posted["status"], posted["owner"], posted["pool"]) == ("offered", "ana", None)
    assert posted["decision"]["rule"] == "demo"
    detail = lead(service, posted["id"])
    assert detail["offered"] == ["ana"]
    assert types(detail) == ["lead.received", "lead.offered"]
    made = detail["timeline"][-1]
    assert made["rep"] == "ana"
    expires = T0.replace(minute=2).isoformat()
    assert made["data"] == {"rule": "demo", "version": 1, "number": 1, "of": 3, "expires": expires}
    roster = reps(service)
    assert (roster["ana"]["open"], roster["ana"]["assigned_today"]) == (1, 1)
    assert open_assignments(service, posted["id"]) == ["ana"]
    ana = service.key("rep", "ana")
    assert ok(service.client.get(f"/api/v1/leads/{posted['id']}", headers=ana))["owner"] == "ana"
    service.clock.advance(minutes=1)
    taken = ok(accept(service, posted["id"], ana))
    assert (taken["status"], taken["owner"], taken["offered"]) == ("routed", "ana", [])
    assert types(taken)[-1] == "lead.accepted"
    accepted = taken["timeline"][-1]
    assert (accepted["rep"], accepted["reason"]) == ("ana", "offer accepted")
    assert accepted["actor"].endswith("(ana)")
    assert ok(event(service, posted["id"], "touched", ana))["status"] == "touched"
    again = accept(service, posted["id"], ana)
    assert refused(again, 409) == (
        f"cannot accept: lead {posted['id']} is not offered to anyone (it is touched)"
    )


def test_a_rep_cannot_work_an_offered_lead_before_accepting(service: Service) -> None:
    lead_id = offered(service, "demo", "a")
    ana = service.key("rep", "ana")
    for kind in ("touched", "qualified", "won", "released"):
        refusal = refused(event(service, lead_id, kind, ana), 409)
        assert refusal == f"lead {lead_id} is offered to you: accept it first", kind
    admin = refused(event(service, lead_id, "touched"), 409)
    assert (
        admin == f"cannot touch lead {lead_id}: it is offered to ana, who has not accepted it yet"
    )
    detail = lead(service, lead_id)
    assert (detail["status"], detail["owner"], detail["touched_at"]) == ("offered", "ana", None)


def test_a_declined_offer_goes_to_the_next_rep(service: Service) -> None:
    lead_id = offered(service, "demo", "a")
    service.clock.advance(minutes=1)
    moved = ok(decline(service, lead_id, service.key("rep", "ana"), reason="on holiday"))
    assert (moved["status"], moved["owner"], moved["offered"]) == ("offered", "bob", ["ana", "bob"])
    assert types(moved)[-2:] == ["lead.declined", "lead.offered"]
    declined, made = moved["timeline"][-2:]
    assert (declined["rep"], declined["reason"]) == ("ana", "on holiday")
    assert (made["rep"], made["data"]["number"], made["data"]["of"]) == ("bob", 2, 3)
    assert made["data"]["expires"] == service.clock.now.replace(minute=3).isoformat()
    assert assignments(service, lead_id) == [
        ("ana", False, "declined: on holiday"),
        ("bob", True, None),
    ]
    roster = reps(service)
    assert (roster["ana"]["open"], roster["ana"]["assigned_today"]) == (0, 0)
    assert (roster["bob"]["open"], roster["bob"]["assigned_today"]) == (1, 1)


def test_a_lead_is_never_offered_again_to_a_rep_who_declined(service: Service) -> None:
    lead_id = offered(service, "pair", "a")
    assert lead(service, lead_id)["owner"] == "ana"
    assert ok(decline(service, lead_id, service.key("rep", "ana")))["owner"] == "bob"
    # ana is eligible and next in the rotation, but she declined it: on_empty's pool instead.
    last = ok(decline(service, lead_id, service.key("rep", "bob")))
    assert (last["status"], last["owner"], last["pool"]) == ("routed", None, "inbound")
    assert last["offered"] == []
    assert types(last)[-2:] == ["lead.declined", "lead.pooled"]
    candidates = last["decision"]["trace"][-1]["candidates"]
    assert {"rep": "ana", "skipped": "had this lead before"} in candidates
    assert {"rep": "bob", "skipped": "had this lead before"} in candidates
    assert open_assignments(service, lead_id) == []
    other = offered(service, "pair", "b")  # a new lead: ana again, her turn came back
    assert lead(service, other)["owner"] == "ana"


def test_after_max_offers_the_lead_goes_to_the_on_empty_pool(service: Service) -> None:
    lead_id = offered(service, "demo", "a")
    for rep in ("ana", "bob"):
        ok(decline(service, lead_id, service.key("rep", rep)))
    assert lead(service, lead_id)["owner"] == "cy"
    last = ok(decline(service, lead_id, service.key("rep", "cy")))
    assert (last["owner"], last["pool"], last["status"]) == (None, "inbound", "routed")
    assert last["decision"]["trace"][-1]["why"] == (
        "offered to ana, bob, cy: max_offers 3 reached; sent to pool inbound"
    )
    assert reps(service)["dan"]["open"] == 0  # dan was eligible, but three reps were asked
    assert [entry[0] for entry in assignments(service, lead_id)] == ["ana", "bob", "cy"]


def test_after_max_offers_on_empty_next_tries_the_following_rules(service: Service) -> None:
    lead_id = offered(service, "chain", "a")
    ok(decline(service, lead_id, service.key("rep", "ana")))
    service.clock.advance(minutes=2)
    assert fire(service) == 2  # ana's stale timer, bob's expiry
    given = lead(service, lead_id)
    assert (given["owner"], given["status"], given["rule"]) == ("zed", "routed", "backup")
    assert types(given)[-4:] == ["lead.declined", "lead.offered", "lead.expired", "lead.assigned"]
    assert given["decision"]["trace"][0]["why"] == (
        "offered to ana, bob: max_offers 2 reached; next rule"
    )
    assert given["offered"] == []
    assert reps(service)["cy"]["open"] == 0


def test_an_expired_offer_goes_to_the_next_rep_and_gives_back_the_cap(service: Service) -> None:
    first = offered(service, "hunt", "a")
    assert lead(service, first)["owner"] == "capped"
    roster = reps(service)
    assert (roster["capped"]["open"], roster["capped"]["assigned_today"]) == (1, 1)
    service.clock.advance(minutes=1, seconds=59)
    assert fire(service) == 0
    service.clock.advance(seconds=1)
    assert fire(service) == 1
    moved = lead(service, first)
    assert (moved["owner"], moved["status"], moved["offered"]) == (
        "spare",
        "offered",
        ["capped", "spare"],
    )
    expired = moved["timeline"][-2]
    assert (expired["type"], expired["rep"], expired["actor"]) == (
        "lead.expired",
        "capped",
        "worker",
    )
    assert expired["reason"] == "not accepted within 2m"
    roster = reps(service)
    assert (roster["capped"]["open"], roster["capped"]["assigned_today"]) == (0, 0)
    assert (roster["spare"]["open"], roster["spare"]["assigned_today"]) == (1, 1)
    assert timer_outcomes(service, first) == [("offer", "expired"), ("offer", None)]
    second = post(service, email="b@acme.com", kind="hunt")  # capped has room again
    assert (second["owner"], second["status"]) == ("capped", "offered")
    third = post(service, email="c@acme.com", kind="hunt")
    assert third["owner"] == "spare"
    capped = next(c for c in third["decision"]["trace"][3]["candidates"] if c["rep"] == "capped")
    assert capped["skipped"] == "cap day 1/1"


def test_a_timer_of_an_accepted_offer_does_nothing(service: Service) -> None:
    lead_id = offered(service, "demo", "a")
    ok(accept(service, lead_id, service.key("rep", "ana")))
    service.clock.advance(minutes=5)
    assert fire(service) == 1
    kept = lead(service, lead_id)
    assert (kept["owner"], kept["status"]) == ("ana", "routed")
    assert types(kept) == ["lead.received", "lead.offered", "lead.accepted"]
    assert timer_outcomes(service, lead_id) == [("offer", "stale")]
    assert fire(service) == 0
    assert reps(service)["ana"]["assigned_today"] == 1


def test_only_the_offered_rep_may_accept_or_decline(service: Service) -> None:
    lead_id = offered(service, "demo", "a")
    bob = service.key("rep", "bob")
    assert refused(accept(service, lead_id, bob), 404) == f"no lead {lead_id}"
    assert refused(decline(service, lead_id, bob), 404) == f"no lead {lead_id}"
    for role in ("auditor", "intake"):
        assert accept(service, lead_id, service.key(role)).status_code == 403
    detail = lead(service, lead_id)
    assert (detail["status"], detail["owner"]) == ("offered", "ana")
    assert types(detail) == ["lead.received", "lead.offered"]
    by_manager = ok(accept(service, lead_id, service.key("manager")))
    assert (by_manager["status"], by_manager["owner"]) == ("routed", "ana")


def test_a_manager_reassigns_an_offered_lead(service: Service) -> None:
    lead_id = offered(service, "demo", "a")
    manager = service.key("manager")
    moved = ok(assign(service, lead_id, manager, rep="dan", reason="speaks the language"))
    assert (moved["owner"], moved["status"], moved["offered"]) == ("dan", "routed", [])
    entry = moved["timeline"][-1]
    assert (entry["type"], entry["reason"]) == ("lead.reassigned", "speaks the language")
    assert entry["data"] == {"from": "ana", "to": "dan", "pool": None, "manual": True}
    assert assignments(service, lead_id) == [
        ("ana", False, "reassigned by hand: speaks the language"),
        ("dan", True, None),
    ]
    roster = reps(service)
    assert (roster["ana"]["open"], roster["ana"]["assigned_today"]) == (0, 0)
    assert (roster["dan"]["open"], roster["dan"]["assigned_today"]) == (1, 1)
    service.clock.advance(minutes=2)
    assert fire(service) == 1
    assert timer_outcomes(service, lead_id) == [("offer", "stale")]
    assert lead(service, lead_id)["owner"] == "dan"
    refusal = refused(accept(service, lead_id, service.key("rep", "ana")), 404)
    assert refusal == f"no lead {lead_id}"


def test_a_new_offer_to_the_same_rep_gets_its_full_timeout(service: Service) -> None:
    """ana's first offer is reassigned by hand to bob, who releases it at minute 1: the rule
    offers it to ana again (offer 1 of a fresh list). The first offer's timer, due at minute 2,
    must not expire the new offer, which runs until minute 3."""
    lead_id = offered(service, "pair", "a")
    ok(assign(service, lead_id, service.key("manager"), rep="bob", reason="bob knows them"))
    service.clock.advance(minutes=1)
    again = ok(event(service, lead_id, "released", service.key("rep", "bob")))
    assert (again["status"], again["owner"], again["offered"]) == ("offered", "ana", ["ana"])
    service.clock.advance(minutes=1)
    fire(service)
    held = lead(service, lead_id)
    assert (held["status"], held["owner"]) == ("offered", "ana"), types(held)
    assert "lead.expired" not in types(held)
    service.clock.advance(minutes=1)
    assert fire(service) == 1
    expired = lead(service, lead_id)["timeline"][-2]
    assert (expired["type"], expired["rep"], expired["at"]) == (
        "lead.expired",
        "ana",
        service.clock.now.isoformat(),
    )
    assert timer_outcomes(service, lead_id) == [
        ("offer", "stale"),
        ("offer", "expired"),
        ("offer", None),
    ]


RENAMED = ROUTING.replace("name: demo\n", "name: demos\n")


def put_routing(service: Service, text: str) -> None:
    response = service.client.put(
        "/api/v1/routing",
        content=text,
        headers={**service.admin, "Content-Type": "application/yaml"},
    )
    assert response.status_code in (200, 201), response.text


def test_an_offer_whose_rule_was_renamed_can_still_be_declined(service: Service) -> None:
    """The routing file changes while a lead is offered (its rule `demo` is renamed `demos`):
    declining the offer must still move the lead on (to the new routing), not fail."""
    lead_id = offered(service, "demo", "a")
    put_routing(service, RENAMED)
    moved = decline(service, lead_id, service.key("rep", "ana"))
    assert moved.status_code == 200, moved.text
    detail = ok(moved)
    assert detail["owner"] != "ana"
    assert types(detail)[-2] == "lead.declined"


def test_an_offer_whose_rule_was_renamed_still_expires_and_other_timers_fire(
    service: Service,
) -> None:
    """The same change, with the offer timing out: the worker must expire it, and a timer it
    cannot fire must not keep it from firing the ones due after it (another lead's offer from
    a rule that still exists)."""
    stranded = offered(service, "demo", "a")
    service.clock.advance(seconds=30)
    healthy = offered(service, "pair", "b")
    put_routing(service, RENAMED)
    service.clock.advance(minutes=5)
    failure = None
    try:
        fire(service)
    except Exception as error:
        failure = f"{type(error).__name__}: {error}"
    first_outcomes = {
        "stranded": timer_outcomes(service, stranded)[0],
        "healthy": timer_outcomes(service, healthy)[0],
    }
    assert (failure, first_outcomes) == (
        None,
        {"stranded": ("offer", "expired"), "healthy": ("offer", "expired")},
    )


def test_an_offer_cannot_be_accepted_once_its_timeout_has_passed(service: Service) -> None:
    """The rep holds an offered lead until the timeout passes (docs/POOLS.md), whenever the
    worker gets to the timer: replay fires it before the next line, so a late accept finds the
    offer gone. The service must refuse an accept after the timeout too, and the lead moves on
    to the next rep when the worker runs."""
    lead_id = offered(service, "demo", "a")
    service.clock.advance(minutes=5)  # the worker has not run yet
    late = accept(service, lead_id, service.key("rep", "ana"))
    assert late.status_code == 409, late.text
    fire(service)
    moved = lead(service, lead_id)
    assert (moved["owner"], moved["status"]) == ("bob", "offered")
