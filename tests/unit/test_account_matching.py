"""Lead-to-account matching: the pure book (domains, names, tie-breaks, threshold, free-mail)
and `owner_of: account` in the engine over a MemoryStore."""

from __future__ import annotations

import pytest

from leadroute.domain.reps import Availability, Status
from leadroute.routing.account_book import Account, AccountBook, domain_and_parents
from leadroute.routing.accounts import clean_domain, company_domain, company_name_key
from leadroute.routing.engine import Router
from leadroute.storage.memory import MemoryStore
from tests.factories import make_config, make_lead, make_reps, make_rule, route_one

ACME = Account(id="a1", name="Acme Inc.", domains=("acme.com",), owner="ana")
MULLER = Account(id="m1", name="Müller GmbH", owner="bob")
NESTLE = Account(id="n1", name="Nestlé S.A.", domains=("nestle.com",), owner="cho")
ROBOTICS = Account(id="r1", name="Acme Robotics LLC", domains=("acme-robotics.com",))


def book(*accounts: Account, threshold: float = 90) -> AccountBook:
    return AccountBook(accounts or (ACME, MULLER, NESTLE, ROBOTICS), threshold=threshold)


def matched(fields: dict[str, object], *accounts: Account) -> tuple[str, str, float] | None:
    found = book(*accounts).match(fields)
    return None if found is None else (found.account.id, found.how, found.score)


@pytest.mark.parametrize(
    ("company", "account"),
    [
        ("ACME, Inc", "a1"),
        ("Acme Inc.", "a1"),
        ("acme", "a1"),
        ("Acme Corporation", "a1"),
        ("Muller", "m1"),
        ("MÜLLER GMBH & CO. KG", "m1"),
        ("Nestle SA", "n1"),
        ("Nestlé, S. A.", "n1"),
        ("NESTLE S.A. de C.V.", "n1"),
        ("Robotics Acme", "r1"),  # word order is ignored
    ],
)
def test_legal_suffixes_case_accents_and_punctuation_do_not_matter(
    company: str, account: str
) -> None:
    assert matched({"company": company}) == (account, "name", 100.0)


def test_near_names_match_by_score_and_say_it() -> None:
    found = book().match({"company": "Acme Robotic"})
    assert found is not None
    assert (found.account.id, found.score) == ("r1", 96.0)
    assert found.describe() == "name match 96"
    mueller = book().match({"company": "Mueller AG"})  # ü written ue
    assert mueller is not None
    assert mueller.account.id == "m1"
    assert 90 <= mueller.score < 100


@pytest.mark.parametrize("company", ["Acme Widgets", "Acne", "Acme Robotics Europe", "Inc"])
def test_other_companies_stay_apart(company: str) -> None:
    assert matched({"company": company}) is None


def test_the_threshold_decides_near_names() -> None:
    near = {"company": "Acme Robotic"}
    assert book(ROBOTICS, threshold=97).match(near) is None
    assert book(ROBOTICS, threshold=96).match(near) is not None
    assert book(ROBOTICS, threshold=50).match({"company": "Acme Widgets Robotics"}) is not None
    with pytest.raises(ValueError, match="threshold"):
        AccountBook((), threshold=0)


def test_domains_match_exactly_through_email_domain_field_and_web_addresses() -> None:
    assert matched({"email": "jane@ACME.com"}) == ("a1", "domain", 100.0)
    assert matched({"domain": "https://www.acme.com/about"}) == ("a1", "domain", 100.0)
    assert matched({"domain": "www.acme.com", "email": "x@other.io"}) == ("a1", "domain", 100.0)


