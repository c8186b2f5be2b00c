"""Pools: every pool with its queue (a rep sees the pools they are a member of); one pool's
waiting leads with a Claim button each (cherry-pick) or only a "Take next" button (blind); a
manager takes a lead on a rep's behalf. Refusals (WIP limit, not a member, someone was faster)
come back from the service as the message on the page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from leadroute.api.auth import Now, Runtime_
from leadroute.domain.pools import DEFAULT_TRIAGE, DEFAULT_UNASSIGNED, TRIAGE, UNASSIGNED
from leadroute.services.pools import claim_lead, claim_next, get_pool, list_pools
from leadroute.services.principals import Role
from leadroute.services.rep_stats import pool_members
from leadroute.services.web_sessions import WebSession
from leadroute.web.render import page, redirect
from leadroute.web.session import Poster, Visitor

router = APIRouter(include_in_schema=False)

Rep = Annotated[str, Form(max_length=100)]
_BUILT_IN = {UNASSIGNED: DEFAULT_UNASSIGNED, TRIAGE: DEFAULT_TRIAGE}


@router.get("/pools")
def pools_page(request: Request, runtime: Runtime_, now: Now, seen: Visitor) -> Response:
    pools = list_pools(runtime=runtime, caller=seen.principal, now=now)["pools"]
    return page(
        request,
        seen,
        "pools.html",
        title="Pools",
        pools=[_described(pool, now) for pool in pools],
        declared=any(not _built_in(pool) for pool in pools),
        is_rep=seen.principal.role is Role.REP,
    )


@router.get("/pools/{name}")
def pool_page(request: Request, name: str, runtime: Runtime_, now: Now, seen: Visitor) -> Response:
    pool = _described(
        get_pool(runtime=runtime, pool_name=name, caller=seen.principal, now=now), now
    )
    can_give = seen.principal.role in (Role.ADMIN, Role.MANAGER) and not pool["managers_only"]
    return page(
        request,
        seen,
        "pool.html",
        title=f"Pool {name}",
        pool=pool,
        is_rep=seen.principal.role is Role.REP,
        members=pool_members(runtime=runtime, pool_name=name) if can_give else [],
    )


@router.post("/pools/{name}/claim/{lead_id}")
def claim(
    name: str,
    lead_id: str,
    runtime: Runtime_,
    now: Now,
    seen: Poster,
    rep: Rep = "",
) -> Response:
    """A rep cherry-picks the lead and goes to it; a manager gives it to the rep they chose
    and stays on the pool."""
    lead = claim_lead(
        runtime=runtime, lead_id=lead_id, caller=seen.principal, now=now, rep_id=rep or None
    )
    return _after_claim(seen, name, lead, "claimed")


@router.post("/pools/{name}/take")
def take_next(name: str, runtime: Runtime_, now: Now, seen: Poster, rep: Rep = "") -> Response:
    lead = claim_next(
        runtime=runtime, pool_name=name, caller=seen.principal, now=now, rep_id=rep or None
    )
    if lead is None:
        return redirect(f"/pools/{name}", f"the pool {name} is empty: nothing to take")
    return _after_claim(seen, name, lead, "took")


def _after_claim(seen: WebSession, pool: str, lead: dict[str, Any], verb: str) -> Response:
    label = lead.get("name") or lead.get("company") or lead["id"]
    if seen.principal.role is Role.REP:
        return redirect(f"/leads/{lead['id']}", f"You {verb} {label} from pool {pool}: it is yours")
    return redirect(f"/pools/{pool}", f"{label} ({lead['id']}) went to {lead['owner']}")


def _described(pool: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The service's view of a pool, with how long its oldest lead has waited (seconds) and
    the words a person reads for its mode."""
    oldest = pool.get("oldest_pooled_at")
    waited = (now - datetime.fromisoformat(oldest)).total_seconds() if oldest else None
    if pool["managers_only"]:
        mode = "managers assign"
    elif pool["visibility"] == "blind":
        mode = "blind"
    else:
        mode = "cherry-pick"
    return {**pool, "waited": waited, "mode": mode}


def _built_in(pool: dict[str, Any]) -> bool:
    """A pool every routing file has (`unassigned`, `triage`) with its default settings."""
    default = _BUILT_IN.get(pool["name"])
    return (
        default is not None
        and list(default.members) == pool["members"]
        and default.managers_only == pool["managers_only"]
        and default.visibility.value == pool["visibility"]
        and default.wip_limit == pool["wip_limit"]
        and pool["claim_ttl"] is None
        and pool["max_wait"] is None
    )
