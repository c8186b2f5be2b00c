"""Country, subdivision and language names normalised to ISO codes with pycountry."""

from __future__ import annotations

from functools import lru_cache

import pycountry


@lru_cache(maxsize=4096)
def country_code(text: str) -> str | None:
    """`US`, `USA`, `United States`, `brazil` -> ISO 3166-1 alpha-2; None when unknown."""
    cleaned = text.strip()
    if not cleaned:
        return None
    try:
        country = pycountry.countries.lookup(cleaned)
    except LookupError:
        return None
    return str(country.alpha_2)


@lru_cache(maxsize=4096)
def subdivision_code(text: str, country: str | None = None) -> str | None:
    """`US-FL`, or `FL` / `Florida` with country `US` -> `US-FL`; None when unknown."""
    cleaned = text.strip()
    if not cleaned:
        return None
    upper = cleaned.upper()
    if (
        "-" in upper
        and pycountry.subdivisions.get(  # type: ignore[no-untyped-call]
            code=upper
        )
        is not None
    ):
        return upper
    if not country:
        return None
    candidate = f"{country}-{upper}"
    if (
        pycountry.subdivisions.get(  # type: ignore[no-untyped-call]
            code=candidate
        )
        is not None
    ):
        return candidate
    folded = cleaned.casefold()
    for subdivision in (
        pycountry.subdivisions.get(  # type: ignore[no-untyped-call]
            country_code=country
        )
        or ()
    ):
        if str(subdivision.name).casefold() == folded:
            return str(subdivision.code)
    return None


@lru_cache(maxsize=1024)
def language_code(text: str) -> str | None:
    """`es`, `spa`, `Spanish` -> ISO 639-1 `es` (or the 639-3 code when there is no 639-1)."""
    cleaned = text.strip()
    if not cleaned:
        return None
    # A locale tag such as pt-BR or en_US names its language first.
    head, sep, _ = cleaned.replace("_", "-").partition("-")
    if sep and len(head) in (2, 3) and head.isalpha():
        cleaned = head
    # Codes first: a bare lookup matches names too, and `en` is also the name of the En language
    # (enc), `ko` of Ko (fuj), `hu` of Hu (huo), ...
    key = "alpha_2" if len(cleaned) == 2 else "alpha_3" if len(cleaned) == 3 else None
    language = pycountry.languages.get(**{key: cleaned.lower()}) if key else None
    if language is None:
        try:
            language = pycountry.languages.lookup(cleaned)
        except LookupError:
            return None
    code = getattr(language, "alpha_2", None) or getattr(language, "alpha_3", None)
    return str(code) if code else None


def territory_code(text: str) -> str | None:
    """A territory written as a country code/name or an ISO 3166-2 code, normalised."""
    upper = text.strip().upper()
    if "-" in upper:
        return subdivision_code(upper)
    return country_code(text)
