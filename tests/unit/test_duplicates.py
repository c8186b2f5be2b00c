"""Duplicate keys and the choice of the original (routing/duplicates.py), and merge and link
through replay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from leadroute.normalize import normalize_lead
from leadroute.routing.duplicates import Original, choose_original, keys_of
from tests.replaying import event, replay_lines

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def keys(**payload: object) -> tuple[str | None, str | None, str | None]:
    found = keys_of(normalize_lead(payload).fields)
    return found.email, found.phone, found.company


def test_the_same_person_written_differently_has_the_same_keys() -> None:
    assert keys(email=" Ana.Souza@ACME.com ") == keys(email="ana.souza@acme.com")
    assert keys(phone="(415) 555-2671", country="US")[1] == "+14155552671"
    assert keys(phone="+1 415-555-2671")[1] == "+14155552671"
    assert keys(phone="+55 11 98765-4321")[1] == keys(phone="011 98765 4321", country="BR")[1]


def test_a_company_needs_its_domain_and_its_name_without_legal_suffix() -> None:
    acme = keys(email="ana@acme.com", company="Acme Inc.")[2]
    assert acme == "acme.com|acme"
    assert keys(email="bob@acme.com", company="ACME, Inc")[2] == acme
    assert keys(email="bob@acme.com", company="Acme Corporation")[2] == acme
    assert keys(email="bob@acme.com")[2] is None  # no name
    assert keys(email="ana@gmail.com", company="Acme Inc.")[2] is None  # free mail: no domain
    assert keys(email="x@acme.io", company="Acme Inc.")[2] != acme


def original(lead_id: str, minutes: int, status: str, owner: str | None = None) -> Original:
    return Original(
        lead_id=lead_id,
        received_at=T0 + timedelta(minutes=minutes),
        status=status,
        owner=owner,
        pool=None,
        matched="email",
    )


def test_the_original_is_the_latest_open_lead_else_the_latest() -> None:
    older_open = original("A", 0, "routed", "ana")
    newer_won = original("B", 10, "won", "bob")
    newer_open = original("C", 5, "touched", "cy")
    assert choose_original([older_open, newer_won, newer_open]) == newer_open
    assert choose_original([older_open, newer_won]) == older_open
    assert choose_original([newer_won, original("D", 1, "lost")]) == newer_won
    assert choose_original([]) is None


ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr]}
  - {id: bob, teams: [sdr]}
pools:
  inbound: {members: [team:sdr]}
duplicates: {match: [email, phone, company], within: 30d, policy: POLICY}
routing:
  - name: partners
    when: {field: source, eq: partner}
    pool: inbound
  - name: sdr
    assign: {team: sdr, select: round_robin}
"""


def lead(minutes: float, **fields: object) -> str:
    return event(minutes, "lead", **fields)


def test_merge_folds_a_resubmission_into_the_lead_its_owner_works() -> None:
    lines = replay_lines(
        ROUTING.replace("POLICY", "merge"),
        lead(0, id="L1", email="Ana.Souza@Acme.com", phone="+1 415 555 2671", company="Acme"),
        lead(5, id="L2", email="ana.souza@acme.com "),
        lead(6, id="L3", phone="(415) 555-2671", country="US"),
        lead(7, id="L4", email="cfo@acme.com", company="ACME, Inc"),
        lead(8, id="L5", email="zed@other.com"),
        event(9, "outcome", lead="L1", result="lost"),
        lead(10, id="L6", email="ana.souza@acme.com"),  # the original is closed: a new lead
        lead(60 * 24 * 31, id="L7", email="zed@other.com"),  # past the 30-day window
    )
    merged = [
        (line["lead"], line["merged_into"], line["matched"])
        for line in lines
        if "merged_into" in line
    ]
    assert merged == [("L2", "L1", "email"), ("L3", "L1", "phone"), ("L4", "L1", "company")]
    routed = {line["lead"]: line["rep"] for line in lines if "trace" in line}
    assert routed == {"L1": "ana", "L5": "bob", "L6": "ana", "L7": "bob"}


def test_link_sends_a_duplicate_to_the_original_owner_or_pool() -> None:
    lines = replay_lines(
        ROUTING.replace("POLICY", "link"),
        lead(0, id="L1", email="ana@acme.com"),
        lead(1, id="L2", email="bob@beta.com"),
        lead(2, id="L3", email="ANA@acme.com"),  # ana owns L1; round robin would say bob
        lead(3, id="P1", email="p@partner.com", source="partner"),
        lead(4, id="P2", email="p@partner.com"),  # the original waits in a pool: so does it
    )
    decided = {
        line["lead"]: (line["rep"], line["pool"], line["rule"], line.get("duplicate_of"))
        for line in lines
        if "trace" in line
    }
    assert decided["L3"] == ("ana", None, "duplicate", "L1")
    assert decided["P2"] == (None, "inbound", "duplicate", "P1")
    assert decided["L2"] == ("bob", None, "sdr", None)
    reason = next(line["reason"] for line in lines if line.get("lead") == "L3")
    assert reason == "duplicate: same email as lead L1, which ana owns: to ana"
