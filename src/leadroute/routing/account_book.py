"""The account book: known accounts (name, web domains, owner), and which one a lead is from.

`AccountBook.match` tries, strongest first, and the first kind that finds an account decides:

1. **Exact domain** (score 100): the lead's company domain (its `domain` field, else its
   email's domain; `www.` dropped; never a free-mail domain such as gmail.com) is one of an
   account's domains.
2. **Parent domain** (score 100): a subdomain belongs to the account of its nearest listed
   parent: `mail.acme.com` and `eu.mail.acme.com` to `acme.com` (`mail.acme.com` first, when an
   account lists it). Never a one-label parent (`com`) or a free-mail one. The reverse does not
   hold: a lead on `acme.com` is not an account listing only `shop.acme.com`.
3. **Company name** (score 0-100): the lead's `company` against every account name, both as
   `company_name_key` forms (case, accents, punctuation and legal suffixes gone: `ACME, Inc.`,
   `Acme Inc` and `Acme S.A.` are all `acme`), scored by rapidfuzz `token_sort_ratio` (word
   order ignored). The highest score at or above the threshold (default 90) wins; an equal key
   scores 100. Extra words cost a lot (`Acme` against `Acme Widgets` is 50), so companies
   sharing a word stay apart.

An exact or parent domain match beats any name match, even when that account has no owner (the
engine then says so and falls back to earlier leads' owners). Between accounts that tie (the
same domain listed twice, or equal name scores): the account with an owner, then the lowest id
(text order). The book is pure and immutable: build it once per set of accounts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from leadroute.routing.accounts import (
    FREE_MAIL_DOMAINS,
    clean_domain,
    company_domain,
    company_name_key,
)

DEFAULT_THRESHOLD = 90.0
How = Literal["domain", "name"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Account:
    """A known account. `domains` are clean (`acme.com`); `owner` is a rep id or None."""

    id: str
    name: str
    domains: tuple[str, ...] = ()
    owner: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class AccountMatch:
    """The account a lead was matched to: `how` (by domain or by name), the score (100 for a
    domain), `text` (the lead's domain or company as it came) and `matched` (the account's
    domain or name it matched)."""

    account: Account
    how: How
    score: float
    text: str
    matched: str

    def describe(self) -> str:
        """`domain acme.com`, `domain mail.acme.com under acme.com` or `name match 96`."""
        if self.how == "name":
            return f"name match {self.score:g}"
        if self.text == self.matched:
            return f"domain {self.text}"
        return f"domain {self.text} under {self.matched}"


def _rank(account: Account) -> tuple[bool, str]:
    """Sorts the preferred account of a tie first: one with an owner, then the lowest id."""
    return account.owner is None, account.id


class AccountBook:
    """Accounts indexed by domain and by name key, built once; `match` finds a lead's account."""

    def __init__(self, accounts: Iterable[Account], *, threshold: float = DEFAULT_THRESHOLD):
        if not 0 < threshold <= 100:
            raise ValueError(f"threshold must lie in (0, 100], got {threshold}")
        self.threshold = threshold
        self._domains: dict[str, Account] = {}
        names: dict[str, Account] = {}
        self._size = 0
        for account in accounts:
            self._size += 1
            for text in account.domains:
                domain = clean_domain(text)
                if domain is None or domain in FREE_MAIL_DOMAINS:
                    continue
                if domain not in self._domains or _rank(account) < _rank(self._domains[domain]):
                    self._domains[domain] = account
            key = company_name_key(account.name)
            if key is not None and (key not in names or _rank(account) < _rank(names[key])):
                names[key] = account
        self._names = names
        self._keys = list(names)

    def __len__(self) -> int:
        return self._size

    def match(self, fields: Mapping[str, object]) -> AccountMatch | None:
        """The lead's account by domain, else by company name (see the module docstring for
        the order and the tie-breaks); None when nothing reaches the threshold."""
        return self.match_domain(fields) or self.match_name(fields)

    def match_domain(self, fields: Mapping[str, object]) -> AccountMatch | None:
        """The account of the lead's company domain or of its nearest parent domain."""
        domain = company_domain(fields)
        if domain is None:
            return None
        for candidate in domain_and_parents(domain):
            account = self._domains.get(candidate)
            if account is not None:
                return AccountMatch(
                    account=account, how="domain", score=100.0, text=domain, matched=candidate
                )
        return None

    def match_name(self, fields: Mapping[str, object]) -> AccountMatch | None:
        """The account whose name scores highest against the lead's `company`, at or above
        the threshold."""
        company = fields.get("company")
        key = company_name_key(company)
        if key is None or not isinstance(company, str):
            return None
        exact = self._names.get(key)
        if exact is not None:
            return _named(exact, 100.0, company)
        found = process.extract(
            key,
            self._keys,
            scorer=fuzz.token_sort_ratio,
            processor=None,
            score_cutoff=self.threshold,
            limit=None,
        )
        if not found:
            return None
        best = min(found, key=lambda hit: (-hit[1], _rank(self._names[hit[0]])))
        return _named(self._names[best[0]], best[1], company)


def domain_and_parents(domain: str) -> tuple[str, ...]:
    """`eu.mail.acme.com` gives itself, `mail.acme.com`, `acme.com`: nearest first, never a
    one-label parent nor a free-mail one."""
    labels = domain.split(".")
    found = [domain]
    for start in range(1, len(labels) - 1):
        parent = ".".join(labels[start:])
        if parent not in FREE_MAIL_DOMAINS:
            found.append(parent)
    return tuple(found)


def _named(account: Account, score: float, company: str) -> AccountMatch:
    return AccountMatch(
        account=account, how="name", score=round(score, 1), text=company, matched=account.name
    )
