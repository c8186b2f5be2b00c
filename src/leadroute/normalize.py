"""Turn a raw lead payload into the normalised fields the engine reads.

`normalize_lead` is the intake path (HTTP, forms, imports): it keeps the raw payload, flags what it
cannot read, and refuses only a payload that cannot be a lead. `lead_from_payload` normalises a
scenario's lead for replay and the CLI the same way, without the refusals.
"""

from __future__ import annotations

import copy
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from leadroute.domain.errors import InvalidInput, Problem
from leadroute.domain.leads import STANDARD_FIELDS, Lead
from leadroute.geo import country_code, language_code, subdivision_code

BODY = "(body)"
CONTACT_FIELDS = ("email", "phone")
NUMERIC_FIELDS = ("company_size", "budget", "score")
_STANDARD = frozenset(STANDARD_FIELDS)
_TEXT_ONLY = frozenset({"email", "domain", "country", "region", "language"})
# Fields that normalise to one value: a list there is kept but flagged.
_SINGLE = _TEXT_ONLY | {"id", "received_at", "phone", *NUMERIC_FIELDS}

# Common ways of writing a country that ISO names miss (keys folded by `_fold`).
_COUNTRY_ALIASES = {
    "uk": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "america": "US", "brasil": "BR",
    "deutschland": "DE", "espana": "ES", "russia": "RU", "turkey": "TR", "holland": "NL",
    "south korea": "KR", "ivory coast": "CI", "cote d'ivoire": "CI", "uae": "AE",
}  # fmt: skip

_DIGIT_GAP = re.compile(r"(?<=\d)[_'](?=\d)")
# Read after whitespace is removed: "USD 5 000" is "USD5000", "R$ 1.500,00" is "R$1.500,00".
_AMOUNT = re.compile(
    r"(?:[a-z]{0,3}[$€£¥]|[a-z]{3})?(?P<sign>[-+]?)(?P<digits>\d[\d.,]*)(?P<scale>[km]?)\+?"
    r"(?:[$€£¥]|[a-z]{3})?",
    re.IGNORECASE,
)
_GROUPED = re.compile(
    r"(?P<whole>\d{1,3}(?:(?P<sep>[.,])\d{3})+)(?:(?!(?P=sep))[.,](?P<frac>\d+))?"
)
_PLAIN = re.compile(r"(?P<whole>\d+)(?:[.,](?P<frac>\d+))?")
# Addresses every validator accepts as they are (a dot-atom of letters, digits, _ + - before the
# @; letter-digit-hyphen labels ending in an alphabetic top-level domain after it): `_email`
# lower-cases them itself; email_validator reads anything else. tests/unit/test_normalize_fast.py
# checks the two agree.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_+-]{1,64}(?:\.[A-Za-z0-9_+-]+)*\Z")
_PLAIN_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\Z")
_SPECIAL_USE = tuple(SPECIAL_USE_DOMAIN_NAMES)
# Values repeat from lead to lead (countries, regions, sizes): their readings are remembered.
_REMEMBERED = 4096
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_HOST = re.compile(r"[^\s/@:?#]+\.[^\s/@:?#.]+")

Outcome = tuple[object, str | None]


@dataclass(frozen=True, kw_only=True, slots=True)
class Normalized:
    """A payload read as a lead.

    `fields`: normalised values by name, ready for the engine (absent when empty).
    `raw`: exactly what was sent, same keys, values untouched.
    `issues`: `"<field>: <problem>"` for each value kept as sent because it could not be read.
    `custom`: the payload's field names that are not standard lead fields, in payload order.
    """

    fields: dict[str, object]
    raw: dict[str, object]
    issues: tuple[str, ...] = ()
    custom: tuple[str, ...] = ()