def test_subdomains_belong_to_the_nearest_listed_parent() -> None:
    found = book().match({"email": "ops@mail.acme.com"})
    assert found is not None
    assert (found.account.id, found.matched, found.describe()) == (
        "a1",
        "acme.com",
        "domain mail.acme.com under acme.com",
    )
    eu = Account(id="z9", name="Acme Europe", domains=("eu.acme.com",))
    assert matched({"email": "x@sales.eu.acme.com"}, ACME, eu) == ("z9", "domain", 100.0)
    # A parent never matches a child: an account on shop.acme.com is not acme.com.
    shop = Account(id="s1", name="Acme Shop", domains=("shop.acme.com",))
    assert matched({"email": "x@acme.com"}, shop) is None
    assert domain_and_parents("eu.mail.acme.com") == (
        "eu.mail.acme.com",
        "mail.acme.com",
        "acme.com",
    )


def test_free_mail_domains_never_match_but_the_company_name_still_may() -> None:
    gmail = Account(id="g1", name="Gmail Fans", domains=("gmail.com", "fans.org"))
    assert matched({"email": "jane@gmail.com"}, gmail) is None
    assert matched({"email": "jane@gmail.com"}) is None
    assert matched({"email": "jane@gmail.com", "company": "Acme, Inc."}) == ("a1", "name", 100.0)
    assert company_domain({"email": "x@GMAIL.com"}) is None


def test_an_exact_domain_match_beats_a_name_match() -> None:
    # The lead writes the name of one account but mails from the domain of another.
    found = book().match({"email": "x@acme-robotics.com", "company": "Acme Inc"})
    assert found is not None
    assert (found.account.id, found.how) == ("r1", "domain")


def test_a_parent_domain_beats_a_name_match() -> None:
    found = book().match({"email": "x@eu.acme-robotics.com", "company": "Nestle"})
    assert found is not None
    assert (found.account.id, found.how) == ("r1", "domain")


def test_ties_go_to_the_account_with_an_owner_then_the_lowest_id() -> None:
    b2 = Account(id="b2", name="Globex Ltd", domains=("globex.com",))
    b3 = Account(id="b3", name="Globex", domains=("globex.com",), owner="ana")
    b1 = Account(id="b1", name="GLOBEX, Inc.", domains=("globex.com",))
    assert matched({"company": "Globex"}, b2, b3, b1) == ("b3", "name", 100.0)
    assert matched({"email": "x@globex.com"}, b2, b3, b1) == ("b3", "domain", 100.0)
    assert matched({"company": "Globex"}, b2, b1) == ("b1", "name", 100.0)
    # Equal fuzzy scores: the owner wins, then the lowest id.
    left = Account(id="x2", name="Initech Systems")
    right = Account(id="x1", name="Initech Systemz")
    assert matched({"company": "Initech Systemx"}, left, right) == ("x1", "name", 93.3)
    owned = Account(id="x3", name="Initech Systemq", owner="bob")
    assert matched({"company": "Initech Systemx"}, left, right, owned) == ("x3", "name", 93.3)


def test_a_higher_name_score_beats_an_owner() -> None:
    close = Account(id="c2", name="Acme Robotics")
    far = Account(id="c1", name="Acme Robotix", owner="ana")
    assert matched({"company": "Acme Robotics Inc"}, far, close) == ("c2", "name", 100.0)


@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("acme.com", "acme.com"),
        ("WWW.Acme.com.", "acme.com"),
        ("https://acme.com:8443/x?y", "acme.com"),
        ("jane@acme.com", "acme.com"),
        ("acme", None),
        ("acme .com", None),
        (42, None),
    ],
)
def test_clean_domain(text: object, domain: str | None) -> None:
    assert clean_domain(text) == domain


def test_name_keys() -> None:
    assert company_name_key("The A.B.C. Company") == company_name_key("ABC") == "abc"
    assert (
        company_name_key("Smith and Sons Ltd") == company_name_key("Smith & Sons") == "smith sons"
    )
    assert company_name_key("Straße AG") == "strasse"
    assert company_name_key("GmbH") == "gmbh"  # a lone suffix is the name
    assert company_name_key("  ") is None


def account_router() -> Router:
    rules = [make_rule("owner", owner_of="account"), make_rule("rr")]
    return Router(make_config(make_reps("ana", "bob", "cho"), rules))


