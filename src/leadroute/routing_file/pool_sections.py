"""The `pools:` section: members, order, claim and wait times, escalation; and the rule that
triage is for managers only.

Functions of the Builder (routing_file/building.py), which collects the problems.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from leadroute.domain.errors import join_path
from leadroute.domain.pools import TRIAGE, Pool
from leadroute.routing.config import Rule
from leadroute.routing_file.schema import AssignSchema, PoolSchema

if TYPE_CHECKING:
    from leadroute.routing_file.building import Builder


def pool_of(builder: Builder, name: str, spec: PoolSchema) -> Pool:
    path = join_path("pools", name)
    for index, member in enumerate(spec.members):
        _member(builder, member, join_path(join_path(path, "members"), index))
    if spec.managers_only and spec.members:
        builder.problem(join_path(path, "members"), "a managers_only pool has no rep members")
    max_wait = builder.positive(spec.max_wait, join_path(path, "max_wait"))
    if spec.escalate is not None:
        where = join_path(path, "escalate")
        if max_wait is None:
            builder.problem(where, "escalate needs max_wait (how long a lead may wait)")
        _escalation(builder, name, spec.escalate, where)
    return Pool(
        name=name,
        members=tuple(spec.members),
        order=spec.order,
        visibility=spec.visibility,
        wip_limit=spec.wip_limit,
        claim_ttl=builder.positive(spec.claim_ttl, join_path(path, "claim_ttl")),
        max_wait=max_wait,
        managers_only=spec.managers_only,
    )


def _escalation(builder: Builder, pool: str, spec: object, path: str) -> None:
    """`escalate: report` (the default: tell managers) or `escalate: {assign: {...}}`."""
    if spec == "report":
        return
    if not (isinstance(spec, dict) and set(spec) == {"assign"}):
        builder.problem(path, f"expected 'report' or {{assign: {{...}}}}, got {spec!r}")
        return
    assign = builder.part(AssignSchema, spec["assign"], join_path(path, "assign"))
    if assign is not None:
        builder.escalations[pool] = Rule(
            name=f"pool {pool} escalation",
            assign=builder.assign_of(assign, join_path(path, "assign")),
        )


def triage_is_for_managers(builder: Builder, pools: dict[str, Pool], rules: Sequence[Rule]) -> None:
    if any(rule.pool == TRIAGE for rule in rules) and not pools[TRIAGE].managers_only:
        builder.problem(
            join_path("pools", TRIAGE),
            "triage sends leads here for managers to assign: set managers_only: true",
        )


def _member(builder: Builder, member: str, path: str) -> None:
    if member.startswith("team:"):
        builder.known(member[5:], builder.teams, path, "team")
    else:
        builder.known(member, builder.rep_ids, path, "rep")