def normalize_lead(payload: object) -> Normalized:
    """Normalise an intake payload (a JSON object, or a form where every value is text).

    Refused with `InvalidInput`, each problem naming its field or `(body)`: a payload that is not
    a mapping; a field name that is not text or is blank; an object, or a list holding objects or
    lists, in a standard field; a lead nobody can contact: at least one of `email` or `phone` must
    be present and non-empty. A malformed email or phone still counts as a way to contact.

    Everything else is kept. Strings are stripped; empty strings and nulls become absent. `email`
    is validated without DNS and lower-cased, and gives `domain` when none was sent; `domain` is
    lower-cased without scheme, path or `www.`; `phone` becomes E.164, read in the lead's country
    unless written with `+` (an extension is dropped; `raw` keeps it); `country`, `region` and
    `language` become ISO codes, and an ISO `region` gives the missing `country`. `company_size`,
    `budget` and `score` become numbers when they read as one ("250", "1,000", "1.000,50",
    "$50k", "1000+"); `company_size` must be whole, it and `budget` not negative. Numbers in
    other standard fields become text ("postal_code": 1234 -> "1234"). A value that cannot be
    read stays in `fields` as sent (stripped) and adds an issue. Custom fields are kept as sent
    (stripped, nested values copied).
    """
    if not isinstance(payload, Mapping):
        problem = Problem(path=BODY, message=f"expected a JSON object, got {_kind(payload)}")
        raise InvalidInput([problem])
    problems = _refusals(payload)
    if problems:
        raise InvalidInput(problems)
    raw: dict[str, object] = dict(payload)
    fields = {key: cleaned for key, value in raw.items() if (cleaned := _clean(value)) is not None}
    found = _normalize_standard(fields)
    order = {key: index for index, key in enumerate(raw)}
    found.sort(key=lambda issue: order.get(issue[0], len(order)))
    return Normalized(
        fields=fields,
        raw=raw,
        issues=tuple(f"{name}: {problem}" for name, problem in found),
        custom=tuple(key for key in raw if key not in _STANDARD),
    )


def _refusals(payload: Mapping[object, object]) -> list[Problem]:
    problems: list[Problem] = []
    for key, value in payload.items():
        if not isinstance(key, str):
            message = f"field names must be text, got {_kind(key)}"
            problems.append(Problem(path=BODY, message=message))
        elif not key.strip():
            problems.append(Problem(path=BODY, message="a field name is empty"))
        elif key in _STANDARD and _nested(value):
            message = f"expected a single value, got {_kind(value)}"
            problems.append(Problem(path=key, message=message))
    if not any(_reachable(payload.get(name)) for name in CONTACT_FIELDS):
        message = "a lead needs an email or a phone to be contacted; neither was given"
        near = [k for k in payload if isinstance(k, str) and k not in CONTACT_FIELDS]
        near = [k for k in near if k.strip().casefold() in CONTACT_FIELDS]
        if near:
            message += f" (field names are case-sensitive: got {', '.join(map(repr, near))})"
        problems.append(Problem(path="email", message=message))
    return problems


def _nested(value: object) -> bool:
    if isinstance(value, list | tuple):
        return any(isinstance(item, Mapping | list | tuple) for item in value)
    return isinstance(value, Mapping)


def _reachable(value: object) -> bool:
    cleaned = _clean(value)
    return cleaned is not None and not isinstance(cleaned, bool)


