"""Accounts: companies with their web domains and owner rep, for `assign: {owner_of: account}`.

An account is created, changed and deleted here (by the API, the CLI or a CSV import, see
services/account_imports.py); each change raises `routing_state.accounts_revision` so every
process rebuilds its cached account book (storage/accounts.py). `match_for` finds the account a
lead belongs to, the way the engine does (routing/account_book.py, docs/ACCOUNTS.md).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from leadroute.domain.errors import InvalidInput, Problem
from leadroute.routing.account_book import DEFAULT_THRESHOLD, AccountMatch
from leadroute.routing.accounts import FREE_MAIL_DOMAINS, clean_domain, company_name_key
from leadroute.services.errors import Conflict, NotFound
from leadroute.services.principals import Principal
from leadroute.services.runtime import Runtime
from leadroute.storage.accounts import find_account, touch_accounts
from leadroute.storage.owners import log
from leadroute.storage.tables import AccountDomain, AccountRow, LeadRow

Entry = dict[str, Any]
FIELDS = ("name", "domains", "owner", "external_id")
_ID_LENGTH, _NAME_LENGTH, _EXTERNAL_LENGTH = 64, 300, 200


def match_for(
    session: Session, fields: Mapping[str, object], *, threshold: float = DEFAULT_THRESHOLD
) -> AccountMatch | None:
    """The account the lead with these (normalised) fields belongs to, or None: by domain,
    else by company name at or above `threshold` (docs/ACCOUNTS.md). Reads only."""
    return find_account(session, fields, threshold=threshold)


def list_accounts(
    *, runtime: Runtime, search: str | None = None, limit: int = 100, offset: int = 0
) -> dict[str, Any]:
    """Accounts by name (then id), `limit` from `offset`; `search` keeps those whose name,
    domain list or external id contains it (case-insensitive)."""
    query = select(AccountRow)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(AccountRow.name).like(pattern),
                AccountRow.name_key.like(pattern),
                func.lower(AccountRow.external_id).like(pattern),
                AccountRow.id.in_(
                    select(AccountDomain.account_id).where(AccountDomain.domain.like(pattern))
                ),
            )
        )
    with runtime.database.reading() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(
            query.order_by(AccountRow.name_key, AccountRow.id).limit(limit).offset(offset)
        )
        return {"total": total, "accounts": [account_view(row) for row in rows]}


def get_account(*, runtime: Runtime, account_id: str) -> dict[str, Any]:
    with runtime.database.reading() as session:
        return account_view(_row(session, account_id))


def create_account(
    *, runtime: Runtime, entry: Entry, caller: Principal, now: datetime
) -> dict[str, Any]:
    """Store a new account. `entry` has `name` and may have `id` (made up when missing),
    `domains`, `owner` (a rep of the routing in force) and `external_id`. InvalidInput (422)
    names each bad field; Conflict (409) when the id, the external id or a domain is taken."""
    with runtime.database.writing() as session:
        row = save_account(session, runtime, None, entry, actor=caller.actor, now=now)
        return account_view(row)


def update_account(
    *, runtime: Runtime, account_id: str, changes: Entry, caller: Principal, now: datetime
) -> dict[str, Any]:
    """Change the fields present in `changes` (`owner` or `external_id` null clears them;
    `domains` replaces the whole list). The id cannot change."""
    if "id" in changes and changes["id"] != account_id:
        raise InvalidInput([Problem(path="id", message="an account's id cannot change")])
    with runtime.database.writing() as session:
        row = _row(session, account_id)
        merged = {**_entry(row), **{k: v for k, v in changes.items() if k != "id"}}
        return account_view(save_account(session, runtime, row, merged, caller.actor, now))


def delete_account(*, runtime: Runtime, account_id: str, caller: Principal, now: datetime) -> None:
    """Delete the account and its domains; leads that pointed at it keep no account."""
    with runtime.database.writing() as session:
        row = _row(session, account_id)
        session.execute(delete(AccountDomain).where(AccountDomain.account_id == account_id))
        session.execute(
            update(LeadRow).where(LeadRow.account_id == account_id).values(account_id=None)
        )
        session.delete(row)
        touch_accounts(session)
        log(session, "account.deleted", at=now, actor=caller.actor, data=_entry(row))


def save_account(
    session: Session,
    runtime: Runtime,
    row: AccountRow | None,
    entry: Mapping[str, Any],
    actor: str,
    now: datetime,
) -> AccountRow:
    """Check `entry` (every field, as for create) and write it to `row`, or to a new row when
    None, with its domains; raises before writing anything. The caller holds `writing()`."""
    values = _checked(session, runtime, entry, row)
    if row is None:
        row = AccountRow(id=values.pop("id"), created_at=now)
        session.add(row)
        kind = "account.created"
    else:
        values.pop("id", None)
        kind = "account.updated"
        session.execute(delete(AccountDomain).where(AccountDomain.account_id == row.id))
    row.name, row.name_key = values["name"], values["name_key"]
    row.domains, row.owner = values["domains"], values["owner"]
    row.external_id, row.updated_at = values["external_id"], now
    session.flush()
    session.add_all(AccountDomain(domain=domain, account_id=row.id) for domain in row.domains)
    touch_accounts(session)
    log(session, kind, at=now, actor=actor, data=_entry(row))
    return row


def same_values(row: AccountRow, entry: Mapping[str, Any]) -> bool:
    """Whether saving `entry` would leave the row as it is (domains compared cleaned)."""
    domains = entry.get("domains") or []
    cleaned = [clean_domain(d) or d for d in domains] if isinstance(domains, list) else domains
    return (
        entry.get("name") == row.name
        and cleaned == row.domains
        and entry.get("owner") == row.owner
        and entry.get("external_id") == row.external_id
    )


def account_view(row: AccountRow) -> dict[str, Any]:
    """An account as the API shows it."""
    return {
        **_entry(row),
        "id": row.id,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


def match_view(match: AccountMatch | None) -> dict[str, Any] | None:
    """A match as the API shows it: the account, how, score and the texts compared."""
    if match is None:
        return None
    account = match.account
    return {
        "account": {"id": account.id, "name": account.name, "owner": account.owner},
        "how": match.how,
        "score": match.score,
        "text": match.text,
        "matched": match.matched,
        "describe": match.describe(),
    }


def _row(session: Session, account_id: str) -> AccountRow:
    row = session.get(AccountRow, account_id)
    if row is None:
        raise NotFound(f"no account {account_id}")
    return row


def _entry(row: AccountRow) -> Entry:
    return {
        "id": row.id,
        "name": row.name,
        "domains": list(row.domains),
        "owner": row.owner,
        "external_id": row.external_id,
    }


def _checked(
    session: Session, runtime: Runtime, entry: Mapping[str, Any], row: AccountRow | None
) -> Entry:
    problems: list[Problem] = []
    unknown = [key for key in entry if key not in (*FIELDS, "id")]
    problems += [Problem(path=key, message="unknown field") for key in unknown]
    account_id = row.id if row is not None else _new_id(entry.get("id"), problems)
    name = _text(entry.get("name"), "name", _NAME_LENGTH, problems, required=True) or ""
    external_id = _text(entry.get("external_id"), "external_id", _EXTERNAL_LENGTH, problems)
    owner = _text(entry.get("owner"), "owner", 100, problems)
    if owner is not None and owner not in _rep_ids(session, runtime):
        problems.append(Problem(path="owner", message=f"unknown rep {owner}"))
    domains = _domains(entry.get("domains"), problems)
    if problems:
        raise InvalidInput(problems)
    _refuse_taken(session, account_id, external_id, domains, is_new=row is None)
    return {
        "id": account_id,
        "name": name,
        "name_key": company_name_key(name) or "",
        "domains": domains,
        "owner": owner,
        "external_id": external_id,
    }


def _new_id(value: object, problems: list[Problem]) -> str:
    if value is None:
        return f"acc_{secrets.token_hex(6)}"
    if not isinstance(value, str) or not value.strip() or len(value) > _ID_LENGTH:
        problems.append(Problem(path="id", message=f"expected a text of 1 to {_ID_LENGTH}"))
        return ""
    if any(char.isspace() for char in value):
        problems.append(Problem(path="id", message="must not contain spaces"))
    return value


def _text(
    value: object, path: str, limit: int, problems: list[Problem], *, required: bool = False
) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(Problem(path=path, message="required"))
        return None
    if not isinstance(value, str):
        problems.append(Problem(path=path, message="expected a text"))
        return ""
    text = value.strip()
    if len(text) > limit:
        problems.append(Problem(path=path, message=f"longer than {limit} characters"))
    return text


def _domains(value: object, problems: list[Problem]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(Problem(path="domains", message="expected a list of domains"))
        return []
    domains: list[str] = []
    for index, item in enumerate(value):
        path = f"domains[{index}]"
        domain = clean_domain(item)
        if domain is None or len(domain) > 253:
            problems.append(Problem(path=path, message=f"{item!r} is not a domain"))
        elif domain in FREE_MAIL_DOMAINS:
            problems.append(
                Problem(path=path, message=f"{domain} is a free-mail domain: it names no company")
            )
        elif domain not in domains:
            domains.append(domain)
    return domains


def _rep_ids(session: Session, runtime: Runtime) -> frozenset[str]:
    try:
        return frozenset(runtime.routing(session).router.reps)
    except NotFound:
        return frozenset()


def _refuse_taken(
    session: Session,
    account_id: str,
    external_id: str | None,
    domains: list[str],
    *,
    is_new: bool,
) -> None:
    if is_new and session.get(AccountRow, account_id) is not None:
        raise Conflict(f"account {account_id} exists already", account=account_id)
    if external_id is not None:
        holder = session.scalar(
            select(AccountRow.id).where(
                AccountRow.external_id == external_id, AccountRow.id != account_id
            )
        )
        if holder is not None:
            raise Conflict(f"external_id {external_id} belongs to account {holder}", account=holder)
    if domains:
        held = session.execute(
            select(AccountDomain.domain, AccountDomain.account_id).where(
                AccountDomain.domain.in_(domains), AccountDomain.account_id != account_id
            )
        ).first()
        if held is not None:
            raise Conflict(f"domain {held[0]} belongs to account {held[1]}", account=held[1])
