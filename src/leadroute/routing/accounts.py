"""Account keys: what makes two leads the same account (company email domain, company name).

Domains are compared lower-cased without a scheme, `www.`, port, path or trailing dot; free-mail
domains (gmail.com, ...) never name a company. Company names are compared by `company_name_key`:
case and accents folded (`Müller` is `muller`), punctuation dropped, dotted abbreviations joined
(`S.A.` is `sa`), then trailing legal suffixes removed (`Acme Holdings Ltd.` is `acme`).
"""

from __future__ import annotations

import re
import unicodedata
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

# Removed from the end of a name only, and never its first word. `de` and `cv` end Mexican
# `S.A. de C.V.`. Besides, `and` is dropped anywhere (`Smith and Sons` is `Smith & Sons`) and
# `the` at the start.
_LEGAL_SUFFIXES = frozenset(
    {
        "inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "corp", "corporation", "co",
        "company", "gmbh", "mbh", "ag", "kg", "kgaa", "ug", "ev", "sa", "sas", "sarl", "srl",
        "spa", "sl", "slu", "bv", "nv", "plc", "pty", "oy", "oyj", "ab", "as", "asa", "aps",
        "lda", "ltda", "me", "eireli", "kk", "cv", "de", "group", "holding", "holdings",
    }
)  # fmt: skip
_NON_WORD = re.compile(r"[\W_]+")
# `s.a.`, `s. a.`, `s.p.a.`, `n.v.`: letters each followed by a dot, two or more in a row.
_DOTTED = re.compile(r"(?<!\w)(?:[^\W\d_]\.\s?){2,}")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def fold(text: str) -> str:
    """Case and accents folded: `Müller` and `MULLER` both give `muller`."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def clean_domain(text: object) -> str | None:
    """`https://www.Acme.com:443/about` gives `acme.com`; None when nothing domain-like is
    left (no dot, spaces inside)."""
    if not isinstance(text, str):
        return None
    domain = _SCHEME.sub("", text.strip().lower())
    domain = domain.rsplit("@", 1)[-1].split("/", 1)[0].split(":", 1)[0].strip().rstrip(".")
    domain = domain.removeprefix("www.")
    if "." not in domain or any(char.isspace() for char in domain) or ".." in domain:
        return None
    return domain


def company_domain(fields: Mapping[str, object]) -> str | None:
    """The lead's company domain: `domain` (a bare domain or a web address), else the email's
    domain; None for free-mail."""
    domain = clean_domain(fields.get("domain"))
    if domain is None:
        email = fields.get("email")
        if not isinstance(email, str) or "@" not in email:
            return None
        domain = clean_domain(email.rsplit("@", 1)[1])
    return None if domain is None or domain in FREE_MAIL_DOMAINS else domain


def company_name_key(name: object) -> str | None:
    """`ACME, Inc.` and `Acme Inc` give the same key; legal suffixes and punctuation drop."""
    if not isinstance(name, str):
        return None
    text = _DOTTED.sub(_joined, fold(name))
    words = [w for w in _NON_WORD.split(text) if w and w != "and"]
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    if len(words) > 1 and words[0] == "the":
        del words[0]
    return " ".join(words) or None


def _joined(found: re.Match[str]) -> str:
    return found.group().replace(".", "").replace(" ", "") + " "


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
