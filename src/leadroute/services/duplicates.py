"""Duplicates at intake (routing/duplicates.py): find the lead a submission repeats, merge the
submission into it, or link a new lead to it and route that to the original's owner."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from leadroute.normalize import Normalized
from leadroute.routing.duplicates import Duplicates, Keys, Original, choose_original
from leadroute.services.activities import promote, rescore
from leadroute.services.runtime import Routing
from leadroute.storage.owners import log
from leadroute.storage.tables import ActivityRow, LeadRow

_CANDIDATES = 20
_COLUMNS = {"email": LeadRow.email_key, "phone": LeadRow.phone_key, "company": LeadRow.company_key}


def find_original(
    session: Session, keys: Keys, section: Duplicates, *, now: datetime
) -> Original | None:
    """The latest open lead received within the look-back window that shares a key (else
    the latest closed one), or None."""
    wanted = keys.wanted(section.match)
    if not wanted:
        return None
    rows = session.scalars(
        select(LeadRow)
        .where(
            or_(*(_COLUMNS[name] == value for name, value in wanted.items())),
            LeadRow.received_at >= now - section.within,
        )
        .order_by(LeadRow.received_at.desc())
        .limit(_CANDIDATES)
    ).all()
    candidates = []
    for row in rows:
        matched = next(
            name for name, value in wanted.items() if getattr(row, f"{name}_key") == value
        )
        candidates.append(
            Original(
                lead_id=row.id,
                received_at=row.received_at,
                status=row.status,
                owner=row.owner,
                pool=row.pool,
                matched=matched,
            )
        )
    return choose_original(candidates)


def merge_submission(
    session: Session,
    routing: Routing,
    original: Original,
    normalized: Normalized,
    *,
    now: datetime,
    actor: str,
) -> dict[str, Any]:
    """The submission becomes a `form_submitted` activity of the original lead, whose owner
    keeps it (and is told, in the timeline); the lead is re-scored and may leave nurture."""
    row = session.get(LeadRow, original.lead_id)
    assert row is not None, "the original was just read"
    source = normalized.fields.get("source")
    session.add(
        ActivityRow(
            lead_id=row.id,
            type="form_submitted",
            at=now,
            source=str(source) if source is not None else None,
            data={"submission": normalized.raw, "merged": True},
        )
    )
    session.flush()
    rescore(session, routing, row, now=now)
    keeper = f"; {row.owner} keeps it" if row.owner else ""
    log(
        session,
        "lead.merged",
        at=now,
        actor=actor,
        lead_id=row.id,
        rep_id=row.owner,
        reason=f"submitted again (same {original.matched}): merged into this lead{keeper}",
        data={"matched": original.matched, "submission": normalized.raw},
    )
    promote(session, routing, row, now=now, actor=actor)
    return {
        "id": row.id,
        "status": row.status,
        "owner": row.owner,
        "pool": row.pool,
        "score": row.score,
        "grade": row.grade,
        "issues": list(normalized.issues),
        "duplicate": {"of": row.id, "matched": original.matched, "policy": "merge"},
        "decision": None,
    }
