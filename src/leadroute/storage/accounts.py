"""Accounts in the database: rows to `Account` values, and finding a lead's account.

Domain matches are read with one indexed query (`account_domains` is keyed by domain), so a lead
with a company domain never needs the whole book. Name matches need every account name: the
compiled `AccountBook` is cached per process and per database (engine), stamped with
`routing_state.accounts_revision`. Every change to `accounts` goes through `touch_accounts`,
which raises that number in the writer's transaction; a reader compares the number its own
transaction sees with the cached book's and rebuilds the book when they differ. So every process
(several app and worker processes may share one PostgreSQL database) sees a change at its next
transaction, and never a book newer or older than its snapshot.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from weakref import WeakKeyDictionary

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from leadroute.routing.account_book import (
    DEFAULT_THRESHOLD,
    Account,
    AccountBook,
    AccountMatch,
    domain_and_parents,
)
from leadroute.routing.accounts import company_domain, company_name_key
from leadroute.storage.state import forget, stamp_of
from leadroute.storage.tables import AccountDomain, AccountRow, RoutingState

_books: WeakKeyDictionary[Engine, dict[float, tuple[int, AccountBook]]] = WeakKeyDictionary()
_lock = threading.Lock()


def to_account(row: AccountRow) -> Account:
    return Account(id=row.id, name=row.name, domains=tuple(row.domains), owner=row.owner)


def accounts_revision(session: Session) -> int:
    """The number every change to accounts raises (0 before any)."""
    stamped = stamp_of(session)
    if stamped is not None:
        return stamped.accounts_revision
    return session.scalar(select(RoutingState.accounts_revision).where(RoutingState.id == 1)) or 0


def touch_accounts(session: Session) -> None:
    """Record that accounts changed in this transaction: cached books are stale once it commits."""
    session.execute(
        update(RoutingState)
        .where(RoutingState.id == 1)
        .values(accounts_revision=RoutingState.accounts_revision + 1)
    )
    forget(session)


def account_book(session: Session, *, threshold: float = DEFAULT_THRESHOLD) -> AccountBook:
    """Every account as a book, compiled once per process while accounts do not change."""
    engine = session.get_bind().engine
    revision = accounts_revision(session)
    with _lock:
        cached = _books.get(engine, {}).get(threshold)
    if cached is not None and cached[0] == revision:
        return cached[1]
    rows = session.scalars(select(AccountRow).order_by(AccountRow.id))
    book = AccountBook((to_account(row) for row in rows), threshold=threshold)
    with _lock:
        books = _books.setdefault(engine, {})
        held = books.get(threshold)
        # A transaction with an older snapshot must not replace a newer book.
        if held is None or held[0] <= revision:
            books[threshold] = (revision, book)
    return book


def find_account(
    session: Session, fields: Mapping[str, object], *, threshold: float = DEFAULT_THRESHOLD
) -> AccountMatch | None:
    """The lead's account, as `AccountBook.match` finds it: by domain (an indexed lookup of
    the domain and its parents), else by company name (the cached book)."""
    domain = company_domain(fields)
    if domain is not None:
        candidates = domain_and_parents(domain)
        rows = session.execute(
            select(AccountDomain.domain, AccountRow)
            .join(AccountRow, AccountRow.id == AccountDomain.account_id)
            .where(AccountDomain.domain.in_(candidates))
        ).all()
        found: dict[str, AccountRow] = dict(rows)
        for candidate in candidates:
            if candidate in found:
                return AccountMatch(
                    account=to_account(found[candidate]),
                    how="domain",
                    score=100.0,
                    text=domain,
                    matched=candidate,
                )
    if company_name_key(fields.get("company")) is None:
        return None
    return account_book(session, threshold=threshold).match_name(fields)
