"""Intake normalisation: emails, phones, places, numbers, refusals, raw values kept, forms."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadroute.domain.errors import InvalidInput
from leadroute.domain.leads import STANDARD_FIELDS
from leadroute.normalize import Normalized, lead_from_payload, normalize_lead


def make_payload(**overrides: object) -> dict[str, object]:
    """A plausible web-form lead; `None` overrides remove the field."""
    payload: dict[str, object] = {"name": "Ana Souza", "email": "ana@acme.com.br"}
    payload.update(overrides)
    return {key: value for key, value in payload.items() if value is not None}


def normalized(**overrides: object) -> Normalized:
    return normalize_lead(make_payload(**overrides))


def refusals(payload: object) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        normalize_lead(payload)
    return [(problem.path, problem.message) for problem in caught.value.problems]


def normalized_or_refused(payload: object) -> Normalized | InvalidInput:
    """The normalised lead or the refusal; any other exception escapes and fails the test."""
    try:
        return normalize_lead(payload)
    except InvalidInput as error:
        return error


def test_a_valid_email_is_lower_cased_and_gives_the_domain() -> None:
    lead = normalized(email="  Ana.Souza@ACME.com.BR ")
    assert lead.fields["email"] == "ana.souza@acme.com.br"
    assert lead.fields["domain"] == "acme.com.br"
    assert lead.issues == ()


def test_a_domain_sent_wins_over_the_email_and_is_normalised() -> None:
    lead = normalized(email="ana@gmail.com", domain="https://www.Acme.com/contact?x=1")
    assert lead.fields["domain"] == "acme.com"


@pytest.mark.parametrize(
    ("email", "problem"),
    [
        ("ana.acme.com", "not a valid address (missing @)"),
        ("ana@", "not a valid address (there must be something after the @-sign)"),
        ("ana@acme", "not a valid address (the part after the @-sign is not valid."),
        ("ana@@acme.com", "not a valid address (the part after the @-sign contains invalid"),
    ],
)
def test_an_invalid_email_is_kept_and_flagged(email: str, problem: str) -> None:
    lead = normalized(email=f" {email} ")
    assert lead.fields["email"] == email
    assert "domain" not in lead.fields
    assert len(lead.issues) == 1
    assert lead.issues[0].startswith(f"email: {problem}")


def test_no_deliverability_check_is_made() -> None:
    lead = normalized(email="someone@no-such-domain-for-leadroute-tests.com")
    assert lead.issues == ()


@pytest.mark.parametrize(
    ("country", "phone", "e164"),
    [
        ("BR", "(11) 98765-4321", "+5511987654321"),
        ("Brazil", "11 98765 4321", "+5511987654321"),
        ("US", "(212) 555-0123", "+12125550123"),
        ("United States", "212.555.0123", "+12125550123"),
        ("BR", "+1 212 555 0123", "+12125550123"),
        ("US", "011 55 11 98765 4321", "+5511987654321"),
        (None, "+55 11 98765-4321", "+5511987654321"),
    ],
)
def test_a_phone_becomes_e164_read_in_the_lead_country(
    country: str | None, phone: str, e164: str
) -> None:
    lead = normalized(country=country, phone=phone)
    assert lead.fields["phone"] == e164
    assert lead.issues == ()


def test_the_region_tells_where_to_read_the_phone_when_the_country_is_missing() -> None:
    lead = normalized(region="US-NY", phone="212 555 0123")
    assert lead.fields["phone"] == "+12125550123"
    assert lead.fields["country"] == "US"


def test_the_region_tells_where_to_read_the_phone_when_the_country_is_unknown() -> None:
    lead = normalized(country="Atlantis", region="BR-SP", phone="11 98765 4321")
    assert lead.fields["phone"] == "+5511987654321"
    assert lead.fields["country"] == "Atlantis"


@pytest.mark.parametrize(
    ("country", "phone", "issue"),
    [
        ("BR", "12345", "phone: not a valid number for BR"),
        ("US", "+55 11 1234", "phone: not a valid number for BR"),
        ("US", "(212) 555-012", "phone: not a valid number for US"),
        (None, "212 555 0123", "phone: no country to read it in"),
        ("US", "call me maybe", "phone: not a phone number"),
        ("US", "+999 1234 5678", "phone: unknown country calling code"),
        ("US", "1" * 30, "phone: too long"),
    ],
)
def test_an_invalid_phone_is_kept_and_flagged(country: str | None, phone: str, issue: str) -> None:
    lead = normalized(country=country, phone=phone)
    assert lead.fields["phone"] == phone
    assert len(lead.issues) == 1
    assert lead.issues[0].startswith(issue)


def test_a_phone_extension_is_dropped_from_the_number_and_kept_in_raw() -> None:
    lead = normalized(country="US", phone="+1 (212) 555-0123 ext. 7")
    assert lead.fields["phone"] == "+12125550123"
    assert lead.raw["phone"] == "+1 (212) 555-0123 ext. 7"


def test_a_phone_sent_as_a_number_is_read_as_text() -> None:
    lead = normalized(phone=5511987654321, country="BR")
    assert lead.fields["phone"] == "+5511987654321"


@pytest.mark.parametrize(
    ("country", "code"),
    [
        ("US", "US"),
        ("us", "US"),
        ("USA", "US"),
        ("U.S.", "US"),
        ("United States of America", "US"),
        ("brazil", "BR"),
        ("Brasil", "BR"),
        ("BRA", "BR"),
        ("UK", "GB"),
        ("England", "GB"),
        ("The Netherlands", "NL"),
        ("México", "MX"),
        ("Deutschland", "DE"),
    ],
)
def test_country_names_and_codes_become_iso_codes(country: str, code: str) -> None:
    lead = normalized(country=country)
    assert lead.fields["country"] == code
    assert lead.issues == ()


@pytest.mark.parametrize(
    ("country", "region", "code"),
    [
        ("US", "Florida", "US-FL"),
        ("US", "fl", "US-FL"),
        ("BR", "São Paulo", "BR-SP"),
        ("Brazil", "SP", "BR-SP"),
        ("CA", "Ontario", "CA-ON"),
        ("US", "us-ny", "US-NY"),
    ],
)
def test_region_names_and_codes_become_iso_codes(country: str, region: str, code: str) -> None:
    lead = normalized(country=country, region=region)
    assert lead.fields["region"] == code
    assert lead.issues == ()


def test_an_iso_region_gives_the_missing_country() -> None:
    assert normalized(region="US-FL").fields["country"] == "US"


def test_a_region_outside_the_country_is_flagged_and_both_are_kept() -> None:
    lead = normalized(country="Brazil", region="US-FL")
    assert (lead.fields["country"], lead.fields["region"]) == ("BR", "US-FL")
    assert lead.issues == ("region: US-FL is not in BR",)


@pytest.mark.parametrize(
    ("language", "code"), [("es", "es"), ("Spanish", "es"), ("pt-BR", "pt"), ("EN", "en")]
)
def test_languages_become_iso_codes(language: str, code: str) -> None:
    assert normalized(language=language).fields["language"] == code


def test_unknown_values_are_kept_and_flagged_never_dropped() -> None:
    lead = normalized(country=" Atlantis ", region="Narnia", language="Elvish", city="Oz")
    assert lead.fields["country"] == "Atlantis"
    assert lead.fields["region"] == "Narnia"
    assert lead.fields["language"] == "Elvish"
    assert lead.fields["city"] == "Oz"
    assert lead.issues == (
        "country: unknown country 'Atlantis'",
        "region: unknown region 'Narnia' (no country to look it up in)",
        "language: unknown language 'Elvish'",
    )


def test_an_unknown_region_names_the_country_it_was_looked_up_in() -> None:
    lead = normalized(country="US", region="Narnia")
    assert lead.issues == ("region: unknown region 'Narnia' in US",)


def test_issues_follow_the_order_of_the_payload() -> None:
    lead = normalize_lead({"phone": "12", "country": "US", "email": "nope", "budget": "lots"})
    assert [issue.split(":")[0] for issue in lead.issues] == ["phone", "email", "budget"]


def test_the_raw_payload_is_kept_exactly_and_not_changed() -> None:
    payload: dict[str, object] = {
        "email": " Ana@ACME.com ",
        "phone": "",
        "country": "brazil",
        "company_size": "1,500",
        "utm": {"source": " ads "},
        "tags": [" a ", ""],
        "notes": None,
    }
    before = copy.deepcopy(payload)
    lead = normalize_lead(payload)
    assert lead.raw == before
    assert payload == before
    assert list(lead.raw) == list(before)
    lead.fields["utm"]["source"] = "changed"  # type: ignore[index]
    assert lead.raw["utm"] == {"source": " ads "}


def test_strings_are_stripped_and_empty_values_become_absent() -> None:
    lead = normalize_lead(
        {"email": "ana@acme.com", "name": "  Ana  ", "phone": " ", "city": "", "tags": ["", " "]}
    )
    assert lead.fields == {"email": "ana@acme.com", "name": "Ana", "domain": "acme.com"}


def test_a_form_post_with_every_value_as_text_is_read_as_a_lead() -> None:
    form = {
        "name": "Bob Stone",
        "email": "BOB@Globex.io",
        "phone": "(415) 555-2671",
        "company": "Globex",
        "country": "United States",
        "region": "California",
        "company_size": "250",
        "budget": "$50,000",
        "score": "42",
        "postal_code": "02134",
        "wants_demo": "true",
        "utm_source": "",
    }
    lead = normalize_lead(form)
    assert lead.issues == ()
    assert lead.raw == form
    assert lead.fields == {
        "name": "Bob Stone",
        "email": "bob@globex.io",
        "phone": "+14155552671",
        "company": "Globex",
        "country": "US",
        "region": "US-CA",
        "company_size": 250,
        "budget": 50000,
        "score": 42,
        "postal_code": "02134",
        "wants_demo": "true",
        "domain": "globex.io",
    }
    assert lead.custom == ("wants_demo", "utm_source")


@pytest.mark.parametrize(
    ("budget", "number"),
    [
        ("250", 250),
        (" 1,000 ", 1000),
        ("1.000", 1000),
        ("1,000,000.50", 1000000.5),
        ("1.000,50", 1000.5),
        ("12.5", 12.5),
        ("12,5", 12.5),
        ("$50k", 50000),
        ("1.5M", 1500000),
        ("R$ 5.000,00", 5000),
        ("USD 5 000", 5000),
        ("5000 EUR", 5000),
        ("10000+", 10000),
        (7500, 7500),
        (99.5, 99.5),
    ],
)
def test_numbers_written_as_text_become_numbers(budget: object, number: float) -> None:
    lead = normalized(budget=budget)
    assert lead.fields["budget"] == number
    assert lead.issues == ()


def test_company_size_is_a_whole_number() -> None:
    assert normalized(company_size="1,500").fields["company_size"] == 1500
    assert normalized(company_size=250.0).fields["company_size"] == 250


@pytest.mark.parametrize(
    ("field", "value", "issue"),
    [
        ("company_size", "11-50", "company_size: not a number '11-50'"),
        ("company_size", "12.5", "company_size: not a whole number '12.5'"),
        ("company_size", "-3", "company_size: negative '-3'"),
        ("budget", "lots", "budget: not a number 'lots'"),
        ("budget", "-100", "budget: negative '-100'"),
        ("budget", True, "budget: not a number True"),
        ("score", "high", "score: not a number 'high'"),
    ],
)
def test_a_value_that_is_not_a_number_is_kept_and_flagged(
    field: str, value: object, issue: str
) -> None:
    lead = normalized(**{field: value})
    assert lead.fields[field] == value
    assert lead.issues == (issue,)


def test_a_negative_score_is_a_number() -> None:
    assert normalized(score="-5").fields["score"] == -5


def test_a_number_past_the_largest_float_is_kept_and_flagged() -> None:
    # Found by tests/fuzz: math.isfinite(10**400) raised OverflowError (a 500 at intake).
    lead = normalized(budget=10**400, company_size=-(10**400))
    assert (lead.fields["budget"], lead.fields["company_size"]) == (10**400, -(10**400))
    assert lead.issues == (
        "budget: not a number 1" + "0" * 56 + "...",
        "company_size: not a number -" + "1" + "0" * 55 + "...",
    )


def test_numbers_in_standard_text_fields_become_text() -> None:
    lead = normalized(postal_code=2134, name=42)
    assert (lead.fields["postal_code"], lead.fields["name"]) == ("2134", "42")


@pytest.mark.parametrize(
    ("field", "value", "issue"),
    [
        ("name", True, "name: expected text, got true"),
        ("country", 76, "country: expected text, got the number 76"),
        ("region", ["US-FL", "US-GA"], "region: expected one value, got a list"),
        ("company_size", [10, 20], "company_size: expected one value, got a list"),
    ],
)
def test_a_value_of_the_wrong_shape_is_kept_and_flagged(
    field: str, value: object, issue: str
) -> None:
    lead = normalized(**{field: value})
    assert lead.fields[field] == value
    assert lead.issues == (issue,)


def test_a_list_in_a_free_text_standard_field_is_kept_cleaned() -> None:
    lead = normalized(product=[" crm ", "", "voip"])
    assert lead.fields["product"] == ["crm", "voip"]
    assert lead.issues == ()


def test_custom_fields_are_listed_in_payload_order_and_kept_as_sent() -> None:
    lead = normalized(wants_demo=True, utm={"campaign": "spring"}, seats=" 12 ", empty="")
    assert lead.custom == ("wants_demo", "utm", "seats", "empty")
    assert lead.fields["wants_demo"] is True
    assert lead.fields["utm"] == {"campaign": "spring"}
    assert lead.fields["seats"] == "12"
    assert "empty" not in lead.fields


def test_a_malformed_email_alone_is_still_a_lead() -> None:
    lead = normalize_lead({"email": "not an address"})
    assert lead.fields == {"email": "not an address"}
    assert lead.issues == ("email: not a valid address (missing @)",)


def test_a_phone_alone_is_a_lead() -> None:
    assert normalize_lead({"phone": "+55 11 98765-4321"}).fields == {"phone": "+5511987654321"}


@pytest.mark.parametrize(
    ("payload", "problems"),
    [
        ([{"email": "a@b.com"}], [("(body)", "expected a JSON object, got a list")]),
        ("email=a@b.com", [("(body)", "expected a JSON object, got text")]),
        (None, [("(body)", "expected a JSON object, got null")]),
        (
            {"name": "Ana", "company": "Acme"},
            [("email", "a lead needs an email or a phone to be contacted; neither was given")],
        ),
        (
            {"email": "  ", "phone": None},
            [("email", "a lead needs an email or a phone to be contacted; neither was given")],
        ),
        ({"email": "a@b.com", "": "x"}, [("(body)", "a field name is empty")]),
        ({"email": "a@b.com", 7: "x"}, [("(body)", "field names must be text, got the number 7")]),
        (
            {"email": "a@b.com", "country": {"code": "US"}},
            [("country", "expected a single value, got an object")],
        ),
        (
            {"email": {"work": "a@b.com"}},
            [("email", "expected a single value, got an object")],
        ),
        (
            {"phone": "+1 212 555 0123", "product": [{"sku": 1}]},
            [("product", "expected a single value, got a list")],
        ),
    ],
)
def test_a_payload_that_cannot_be_a_lead_is_refused_naming_the_field(
    payload: object, problems: list[tuple[str, str]]
) -> None:
    assert refusals(payload) == problems


def test_every_refusal_is_reported_at_once() -> None:
    paths = [path for path, _ in refusals({"": 1, "region": {"a": 1}, "name": "Ana"})]
    assert paths == ["(body)", "region", "email"]


def test_a_refusal_hints_at_a_misspelt_contact_field() -> None:
    [(path, message)] = refusals({"Email": "ana@acme.com", "PHONE": "123"})
    assert path == "email"
    assert message.endswith("(field names are case-sensitive: got 'Email', 'PHONE')")


T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_replay_leads_are_normalised_like_intake_without_its_refusals() -> None:
    payload = {"phone": "(415) 555-2671", "country": "us", "language": "Klingonx", "size": " 9 "}
    lead = lead_from_payload(payload, lead_id="L1", received_at=T0)
    intake = normalize_lead(payload).fields
    assert {k: v for k, v in lead.fields.items() if k not in ("id", "received_at")} == intake
    assert lead.fields["phone"] == "+14155552671"
    # No email and no phone: intake refuses it, a scenario may still route it.
    bare = lead_from_payload({"country": "brazil"}, lead_id="L2", received_at=T0)
    assert bare.get("country") == "BR"


FIELD_NAMES = st.one_of(st.sampled_from(STANDARD_FIELDS), st.text(max_size=12))
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["ana@acme.com", "+55 11 98765-4321", "(212) 555-0123", "Brazil", "SP", "US-FL", "1,000"]
    ),
    st.from_regex(r"[+0-9 ()\-.]{0,20}", fullmatch=True),
)
PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(payload=st.dictionaries(FIELD_NAMES, VALUES, max_size=8), email=VALUES)
def test_any_text_payload_with_an_email_is_normalised_or_refused_and_loses_no_key(
    payload: dict[str, str], email: str
) -> None:
    payload = {**payload, "email": email}
    lead = normalized_or_refused(payload)
    if isinstance(lead, InvalidInput):
        assert lead.problems
        return
    assert lead.raw == payload
    assert set(payload) <= set(lead.raw)
    assert set(lead.fields) <= set(payload) | {"domain", "country"}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)


@PROPERTY_SETTINGS
@given(payload=st.one_of(JSON, st.dictionaries(FIELD_NAMES, JSON, max_size=8)))
def test_any_json_value_is_normalised_or_refused_with_invalid_input(payload: object) -> None:
    lead = normalized_or_refused(payload)
    if isinstance(lead, InvalidInput):
        assert lead.problems
        return
    assert isinstance(payload, Mapping)
    assert lead.raw == payload or lead.raw.keys() == payload.keys()  # NaN is not equal to itself
