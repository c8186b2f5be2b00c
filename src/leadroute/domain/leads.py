"""Leads: a person or company that asked to be contacted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

STANDARD_FIELDS: tuple[str, ...] = (
    "id",
    "received_at",
    "source",
    "name",
    "email",
    "phone",
    "company",
    "domain",
    "country",
    "region",
    "city",
    "postal_code",
    "industry",
    "company_size",
    "product",
    "language",
    "budget",
    "timeframe",
    "need",
    "score",
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Lead:
    """A lead as the engine sees it: normalised fields (standard and custom) by name.

    `fields` holds every field including `id`; conditions read it by name.
    """

    id: str
    received_at: datetime
    fields: Mapping[str, object]

    def get(self, name: str) -> object:
        return self.fields.get(name)