def test_owner_of_account_goes_to_the_account_owner_with_the_match_in_the_trace() -> None:
    store = MemoryStore()
    store.add_account(ACME)
    decision = route_one(account_router(), make_lead(company="ACME, Inc"), store=store)
    assert (decision.rep, decision.rule) == ("ana", "owner")
    assert decision.reason == "owner: ana (owns account Acme Inc. (name match 100))"
    robotics = Account(id="r1", name="Acme Robotics LLC", owner="cho")
    store.add_account(robotics)
    near = route_one(account_router(), make_lead(company="Acme Robotic"), store=store)
    assert near.reason == "owner: cho (owns account Acme Robotics LLC (name match 96))"
    sub = route_one(account_router(), make_lead(email="x@mail.acme.com"), store=store)
    assert sub.reason == "owner: ana (owns account Acme Inc. (domain mail.acme.com under acme.com))"


def test_the_account_owner_beats_the_owner_of_an_earlier_lead() -> None:
    store = MemoryStore()
    router = account_router()
    first = route_one(router, make_lead(email="a@acme.com"), store=store)
    assert first.rep == "ana"  # by rotation: no account known yet
    store.add_account(Account(id="a1", name="Acme", domains=("acme.com",), owner="cho"))
    second = route_one(router, make_lead(email="b@acme.com"), store=store)
    assert (second.rep, second.rule) == ("cho", "owner")


def test_an_away_account_owner_falls_back_to_the_earlier_leads_owner() -> None:
    store = MemoryStore()
    router = account_router()
    route_one(router, make_lead(email="a@acme.com"), store=store)  # ana by rotation
    store.add_account(Account(id="a1", name="Acme", domains=("acme.com",), owner="cho"))
    store.set_status("cho", Status(availability=Availability.AWAY))
    decision = route_one(router, make_lead(email="b@acme.com"), store=store)
    assert (decision.rep, decision.rule) == ("ana", "owner")
    notes = {note.rep: note.reason for note in decision.trace[0].candidates}
    assert notes == {"cho": "away", "ana": "owns this account (account)"}


def test_an_account_without_owner_says_so_and_falls_through() -> None:
    store = MemoryStore()
    store.add_account(Account(id="a1", name="Acme", domains=("acme.com",)))
    decision = route_one(account_router(), make_lead(email="x@acme.com"), store=store)
    assert decision.rule == "rr"
    assert decision.trace[0].detail == (
        "matched; account Acme (domain acme.com) has no owner; no earlier lead of this account;"
        " next rule"
    )
    again = route_one(account_router(), make_lead(email="y@acme.com"), store=store)
    assert (again.rep, again.rule) == (decision.rep, "owner")
    assert again.reason.endswith(
        "(owns this account (account); account Acme (domain acme.com) has no owner)"
    )


def test_an_account_owner_outside_the_rule_is_named() -> None:
    store = MemoryStore()
    store.add_account(Account(id="a1", name="Acme", domains=("acme.com",), owner="zed"))
    decision = route_one(account_router(), make_lead(email="x@acme.com"), store=store)
    assert decision.trace[0].detail.startswith(
        "matched; account Acme (domain acme.com) is owned by zed, not a candidate;"
    )


def test_an_away_account_owner_without_earlier_lead_falls_through() -> None:
    store = MemoryStore()
    store.add_account(Account(id="a1", name="Acme", domains=("acme.com",), owner="bob"))
    store.set_status("bob", Status(availability=Availability.AWAY))
    decision = route_one(account_router(), make_lead(email="x@acme.com"), store=store)
    assert decision.rule == "rr"
    assert decision.trace[0].detail == "matched; no eligible rep (1 skipped); next rule"


def test_replacing_or_removing_an_account_is_seen_by_the_next_match() -> None:
    store = MemoryStore()
    store.add_account(ACME)
    assert store.account_match({"company": "Acme"}) is not None
    store.add_account(Account(id="a1", name="Initech"))
    assert store.account_match({"company": "Acme"}) is None
    assert store.remove_account("a1") is not None
    assert store.account_match({"company": "Initech"}) is None