def _clean(value: object) -> object:
    """Stripped text, lists without empty items, copied objects; None for anything empty."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list | tuple):
        items = [item for item in map(_clean, value) if item is not None]
        return items or None
    if isinstance(value, Mapping):
        return copy.deepcopy(dict(value)) or None
    return value


def _normalize_standard(fields: dict[str, object]) -> list[tuple[str, str]]:
    """Normalise the standard fields in place; (field, problem) for each value kept as sent."""
    issues: list[tuple[str, str]] = []
    for name in (n for n in STANDARD_FIELDS if n in fields):
        value = fields[name]
        if name in _SINGLE and isinstance(value, list):
            issues.append((name, "expected one value, got a list"))
        elif name in NUMERIC_FIELDS:
            fields[name], problem = _numeric(name, value)
            issues.extend([(name, problem)] if problem else [])
        elif isinstance(value, bool) or (isinstance(value, int | float) and name in _TEXT_ONLY):
            issues.append((name, f"expected text, got {_kind(value)}"))
        elif isinstance(value, int | float):
            fields[name] = str(value)
    flagged = {name for name, _ in issues}
    # Order matters: email may give the domain, country and region tell how to read the phone.
    for name, step in _STEPS.items():
        value = fields.get(name)
        if isinstance(value, str) and name not in flagged:
            fields[name], problem = step(value, fields)
            issues.extend([(name, problem)] if problem else [])
    return issues


def _email(text: str, fields: dict[str, object]) -> Outcome:
    """The validated address lower-cased (and `domain` when missing), or why it is not one."""
    if "@" not in text:
        return text, "not a valid address (missing @)"
    if _plain_address(text):
        address = text.lower()
    else:
        try:
            address = validate_email(text, check_deliverability=False).normalized.lower()
        except EmailNotValidError as error:
            reason = str(error).rstrip(".")
            return text, f"not a valid address ({reason[:1].lower()}{reason[1:]})"
    fields.setdefault("domain", address.rsplit("@", 1)[1])
    return address, None


def _plain_address(text: str) -> bool:
    """Whether the address is of the plain ASCII kind email_validator (without DNS) accepts
    and writes back unchanged but for the domain's case: one @, a dot-atom local part, a
    host name of at most 253 characters under an alphabetic top-level domain, no
    `--` (Punycode, reserved labels) and no special-use name (`.test`, `.local`, ...)."""
    local, at, domain = text.partition("@")
    if len(text) > 254 or len(domain) > 253 or "@" in domain or "--" in domain or not at:
        return False
    if not (_PLAIN_LOCAL.match(local) and _PLAIN_DOMAIN.match(domain)):
        return False
    host = domain.lower()
    return not any(host == name or host.endswith("." + name) for name in _SPECIAL_USE)


@lru_cache(maxsize=_REMEMBERED)
def _domain_of(text: str) -> Outcome:
    host = _SCHEME.sub("", text.lower())
    host = re.split(r"[/?#:]", host, maxsplit=1)[0].rstrip(".").removeprefix("www.")
    return (host, None) if _HOST.fullmatch(host) else (text, f"not a domain name {_show(text)}")


def _domain(text: str, _fields: dict[str, object]) -> Outcome:
    return _domain_of(text)


def _country(text: str, _fields: dict[str, object]) -> Outcome:
    return _country_of(text)


@lru_cache(maxsize=_REMEMBERED)
def _country_of(text: str) -> Outcome:
    folded = _fold(text)
    code = country_code(text) or _COUNTRY_ALIASES.get(folded)
    code = code or (country_code(folded) if folded else None)
    return (code, None) if code else (text, f"unknown country {_show(text)}")


def _fold(text: str) -> str:
    """`The Côte d'Ivoire` -> `cote d'ivoire`; `U.S.` -> `us`."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    words = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split()
    return " ".join(words[1:] if words[:1] == ["the"] else words).replace(".", "")


def _region(text: str, fields: dict[str, object]) -> Outcome:
    country = _known_country(fields.get("country"))
    code = subdivision_code(text, country)
    if code is None:
        where = f"in {country}" if country else "(no country to look it up in)"
        return text, f"unknown region {_show(text)} {where}"
    fields.setdefault("country", code.split("-", 1)[0])
    if country and not code.startswith(f"{country}-"):
        return code, f"{code} is not in {country}"
    return code, None


def _language(text: str, _fields: dict[str, object]) -> Outcome:
    code = language_code(text)
    return (code, None) if code else (text, f"unknown language {_show(text)}")


def _phone(text: str, fields: dict[str, object]) -> Outcome:
    """E.164 when valid, read in the lead's country (or its region's) unless it starts with +."""
    region = fields.get("region")
    prefix = region.split("-", 1)[0] if isinstance(region, str) and "-" in region else None
    return _phone_in(text, _known_country(fields.get("country")) or _known_country(prefix))


