"""Territories: ISO 3166-1 countries (`BR`) and ISO 3166-2 subdivisions (`US-FL`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True, slots=True)
class Territory:
    """A country, or a subdivision of one. Codes are upper case ISO codes."""

    country: str
    subdivision: str | None = None

    @property
    def code(self) -> str:
        return self.subdivision or self.country

    @property
    def specificity(self) -> int:
        """2 for a subdivision, 1 for a whole country: the more specific territory wins."""
        return 2 if self.subdivision else 1

    def contains(self, country: str | None, region: str | None) -> bool:
        if self.subdivision:
            return region == self.subdivision
        return country == self.country


def territory_from_code(code: str) -> Territory:
    """`US-FL` -> subdivision of US; `BR` -> country. The code must already be normalised."""
    upper = code.upper()
    country, dash, _ = upper.partition("-")
    return Territory(country=country, subdivision=upper if dash else None)
