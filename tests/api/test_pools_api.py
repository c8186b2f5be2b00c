"""Pools through HTTP (docs/POOLS.md): cherry-pick and blind pull, claim order, visibility,
WIP limits and caps, membership, claims on behalf, release, claim_ttl and max_wait timers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from leadroute.storage.tables import CapCounter
from tests.api.calls import (
    claim,
    event,
    fire,
    lead,
    ok,
    open_assignments,
    pool,
    pools,
    post,
    pull,
    refused,
    serve_routing,
    timer_outcomes,
    types,
)
from tests.api.conftest import Service

ORDERS = ("fifo", "lifo", "score", "oldest_first")
ROUTING = "\n".join(
    [
        "timezone: UTC",
        "reps:",
        "  - {id: ana, teams: [sdr]}",
        "  - {id: bob, teams: [sdr]}",
        "  - {id: cy, teams: [sdr], caps: {day: 2}}",
        "  - {id: dee, teams: [ae]}",
        "  - {id: eve, teams: [ae]}",
        "  - {id: solo, teams: [desk]}",
        "pools:",
        *(f"  {order}: {{members: [team:sdr], order: {order}}}" for order in ORDERS),
        "  blind: {members: [team:sdr], visibility: blind}",
        "  lean: {members: [team:sdr], wip_limit: 2}",
        "  ttl: {members: [team:sdr], claim_ttl: 30m}",
        "  escalating:",
        "    members: [team:sdr]",
        "    max_wait: 2h",
        "    escalate: {assign: {team: ae, select: round_robin}}",
        "  reported: {members: [team:sdr], max_wait: 1h}",
        "  aging: {members: [team:sdr], claim_ttl: 30m, max_wait: 1h}",
        "  shotgun: {members: [team:ae, ana]}",
        "scoring:",
        "  rules:",
        "    - {when: {field: tier, eq: gold}, points: 50}",
        "    - {when: {field: tier, eq: silver}, points: 20}",
        "routing:",
        "  - name: desk first",
        "    when: {field: via, eq: desk}",
        "    assign: {team: desk, select: hunt}",
        *(
            line
            for name in (
                *ORDERS,
                *("blind", "lean", "ttl", "escalating", "reported", "aging", "shotgun"),
            )
            for line in (
                f"  - name: to {name}",
                f"    when: {{field: queue, eq: {name}}}",
                f"    pool: {name}",
            )
        ),
        "fallback: {pool: unassigned}",
        "",
    ]
)


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[Service]:
    yield from serve_routing(database_url, tmp_path, ROUTING)


def pooled(service: Service, queue: str, name: str, **fields: Any) -> str:
    """Post a lead that waits in pool `queue`; its id."""
    posted = post(service, email=f"{name}@acme.com", queue=queue, **fields)
    assert (posted["owner"], posted["pool"]) == (None, queue), posted
    return str(posted["id"])


def waiting(service: Service, name: str, headers: dict[str, str] | None = None) -> list[str]:
    return [entry["id"] for entry in ok(pool(service, name, headers))["leads"]]


def test_a_rep_cherry_picks_a_pooled_lead(service: Service) -> None:
    first = pooled(service, "fifo", "a")
    second = pooled(service, "fifo", "b")
    ana = service.key("rep", "ana")
    assert waiting(service, "fifo", ana) == [first, second]
    service.clock.advance(minutes=3)
    taken = ok(claim(service, second, ana))
    assert (taken["owner"], taken["pool"], taken["status"]) == ("ana", None, "routed")
    assert taken["claimed_from"] == "fifo"
    assert types(taken) == ["lead.received", "lead.pooled", "lead.claimed"]
    claimed = taken["timeline"][-1]
    assert (claimed["rep"], claimed["reason"]) == ("ana", "claimed from pool fifo")
    assert claimed["actor"].endswith("(ana)")
    assert claimed["data"] == {"pool": "fifo"}
    assert claimed["at"] == service.clock.now.isoformat()
    assert open_assignments(service, second) == ["ana"]
    assert waiting(service, "fifo", ana) == [first]
    assert ok(service.client.get(f"/api/v1/leads/{second}", headers=ana))["owner"] == "ana"
    assert ok(event(service, second, "touched", ana))["status"] == "touched"


def test_the_second_claimer_is_told_who_has_the_lead(service: Service) -> None:
    lead_id = pooled(service, "fifo", "a")
    ok(claim(service, lead_id, service.key("rep", "ana")))
    late = claim(service, lead_id, service.key("rep", "bob"))
    assert refused(late, 409) == f"lead {lead_id} is not waiting in a pool: claimed by ana"
    assert late.json()["owner"] == "ana"
    assert open_assignments(service, lead_id) == ["ana"]
    manager = claim(service, lead_id, service.key("manager"), rep="bob")
    assert refused(manager, 409) == f"lead {lead_id} is not waiting in a pool: claimed by ana"


def fill_for_order(service: Service, queue: str) -> dict[str, str]:
    """Four leads in `queue` whose arrival, entry and score orders all differ:

    a arrives first (silver, 20) but goes to the desk, which releases it into the pool after b;
    b (gold, 50) arrives second and enters first; c (no tier, 0) and d (gold, 50) come last.
    """
    desk = post(service, email="a@acme.com", queue=queue, via="desk", tier="silver")
    assert desk["owner"] == "solo"
    service.clock.advance(minutes=1)
    ids = {"a": str(desk["id"]), "b": pooled(service, queue, "b", tier="gold")}
    service.clock.advance(minutes=1)
    released = ok(event(service, ids["a"], "released", service.key("rep", "solo")))
    assert (released["owner"], released["pool"]) == (None, queue)
    service.clock.advance(minutes=1)
    ids["c"] = pooled(service, queue, "c")
    service.clock.advance(minutes=1)
    ids["d"] = pooled(service, queue, "d", tier="gold")
    return ids


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("fifo", "bacd"),  # first into the pool first
        ("lifo", "dcab"),  # latest into the pool first
        ("score", "bdac"),  # highest score first, ties: first in
        ("oldest_first", "abcd"),  # earliest received first
    ],
)
def test_a_blind_pull_takes_the_next_lead_in_the_pools_order(
    service: Service, order: str, expected: str
) -> None:
    ids = fill_for_order(service, order)
    in_order = [ids[name] for name in expected]
    assert waiting(service, order) == in_order
    bob = service.key("rep", "bob")
    taken = []
    for _ in expected:
        got = ok(pull(service, order, bob))
        assert (got["owner"], got["claimed_from"]) == ("bob", order)
        taken.append(got["id"])
    assert taken == in_order
    empty = pull(service, order, bob)
    assert (empty.status_code, empty.content) == (204, b"")


def test_an_empty_pool_answers_204(service: Service) -> None:
    ana = service.key("rep", "ana")
    empty = pull(service, "fifo", ana)
    assert (empty.status_code, empty.content) == (204, b"")
    assert pools(service, ana)["fifo"]["waiting"] == 0
    assert refused(pull(service, "nowhere", service.admin, rep="ana"), 404) == (
        "no pool nowhere (pools: aging, blind, escalating, fifo, lean, lifo, oldest_first, "
        "reported, score, shotgun, triage, ttl, unassigned)"
    )


def test_an_unknown_pool_is_not_found_without_naming_pools_a_rep_cannot_see(
    service: Service,
) -> None:
    """A pool the rep is not a member of answers "no pool fifo", as if it did not exist; the
    answer for a pool that does not exist must not list those pools (nor triage) either."""
    dee = service.key("rep", "dee")
    assert refused(pull(service, "fifo", dee), 404).startswith("no pool fifo ")
    unknown = refused(pull(service, "nowhere", dee), 404)
    assert unknown.startswith("no pool nowhere")
    hidden = [name for name in ("fifo", "blind", "lean", "ttl", "triage") if name in unknown]
    assert hidden == [], unknown


def test_a_blind_pool_shows_reps_only_the_count(service: Service) -> None:
    first = pooled(service, "blind", "a")
    second = pooled(service, "blind", "b")
    ana = service.key("rep", "ana")
    seen = ok(pool(service, "blind", ana))
    assert (seen["visibility"], seen["waiting"], seen["leads"]) == ("blind", 2, None)
    assert (seen["can_claim"], seen["refusal"]) == (True, None)
    assert waiting(service, "blind", service.key("manager")) == [first, second]
    assert refused(claim(service, first, ana), 404) == f"no lead {first}"
    assert refused(service.client.get(f"/api/v1/leads/{first}", headers=ana), 404)
    listed = ok(service.client.get("/api/v1/leads", headers=ana))
    assert listed["total"] == 0
    taken = ok(pull(service, "blind", ana))
    assert (taken["id"], taken["owner"]) == (first, "ana")
    assert lead(service, second)["pool"] == "blind"


def test_a_blind_pool_refuses_cherry_picking_on_a_reps_behalf(service: Service) -> None:
    lead_id = pooled(service, "blind", "a")
    picked = claim(service, lead_id, service.key("manager"), rep="ana")
    assert refused(picked, 409) == (
        "ana may not claim from pool blind: pool blind is blind: take the next lead instead "
        "of choosing one"
    )
    assert lead(service, lead_id)["pool"] == "blind"


def test_the_wip_limit_stops_claims_until_a_lead_is_closed(service: Service) -> None:
    ids = [pooled(service, "lean", name) for name in "abcd"]
    ana = service.key("rep", "ana")
    assert ok(pull(service, "lean", ana))["id"] == ids[0]
    assert ok(claim(service, ids[2], ana))["owner"] == "ana"
    full = pull(service, "lean", ana)
    assert refused(full, 409) == "ana may not claim from pool lean: wip limit 2/2"
    assert full.json()["rep"] == "ana"
    picked = claim(service, ids[1], ana)
    assert refused(picked, 409) == "ana may not claim from pool lean: wip limit 2/2"
    view = ok(pool(service, "lean", ana))
    assert (view["can_claim"], view["refusal"]) == (False, "wip limit 2/2")
    assert waiting(service, "lean") == [ids[1], ids[3]]
    ok(event(service, ids[0], "lost", ana))
    assert ok(pull(service, "lean", ana))["id"] == ids[1]
    assert ok(pool(service, "lean", ana))["refusal"] == "wip limit 2/2"


def test_claims_count_toward_the_day_cap(service: Service) -> None:
    ids = [pooled(service, "fifo", name) for name in "abc"]
    cy = service.key("rep", "cy")
    assert ok(pull(service, "fifo", cy))["id"] == ids[0]
    assert ok(claim(service, ids[2], cy))["id"] == ids[2]
    ok(event(service, ids[0], "won", cy, amount=10))  # closing does not give a claim back
    capped = pull(service, "fifo", cy)
    assert refused(capped, 409) == "cy may not claim from pool fifo: cap day 2/2"
    assert refused(claim(service, ids[1], cy), 409).endswith("cap day 2/2")
    with service.runtime.database.reading() as session:
        day = session.get(CapCounter, ("cy", "day"))
        assert day is not None
        assert day.count == 2
    service.clock.advance(days=1)
    assert ok(pull(service, "fifo", cy))["id"] == ids[1]


def test_a_rep_outside_a_pool_neither_sees_it_nor_claims_from_it(service: Service) -> None:
    lead_id = pooled(service, "fifo", "a")
    dee = service.key("rep", "dee")
    assert sorted(pools(service, dee)) == ["shotgun", "unassigned"]
    assert refused(pool(service, "fifo", dee), 404).startswith("no pool fifo ")
    assert refused(pull(service, "fifo", dee), 404).startswith("no pool fifo ")
    assert refused(claim(service, lead_id, dee), 404) == f"no lead {lead_id}"
    assert lead(service, lead_id)["pool"] == "fifo"
    assert open_assignments(service, lead_id) == []


def test_a_manager_claims_on_a_reps_behalf(service: Service) -> None:
    first = pooled(service, "fifo", "a")
    second = pooled(service, "fifo", "b")
    manager = service.key("manager")
    picked = ok(claim(service, second, manager, rep="bob"))
    assert (picked["owner"], picked["claimed_from"]) == ("bob", "fifo")
    entry = picked["timeline"][-1]
    assert (entry["type"], entry["rep"]) == ("lead.claimed", "bob")
    assert entry["actor"].startswith("manager key")
    pulled = ok(pull(service, "fifo", service.admin, rep="ana"))
    assert (pulled["id"], pulled["owner"]) == (first, "ana")
    nobody = pull(service, "fifo", manager)
    assert refused(nobody, 409) == 'say which rep claims: {"rep": "<rep id>"}'
    outsider = pooled(service, "fifo", "c")
    refusal = refused(claim(service, outsider, manager, rep="dee"), 409)
    assert refusal == "dee may not claim from pool fifo: dee is not a member of pool fifo"
    assert refused(claim(service, outsider, manager, rep="zed"), 404) == (
        "no rep zed in the routing in force"
    )
    for role in ("auditor", "intake"):
        assert claim(service, outsider, service.key(role), rep="ana").status_code == 403


def test_a_rep_key_cannot_claim_for_another_rep(service: Service) -> None:
    lead_id = pooled(service, "fifo", "a")
    ana = service.key("rep", "ana")
    picked = claim(service, lead_id, ana, rep="bob")
    assert refused(picked, 403) == "a rep key claims only for its own rep"
    assert refused(pull(service, "fifo", ana, rep="bob"), 403) == (
        "a rep key claims only for its own rep"
    )
    assert ok(claim(service, lead_id, ana, rep="ana"))["owner"] == "ana"


def test_a_released_claim_goes_back_to_its_place_in_the_pool(service: Service) -> None:
    ids = [pooled(service, "fifo", name) for name in "abc"]
    ana = service.key("rep", "ana")
    assert ok(pull(service, "fifo", ana))["id"] == ids[0]
    service.clock.advance(minutes=10)
    ok(event(service, ids[0], "touched", ana))
    service.clock.advance(minutes=10)
    back = ok(event(service, ids[0], "released", ana, reason="not my language"))
    assert (back["owner"], back["pool"], back["status"]) == (None, "fifo", "routed")
    assert types(back)[-2:] == ["lead.touched", "lead.released"]
    released = back["timeline"][-1]
    assert (released["rep"], released["reason"]) == ("ana", "not my language")
    assert released["data"] == {"from": "touched", "owner": "ana", "to_pool": "fifo"}
    assert waiting(service, "fifo") == ids
    assert open_assignments(service, ids[0]) == []
    again = ok(pull(service, "fifo", service.key("rep", "bob")))
    assert (again["id"], again["owner"]) == (ids[0], "bob")


def test_an_untouched_claim_returns_to_its_pool_after_claim_ttl(service: Service) -> None:
    ids = [pooled(service, "ttl", name) for name in "abc"]
    ana = service.key("rep", "ana")
    assert ok(claim(service, ids[0], ana))["owner"] == "ana"
    assert ok(claim(service, ids[1], ana))["owner"] == "ana"
    service.clock.advance(minutes=10)
    ok(event(service, ids[1], "touched", ana))
    service.clock.advance(minutes=19)
    assert fire(service) == 0  # 29 minutes after the claims: nothing is due yet
    service.clock.advance(minutes=1)
    assert fire(service) == 2
    returned = lead(service, ids[0])
    assert (returned["owner"], returned["pool"], returned["status"]) == (None, "ttl", "routed")
    assert types(returned)[-1] == "lead.returned"
    entry = returned["timeline"][-1]
    assert entry["reason"] == "untouched 30m after the claim (claim_ttl 30m): back to pool ttl"
    assert (entry["rep"], entry["actor"], entry["data"]) == ("ana", "worker", {"pool": "ttl"})
    assert entry["at"] == service.clock.now.isoformat()
    assert open_assignments(service, ids[0]) == []
    kept = lead(service, ids[1])
    assert (kept["owner"], kept["status"], kept["pool"]) == ("ana", "touched", None)
    assert "lead.returned" not in types(kept)
    assert timer_outcomes(service, ids[0]) == [("claim", "returned")]
    assert timer_outcomes(service, ids[1]) == [("claim", "stale")]
    assert waiting(service, "ttl") == [ids[0], ids[2]]  # back at its old place
    assert ok(pull(service, "ttl", service.key("rep", "bob")))["id"] == ids[0]


def set_away(service: Service, *rep_ids: str, status: str = "away") -> None:
    for rep_id in rep_ids:
        ok(
            service.client.put(
                f"/api/v1/reps/{rep_id}/availability",
                json={"status": status},
                headers=service.admin,
            )
        )


def test_an_overdue_lead_is_pushed_by_the_escalation_rule(service: Service) -> None:
    lead_id = pooled(service, "escalating", "a")
    service.clock.advance(minutes=119)
    assert fire(service) == 0
    service.clock.advance(minutes=1)
    assert fire(service) == 1
    pushed = lead(service, lead_id)
    assert (pushed["owner"], pushed["pool"], pushed["status"]) == ("dee", None, "routed")
    assert types(pushed) == ["lead.received", "lead.pooled", "lead.escalated", "lead.assigned"]
    escalated, assigned = pushed["timeline"][-2:]
    assert escalated["reason"] == "waited 2h in pool escalating (max_wait 2h)"
    assert (escalated["actor"], escalated["data"]) == ("worker", {"pool": "escalating"})
    assert (assigned["rep"], assigned["actor"]) == ("dee", "worker")
    assert assigned["data"]["escalated_from"] == "escalating"
    assert pushed["rule"] == "pool escalating escalation"
    assert open_assignments(service, lead_id) == ["dee"]
    other = pooled(service, "escalating", "b")
    service.clock.advance(hours=2)
    fire(service)
    assert lead(service, other)["owner"] == "eve"  # the escalation rule's round robin


def test_an_overdue_lead_nobody_may_take_stays_and_is_tried_again(service: Service) -> None:
    lead_id = pooled(service, "escalating", "a")
    set_away(service, "dee", "eve")
    service.clock.advance(hours=2)
    assert fire(service) == 1
    kept = lead(service, lead_id)
    assert (kept["owner"], kept["pool"]) == (None, "escalating")
    assert types(kept)[-1] == "lead.overdue"
    overdue = kept["timeline"][-1]
    assert overdue["reason"] == (
        "waited 2h in pool escalating (max_wait 2h): pool escalating escalation: to pool "
        "escalating (stays: nobody eligible to push it to); tried again in 2h"
    )
    assert overdue["data"] == {"pool": "escalating"}
    set_away(service, "eve", status="available")
    service.clock.advance(minutes=119)
    assert fire(service) == 0
    assert lead(service, lead_id)["pool"] == "escalating"
    service.clock.advance(minutes=1)
    assert fire(service) == 1
    pushed = lead(service, lead_id)
    assert (pushed["owner"], pushed["pool"]) == ("eve", None)
    assert types(pushed)[-3:] == ["lead.overdue", "lead.escalated", "lead.assigned"]
    assert pushed["timeline"][-2]["reason"] == "waited 4h in pool escalating (max_wait 2h)"
    assert timer_outcomes(service, lead_id) == [("wait", "kept"), ("wait", "escalated")]


def test_a_report_only_pool_reports_an_overdue_lead_once(service: Service) -> None:
    first = pooled(service, "reported", "a")
    service.clock.advance(minutes=30)
    second = pooled(service, "reported", "b")
    service.clock.advance(minutes=30)
    assert fire(service) == 1
    listed = pools(service)["reported"]
    assert (listed["waiting"], listed["overdue"], listed["escalate"]) == (2, 1, "report")
    assert listed["max_wait"] == "1h"
    reported = lead(service, first)
    assert types(reported) == ["lead.received", "lead.pooled", "lead.overdue"]
    entry = reported["timeline"][-1]
    assert entry["reason"] == "waited 1h in pool reported (max_wait 1h): reported to managers"
    assert (entry["actor"], entry["data"]) == ("worker", {"pool": "reported"})
    assert types(lead(service, second)) == ["lead.received", "lead.pooled"]
    service.clock.advance(hours=5)
    assert fire(service) == 1  # the second lead's timer; the first is not reported again
    assert types(lead(service, first)).count("lead.overdue") == 1
    assert types(lead(service, second)).count("lead.overdue") == 1
    assert fire(service) == 0
    listed = pools(service)["reported"]
    assert (listed["waiting"], listed["overdue"]) == (2, 2)
    assert listed["oldest_pooled_at"] == reported["pooled_at"]
    ok(claim(service, first, service.key("rep", "ana")))
    assert pools(service)["reported"]["overdue"] == 1


def test_a_team_pool_is_seen_and_claimed_by_its_members_only(service: Service) -> None:
    first = pooled(service, "shotgun", "a")
    second = pooled(service, "shotgun", "b")
    bob, dee, ana = (service.key("rep", rep) for rep in ("bob", "dee", "ana"))
    assert "shotgun" not in pools(service, bob)
    assert "shotgun" in pools(service, dee)
    assert "shotgun" in pools(service, ana)  # listed by name
    assert refused(pool(service, "shotgun", bob), 404).startswith("no pool shotgun ")
    assert refused(pull(service, "shotgun", bob), 404).startswith("no pool shotgun ")
    assert refused(claim(service, first, bob), 404) == f"no lead {first}"
    assert ok(service.client.get("/api/v1/leads", headers=bob))["total"] == 0
    assert waiting(service, "shotgun", dee) == [first, second]
    assert ok(claim(service, second, dee))["owner"] == "dee"
    assert ok(pull(service, "shotgun", ana))["id"] == first
    assert refused(claim(service, second, bob), 404) == f"no lead {second}"
    with service.runtime.database.reading() as session:
        counted = session.scalars(select(CapCounter).where(CapCounter.window == "day")).all()
    assert {row.rep_id: row.count for row in counted} == {"dee": 1, "ana": 1}


def test_a_lead_claimed_again_gets_a_full_claim_ttl(service: Service) -> None:
    """The timer of an earlier claim must not return the lead claimed again since: ana claims,
    releases it after 5 minutes and claims it again at minute 20; at minute 30 (the first
    claim's ttl) the second claim is only 10 minutes old and must stay hers."""
    lead_id = pooled(service, "ttl", "a")
    ana = service.key("rep", "ana")
    ok(claim(service, lead_id, ana))
    service.clock.advance(minutes=5)
    assert ok(event(service, lead_id, "released", ana))["pool"] == "ttl"
    service.clock.advance(minutes=15)
    ok(claim(service, lead_id, ana))
    service.clock.advance(minutes=10)
    fire(service)
    kept = lead(service, lead_id)
    assert (kept["owner"], kept["pool"]) == ("ana", None), types(kept)
    assert "lead.returned" not in types(kept)
    service.clock.advance(minutes=20)  # 30 minutes after the second claim
    assert fire(service) == 1
    returned = lead(service, lead_id)
    assert (returned["owner"], returned["pool"]) == (None, "ttl")
    assert types(returned).count("lead.returned") == 1


def test_a_released_lead_is_still_reported_when_its_max_wait_is_up(service: Service) -> None:
    """Claimed and released before its max_wait, a lead keeps its waiting time: it is overdue
    one hour after it first entered the pool, once."""
    lead_id = pooled(service, "reported", "a")
    ana = service.key("rep", "ana")
    service.clock.advance(minutes=20)
    ok(claim(service, lead_id, ana))
    service.clock.advance(minutes=10)
    ok(event(service, lead_id, "released", ana))
    service.clock.advance(minutes=29)
    fire(service)
    assert "lead.overdue" not in types(lead(service, lead_id))
    service.clock.advance(minutes=1)
    fire(service)
    reported = lead(service, lead_id)
    assert types(reported)[-1] == "lead.overdue"
    assert reported["timeline"][-1]["reason"] == (
        "waited 1h in pool reported (max_wait 1h): reported to managers"
    )
    service.clock.advance(hours=6)
    fire(service)
    assert types(lead(service, lead_id)).count("lead.overdue") == 1


def test_a_lead_returned_by_claim_ttl_is_still_reported_at_its_max_wait(
    service: Service,
) -> None:
    lead_id = pooled(service, "aging", "a")
    service.clock.advance(minutes=10)
    ok(claim(service, lead_id, service.key("rep", "ana")))
    service.clock.advance(minutes=30)
    assert fire(service) == 1
    assert types(lead(service, lead_id))[-1] == "lead.returned"
    service.clock.advance(minutes=19)
    assert fire(service) == 0
    service.clock.advance(minutes=1)
    assert fire(service) == 2  # the first wait timer, stale since the claim, and its successor
    assert timer_outcomes(service, lead_id) == [
        ("wait", "stale"),
        ("claim", "returned"),
        ("wait", "reported"),
    ]
    reported = lead(service, lead_id)
    assert types(reported)[-2:] == ["lead.returned", "lead.overdue"]
    assert reported["timeline"][-1]["reason"] == (
        "waited 1h in pool aging (max_wait 1h): reported to managers"
    )
    assert pools(service)["aging"]["overdue"] == 1
