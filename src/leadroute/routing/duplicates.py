"""Duplicates: the same person submitting again. Matched at intake by normalised email, E.164
phone, or company domain + name, within a look-back window; then either merged into the lead
that exists (`merge`: it becomes an activity of that lead, whose owner keeps it) or linked to
it (`link`: a new lead, routed to the original's owner or pool). Never two reps working the
same person because of a duplicate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from leadroute.domain.decisions import Decision, Said, Written
from leadroute.domain.leads import Lead
from leadroute.routing.accounts import company_domain, company_name_key

MATCHES = ("email", "phone", "company")
MERGE = "merge"
LINK = "link"
CLOSED = frozenset({"won", "lost", "disqualified"})


@dataclass(frozen=True, kw_only=True, slots=True)
class Duplicates:
    """The `duplicates:` section."""

    match: tuple[str, ...] = ("email", "phone")
    within: timedelta = timedelta(days=90)
    policy: str = MERGE


@dataclass(frozen=True, kw_only=True, slots=True)
class Keys:
    """What a lead is matched by (None where the lead has nothing to match on)."""

    email: str | None
    phone: str | None
    company: str | None

    def wanted(self, match: Sequence[str]) -> dict[str, str]:
        """The keys the section matches on that this lead has, by name."""
        values = {"email": self.email, "phone": self.phone, "company": self.company}
        return {name: value for name in match if (value := values[name]) is not None}


@dataclass(frozen=True, kw_only=True, slots=True)
class Original:
    """An earlier lead that shares a key: where it stands now."""

    lead_id: str
    received_at: datetime
    status: str
    owner: str | None
    pool: str | None
    matched: str  # which key: email, phone or company

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED


def keys_of(fields: Mapping[str, object]) -> Keys:
    """Email lower-cased and stripped; phone as normalised (E.164) without spaces; company as
    its web domain and its name without legal suffix (`acme.com|acme`), both needed."""
    email = fields.get("email")
    phone = fields.get("phone")
    domain = company_domain(fields)
    name = company_name_key(fields.get("company"))
    return Keys(
        email=email.strip().casefold() if isinstance(email, str) and "@" in email else None,
        phone="".join(phone.split()) if isinstance(phone, str) and phone.strip() else None,
        company=f"{domain}|{name}" if domain and name else None,
    )


def choose_original(candidates: Sequence[Original]) -> Original | None:
    """The lead a new submission duplicates: the latest open one, else the latest."""
    if not candidates:
        return None
    open_ones = [c for c in candidates if c.is_open]
    return max(open_ones or candidates, key=lambda c: (c.received_at, c.lead_id))


def merges(section: Duplicates, original: Original) -> bool:
    """`merge` folds the submission into an open original; a closed one gets a new lead."""
    return section.policy == MERGE and original.is_open


def linked_decision(lead: Lead, original: Original) -> Decision | None:
    """Under `link`, where the new lead goes: to the original's owner while they work it, or
    to the pool the original waits in; None when the original is closed (route as usual)."""
    if not original.is_open or (original.owner is None and original.pool is None):
        return None
    same = f"same {original.matched} as lead {original.lead_id}"
    if original.owner is not None:
        why = f"{same}, which {original.owner} owns: to {original.owner}"
        return Decision(
            lead_id=lead.id,
            rep=original.owner,
            pool=None,
            rule="duplicate",
            summary=Said(f"duplicate: {why}"),
            steps=(("duplicate", True, Written((why, ()))),),
        )
    why = f"{same}, which waits in pool {original.pool}: to that pool"
    return Decision(
        lead_id=lead.id,
        rep=None,
        pool=original.pool,
        rule="duplicate",
        summary=Said(f"duplicate: {why}"),
        steps=(("duplicate", True, Written((why, ()))),),
    )
