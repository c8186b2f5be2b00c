"""Normalisation's shortcuts change no result: a plain address lower-cased by `_email` itself is
one email_validator accepts and writes the same way, and everything else still goes to it."""

from __future__ import annotations

from datetime import UTC, datetime

from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st

from leadroute.normalize import _email, _plain_address, lead_from_payload

# Mostly plain, so the shortcut is taken often; now and then a character or shape it refuses.
LOCAL = st.one_of(
    st.text(alphabet="aZ09_+-.", min_size=1, max_size=70),
    st.text(alphabet="aZ09_+-.'\"é ", min_size=0, max_size=70),
)
LABEL = st.one_of(
    st.text(alphabet="abcXYZ019", min_size=1, max_size=10),
    st.text(alphabet="abcXYZ019-", min_size=0, max_size=66),
    st.sampled_from(["xn--bcher-kva", "ab--c", "test", "local", "localhost", "onion", "123"]),
)
TLD = st.sampled_from(
    ["com", "COM", "io", "test", "local", "arpa", "invalid", "7z", "c", "123", ""]
)


@st.composite
def addresses(draw: st.DrawFn) -> str:
    labels = draw(st.lists(LABEL, min_size=0, max_size=5))
    domain = ".".join([*labels, draw(TLD)])
    at = draw(st.sampled_from(["@"] * 6 + ["@@", "@x@"]))
    return draw(LOCAL) + at + domain + draw(st.sampled_from([""] * 6 + [".", " ", "é"]))


def library(text: str) -> tuple[object, str | None, str | None]:
    """What `_email` returned when every address went to email_validator: the value, the
    problem and the domain it gave."""
    try:
        address = validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        reason = str(error).rstrip(".")
        return text, f"not a valid address ({reason[:1].lower()}{reason[1:]})", None
    return address, None, address.rsplit("@", 1)[1]


@settings(max_examples=2000, deadline=None)
@given(addresses())
@example("Ana.Silva+crm@Example.COM")
@example("lead0@green4838.com")
@example("a@b.test")
@example("a@mail.localhost")
@example("a@xn--bcher-kva.ch")
@example("a@ab--cd.com")
@example("a@" + "a" * 64 + ".com")
@example("a" * 65 + "@b.com")
@example("a@" + ".".join(["a" * 63] * 4) + ".com")
@example("a..b@c.com")
def test_plain_addresses_read_as_email_validator_reads_them(text: str) -> None:
    fields: dict[str, object] = {}
    value, problem = _email(text, fields)
    if "@" not in text:
        return
    expected_value, expected_problem, domain = library(text)
    assert (value, problem, fields.get("domain")) == (expected_value, expected_problem, domain)
    if _plain_address(text):
        assert problem is None
        assert value == text.lower()


def test_a_lead_keeps_its_plain_address_lower_cased_and_its_domain() -> None:
    lead = lead_from_payload(
        {"email": "Ana.Silva@Acme.COM", "country": "Brasil", "company_size": "1,000"},
        lead_id="L1",
        received_at=datetime(2026, 3, 2, tzinfo=UTC),
    )
    assert lead.fields["email"] == "ana.silva@acme.com"
    assert lead.fields["domain"] == "acme.com"
    assert lead.fields["country"] == "BR"
    assert lead.fields["company_size"] == 1000
