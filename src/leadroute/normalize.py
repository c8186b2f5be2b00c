"""Turn a raw lead payload into the normalised fields the engine reads."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from leadroute.domain.leads import Lead
from leadroute.geo import country_code, language_code, subdivision_code


def normalize_fields(raw: Mapping[str, object]) -> dict[str, object]:
    """Trimmed strings, lower-case email and domain, ISO country/region/language codes.

    Values that cannot be normalised are kept as given, so nothing the sender wrote is lost.
    """
    fields: dict[str, object] = {
        str(k): (v.strip() if isinstance(v, str) else v) for k, v in raw.items()
    }
    email = fields.get("email")
    if isinstance(email, str) and email:
        fields["email"] = email.lower()
        if "@" in email and not fields.get("domain"):
            fields["domain"] = email.rsplit("@", 1)[1].lower()
    domain = fields.get("domain")
    if isinstance(domain, str):
        fields["domain"] = domain.lower().removeprefix("www.")
    country = fields.get("country")
    code = country_code(country) if isinstance(country, str) else None
    if code:
        fields["country"] = code
    region = fields.get("region")
    if isinstance(region, str) and region:
        sub = subdivision_code(region, code)
        if sub:
            fields["region"] = sub
            if not code:
                fields["country"] = sub.split("-", 1)[0]
    language = fields.get("language")
    if isinstance(language, str) and language:
        fields["language"] = language_code(language) or language.lower()
    return fields


def lead_from_payload(raw: Mapping[str, object], *, lead_id: str, received_at: datetime) -> Lead:
    fields = normalize_fields(raw)
    fields["id"] = lead_id
    fields["received_at"] = received_at
    return Lead(id=lead_id, received_at=received_at, fields=fields)
