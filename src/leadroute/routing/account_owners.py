"""Who `owner_of: account` may give a lead to: the owner of the known account it matched,
then the owner of an earlier lead of the same domain or company."""

from __future__ import annotations

from collections.abc import Mapping

from leadroute.domain.leads import Lead
from leadroute.domain.reps import Rep
from leadroute.routing.accounts import account_keys
from leadroute.routing.moment import Moment


def account_owners(
    reps: Mapping[str, Rep], owner_of: str, lead: Lead, moment: Moment, listed: tuple[Rep, ...]
) -> tuple[dict[str, str], str]:
    """The reps `owner_of: account` may give the lead to, in order, each with why: the
    owner of the known account the lead matched (routing/account_book.py), then the
    owner of an earlier lead with the same domain or company. Also what to say of an
    owner that cannot be used (none, or not a candidate of the rule)."""
    fields = lead.fields
    owners: dict[str, str] = {}
    said: list[str] = []
    match = moment.ledger.account_match(fields)
    if match is not None:
        account = match.account
        seen = f"account {account.name} ({match.describe()})"
        rep = reps.get(account.owner) if account.owner is not None else None
        if account.owner is None:
            said.append(f"{seen} has no owner")
        elif rep is None or rep not in listed:
            said.append(f"{seen} is owned by {account.owner}, not a candidate")
        else:
            owners[rep.id] = f"owns {seen}"
    owner = moment.ledger.account_owner(account_keys(fields))
    rep = reps.get(owner) if owner is not None else None
    if owner is None:
        if not owners:
            said.append("no earlier lead of this account")
    elif rep is None or rep not in listed:
        said.append(f"account owner {owner} is not a candidate")
    elif rep.id not in owners:
        why = f"owns this account ({owner_of})"
        owners[rep.id] = f"{why}; {'; '.join(said)}" if said else why
    return owners, "; ".join(said)
