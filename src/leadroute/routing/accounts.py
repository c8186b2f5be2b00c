"""Account keys: what makes two leads the same account (company email domain, company name)."""

from __future__ import annotations

import re
from collections.abc import Mapping

FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.com.br", "ymail.com",
        "hotmail.com", "hotmail.co.uk", "hotmail.fr", "outlook.com", "live.com", "msn.com",
        "aol.com", "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com", "gmx.com",
        "gmx.de", "gmx.net", "web.de", "mail.com", "yandex.com", "yandex.ru", "mail.ru",
        "zoho.com", "qq.com", "163.com", "126.com", "uol.com.br", "bol.com.br", "terra.com.br",
        "libero.it", "orange.fr", "free.fr", "laposte.net", "t-online.de", "fastmail.com",
        "hey.com", "tutanota.com", "rediffmail.com",
    }
)  # fmt: skip

_LEGAL_SUFFIXES = frozenset(
    {
        "inc", "incorporated", "llc", "ltd", "limited", "corp", "corporation", "co", "company",
        "gmbh", "ag", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "plc", "pty", "oy", "ab",
        "as", "kg", "lda", "ltda", "me", "eireli", "group", "holding", "holdings",
    }
)  # fmt: skip
_NON_WORD = re.compile(r"[^\w]+")


def company_domain(fields: Mapping[str, object]) -> str | None:
    """The lead's company domain: `domain`, else the email's domain; None for free-mail."""
    domain = fields.get("domain")
    if not isinstance(domain, str) or not domain.strip():
        email = fields.get("email")
        if not isinstance(email, str) or "@" not in email:
            return None
        domain = email.rsplit("@", 1)[1]
    domain = domain.strip().lower().removeprefix("www.")
    return None if not domain or domain in FREE_MAIL_DOMAINS else domain


def company_name_key(name: object) -> str | None:
    """`ACME, Inc.` and `Acme Inc` give the same key; legal suffixes and punctuation drop."""
    if not isinstance(name, str):
        return None
    words = [w for w in _NON_WORD.split(name.casefold()) if w]
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words) or None


def account_keys(fields: Mapping[str, object]) -> tuple[str, ...]:
    """Keys under which a lead's account owner is recorded and looked up, strongest first."""
    keys: list[str] = []
    domain = company_domain(fields)
    if domain:
        keys.append(f"domain:{domain}")
    name = company_name_key(fields.get("company"))
    if name:
        keys.append(f"company:{name}")
    return tuple(keys)
