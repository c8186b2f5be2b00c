"""Hypothesis strategies for lead payloads as integrators send them, good and hostile: standard
fields with plausible, mistyped, huge and unicode values, custom fields, nesting, no contact.
Shared by the HTTP intake fuzz and the engine fuzz."""

from __future__ import annotations

from hypothesis import strategies as st

from leadroute.domain.leads import STANDARD_FIELDS

JsonValue = object

PLAUSIBLE = st.sampled_from(
    [
        "ana@acme.com",
        "ANA@ACME.COM ",
        "not-an-email",
        "+55 11 98765-4321",
        "(212) 555-0123 ext. 9",
        "Brazil",
        "Côte d'Ivoire",
        "US-FL",
        "SP",
        "es",
        "Português",
        "1,000",
        "$50k",
        "1.000,50",
        "1000+",
        "-3",
        "https://www.Acme.com/about",
        "2026-03-03T10:00:00-05:00",
        "now",
        "true",
        "NO",
    ]
)
# Texts no form would hold: controls, surrogate-free astral planes, right-to-left, very long.
ODD_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=12),
    st.sampled_from(["\u202eevil", "\x00", "\ufeff", "王芳", "🙂" * 50, " ", "\n\t"]),
    st.integers(min_value=200, max_value=20_000).map(lambda n: "x" * n),
)
# Past every integer type (2**63, 2**64), past every float (10**400), NaN and the infinities.
EXTREMES = st.sampled_from(
    [2**63, -(2**63) - 1, 2**64, 10**400, -(10**400), 1e308, float("inf"), float("nan"), -0.0]
)
NUMBERS = st.one_of(st.integers(), st.floats(), EXTREMES)
SCALARS: st.SearchStrategy[JsonValue] = st.one_of(
    st.none(), st.booleans(), NUMBERS, EXTREMES, ODD_TEXT, PLAUSIBLE
)
VALUES: st.SearchStrategy[JsonValue] = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
FIELD_NAMES = st.one_of(
    st.sampled_from(STANDARD_FIELDS),
    st.sampled_from(["Email", "e-mail", "wants_demo", "tier", "utm.source", "score_model"]),
    st.text(max_size=12),
)
CONTACTS = st.fixed_dictionaries(
    {}, optional={"email": st.one_of(PLAUSIBLE, ODD_TEXT), "phone": st.one_of(PLAUSIBLE, NUMBERS)}
)


# Each standard field half of the time, with a value of any kind, so that every field meets
# the odd values often.
STANDARD = st.fixed_dictionaries(
    {}, optional={name: st.one_of(SCALARS, VALUES) for name in STANDARD_FIELDS}
)


@st.composite
def lead_payloads(draw: st.DrawFn) -> dict[str, JsonValue]:
    """A JSON object: a contact most of the time, standard fields, then any other fields."""
    payload: dict[str, JsonValue] = dict(draw(CONTACTS))
    payload.update(draw(STANDARD))
    payload.update(draw(st.dictionaries(FIELD_NAMES, VALUES, max_size=4)))
    return payload


def form_payloads() -> st.SearchStrategy[dict[str, str]]:
    """A form post: every value is text."""
    return st.dictionaries(FIELD_NAMES, st.one_of(PLAUSIBLE, ODD_TEXT), max_size=8)


def bodies() -> st.SearchStrategy[JsonValue]:
    """Any JSON document at all, mostly lead-like objects."""
    return st.one_of(lead_payloads(), lead_payloads(), VALUES)