@lru_cache(maxsize=_REMEMBERED)
def _phone_in(text: str, country: str | None) -> Outcome:
    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException as error:
        return text, _phone_problem(error.error_type, text, country)
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None
    where = phonenumbers.region_code_for_number(number)
    if (not where or where == "001") and country:
        same_code = number.country_code == phonenumbers.country_code_for_region(country)
        where = country if same_code else None
    return text, f"not a valid number for {where or f'+{number.country_code}'}"


def _phone_problem(kind: int, text: str, country: str | None) -> str:
    if kind == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
        if text.startswith("+"):
            return "unknown country calling code"
        if not country:
            return "no country to read it in (send the country, or the number with +)"
        return f"no numbering plan for {country} (send the number with +)"
    if kind == phonenumbers.NumberParseException.TOO_LONG:
        return "too long"
    if kind == phonenumbers.NumberParseException.NOT_A_NUMBER:
        return "not a phone number"
    return "too short"


def _known_country(value: object) -> str | None:
    """The value when it is already an ISO 3166-1 alpha-2 code (normalised by `_country`)."""
    if isinstance(value, str) and len(value) == 2 and value.isupper():
        return value if country_code(value) == value else None
    return None


_STEPS: dict[str, Callable[[str, dict[str, object]], Outcome]] = {
    "email": _email,
    "domain": _domain,
    "country": _country,
    "region": _region,
    "language": _language,
    "phone": _phone,
}


def _numeric(name: str, value: object) -> Outcome:
    if isinstance(value, str):
        return _numeric_text(name, value)
    return _numeric_value(name, value)


@lru_cache(maxsize=_REMEMBERED)
def _numeric_text(name: str, value: str) -> Outcome:
    return _numeric_value(name, value)


def _numeric_value(name: str, value: object) -> Outcome:
    number = _number(value)
    if number is None:
        return value, f"not a number {_show(value)}"
    if name == "company_size" and not float(number).is_integer():
        return value, f"not a whole number {_show(value)}"
    if name != "score" and number < 0:
        return value, f"negative {_show(value)}"
    return (int(number) if name == "company_size" else number), None


def _number(value: object) -> int | float | None:
    """A finite number from a number or a text such as `1,000`, `1.000,50`, `$50k`, `1000+`."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    if not isinstance(value, str):
        return value if _finite(value) else None
    match = _AMOUNT.fullmatch(_DIGIT_GAP.sub("", "".join(value.split())))
    digits = match["digits"] if match else ""
    parts = _GROUPED.fullmatch(digits) or _PLAIN.fullmatch(digits)
    if not match or not parts:
        return None
    whole = re.sub(r"\D", "", parts["whole"])
    scale = {"k": 1e3, "m": 1e6}.get(match["scale"].lower(), 1.0)
    number = float(f"{match['sign']}{whole}.{parts['frac'] or 0}") * scale
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _finite(number: int | float) -> bool:
    """Whether the number is a finite float: an int past the largest float is not (it could
    not be compared or stored as one)."""
    try:
        return math.isfinite(number)
    except OverflowError:
        return False


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, Mapping | list | tuple):
        return "an object" if isinstance(value, Mapping) else "a list"
    return "null" if value is None else "text" if isinstance(value, str) else type(value).__name__


def _show(value: object) -> str:
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    shown = str(value)  # a number of 400 digits is shown by its first ones
    return shown if len(shown) <= 60 else shown[:57] + "..."


def lead_from_payload(raw: Mapping[str, object], *, lead_id: str, received_at: datetime) -> Lead:
    """A scenario's lead, normalised exactly like an intake payload (the same E.164 phones,
    validated emails, ISO codes and numbers), without intake's refusals: a scenario may
    leave out contact details."""
    fields = {key: cleaned for key, value in raw.items() if (cleaned := _clean(value)) is not None}
    _normalize_standard(fields)
    fields["id"] = lead_id
    fields["received_at"] = received_at
    return Lead(id=lead_id, received_at=received_at, fields=fields)
