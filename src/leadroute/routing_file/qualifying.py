"""The sections that run before routing: `scoring:` (points for fields and activities,
grades), `qualify:` (disqualification rules, the nurture threshold) and `duplicates:` (what a
repeated submission is matched by, how far back, merge or link), each problem with its path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadroute.domain.errors import join_path
from leadroute.routing.duplicates import MATCHES, Duplicates
from leadroute.routing.qualify import Disqualifier, Qualification
from leadroute.routing_file.durations import bounded_duration
from leadroute.routing_file.schema import (
    ActivityPointsSchema,
    DisqualifySchema,
    DuplicatesSchema,
    PointsRuleSchema,
    QualifySchema,
    ScoringSchema,
)
from leadroute.rules.parsing import suggest
from leadroute.scoring.points import ACTIVITY_TYPES, ActivityRule, PointsRule, Scoring

if TYPE_CHECKING:
    from leadroute.routing_file.building import Builder


def build_scoring(builder: Builder, spec: ScoringSchema | None) -> Scoring:
    """`rules` items are `{when, points}` or `{activity, points, decay_per_day}`."""
    if spec is None:
        return Scoring()
    points: list[PointsRule] = []
    activities: list[ActivityRule] = []
    for index, raw in enumerate(spec.rules):
        path = join_path("scoring.rules", index)
        if isinstance(raw, dict) and "activity" in raw:
            rule = builder.part(ActivityPointsSchema, raw, path)
            if rule is None:
                continue
            if rule.activity not in ACTIVITY_TYPES:
                builder.problem(
                    join_path(path, "activity"),
                    f"unknown activity {rule.activity!r}{suggest(rule.activity, ACTIVITY_TYPES)}"
                    f" (activities: {', '.join(ACTIVITY_TYPES)})",
                )
                continue
            activities.append(
                ActivityRule(
                    activity=rule.activity, points=rule.points, decay_per_day=rule.decay_per_day
                )
            )
            continue
        fit = builder.part(PointsRuleSchema, raw, path)
        if fit is not None:
            points.append(
                PointsRule(when=builder.when(fit.when, join_path(path, "when")), points=fit.points)
            )
    grades = tuple(sorted(spec.grades.items(), key=lambda item: -item[1]))
    return Scoring(rules=tuple(points), activities=tuple(activities), grades=grades)


def build_qualify(builder: Builder, raw: object) -> Qualification | None:
    if raw is None:
        return None
    spec = builder.part(QualifySchema, raw, "qualify")
    if spec is None:
        return None
    rules: list[Disqualifier] = []
    for index, item in enumerate(spec.disqualify):
        path = join_path("qualify.disqualify", index)
        rule = builder.part(DisqualifySchema, item, path)
        if rule is not None:
            rules.append(
                Disqualifier(name=rule.name, when=builder.when(rule.when, join_path(path, "when")))
            )
    if spec.nurture_below is not None and spec.nurture_pool not in builder.declared_pools:
        builder.problem(
            "qualify.nurture_pool",
            f"pool {spec.nurture_pool!r} is not declared under pools: add it (who may pull "
            f"nurture leads, in which order){suggest(spec.nurture_pool, builder.declared_pools)}",
        )
    return Qualification(
        disqualify=tuple(rules),
        nurture_below=spec.nurture_below,
        nurture_pool=spec.nurture_pool,
    )


def build_duplicates(builder: Builder, raw: object) -> Duplicates | None:
    if raw is None:
        return None
    spec = builder.part(DuplicatesSchema, raw, "duplicates")
    if spec is None:
        return None
    for index, name in enumerate(spec.match):
        if name not in MATCHES:
            builder.problem(
                join_path("duplicates.match", index),
                f"cannot match on {name!r}{suggest(name, MATCHES)} (choose from "
                f"{', '.join(MATCHES)})",
            )
    try:
        within = bounded_duration(spec.within)
    except ValueError as error:
        builder.problem("duplicates.within", str(error))
        within = Duplicates().within
    return Duplicates(match=tuple(dict.fromkeys(spec.match)), within=within, policy=spec.policy)
