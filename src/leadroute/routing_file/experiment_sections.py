"""The `flows:` section (named alternative rule lists), `experiments:` (A/B tests of routing
between two flows) and `reports:` (cost per lead, lifetime value field).

Functions of the Builder (routing_file/building.py), which collects the problems.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo
from typing import TYPE_CHECKING, Any

from leadroute.domain.errors import join_path
from leadroute.routing.config import Reporting, Rule
from leadroute.routing.experiments import Experiment
from leadroute.routing.flows import HANDOFF, MAIN
from leadroute.routing_file.schema import ExperimentSchema, ReportsSchema

if TYPE_CHECKING:
    from leadroute.routing_file.building import Builder

_FLOW_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def build_flows(
    builder: Builder, flows: dict[str, Any]
) -> tuple[dict[str, tuple[Rule, ...]], list[tuple[str, str]]]:
    """`flows: {NAME: [rules]}`: each a list of rules like `routing:`, ending in the main
    fallback. Returns the flows and (path, name) of every rule, for the unique-name check."""
    built: dict[str, tuple[Rule, ...]] = {}
    names: list[tuple[str, str]] = []
    for name, raw in flows.items():
        path = join_path("flows", name)
        if name in (MAIN, HANDOFF) or name.startswith("escalate:") or not _FLOW_NAME.match(name):
            builder.problem(
                path,
                f"{name!r} cannot name a flow (letters, digits, _ . -; not routing or handoff)",
            )
            continue
        if not isinstance(raw, list) or not raw:
            builder.problem(path, "expected a list of rules (like routing:)")
            continue
        built[name] = builder.rules_at(raw, path)
        for index, item in enumerate(raw):
            rule_name = item.get("name") if isinstance(item, dict) else None
            names.append(
                (
                    join_path(path, index),
                    rule_name if isinstance(rule_name, str) else f"{path}[{index}]",
                )
            )
    return built, names


def build_experiments(
    builder: Builder,
    items: list[Any],
    flows: dict[str, tuple[Rule, ...]],
    zone: tzinfo,
) -> tuple[Experiment, ...]:
    """`experiments:`: name, control and variant flows, split (the variant's percent), start
    and stop (ISO dates, midnight in the routing timezone, or times with an offset), when."""
    known = (MAIN, *flows)
    built: list[Experiment] = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(items):
        path = join_path("experiments", index)
        spec = builder.part(ExperimentSchema, raw, path)
        if spec is None:
            continue
        if spec.name in seen:
            builder.problem(
                join_path(path, "name"),
                f"duplicate experiment name {spec.name!r} (first at {seen[spec.name]})",
            )
        seen.setdefault(spec.name, path)
        flows_ok = builder.known(spec.control, known, join_path(path, "control"), "flow")
        flows_ok &= builder.known(spec.variant, known, join_path(path, "variant"), "flow")
        if flows_ok and spec.control == spec.variant:
            builder.problem(join_path(path, "variant"), "the variant must differ from control")
        start = _instant(builder, spec.start, join_path(path, "start"), zone)
        stop = _instant(builder, spec.stop, join_path(path, "stop"), zone)
        if start is not None and stop is not None and stop <= start:
            builder.problem(join_path(path, "stop"), "stop must be after start")
        built.append(
            Experiment(
                name=spec.name,
                control=spec.control,
                variant=spec.variant,
                split=spec.split,
                start=start,
                stop=stop,
                when=builder.when(spec.when, join_path(path, "when")),
            )
        )
    return tuple(built)


def build_reporting(builder: Builder, raw: object) -> Reporting:
    """`reports: {cost_per_lead: {SOURCE: amount, "*": amount}, lifetime_value_field, currency}`."""
    if raw is None:
        return Reporting()
    spec = builder.part(ReportsSchema, raw, "reports")
    if spec is None:
        return Reporting()
    return Reporting(
        cost_per_lead=dict(spec.cost_per_lead),
        lifetime_value_field=spec.lifetime_value_field,
        currency=spec.currency,
    )


def _instant(builder: Builder, raw: object, path: str, zone: tzinfo) -> datetime | None:
    if raw is None:
        return None
    if isinstance(raw, datetime):
        raw = raw.isoformat()
    elif isinstance(raw, date):
        return datetime.combine(raw, time(), tzinfo=zone)
    if not isinstance(raw, str):
        builder.problem(path, f"expected an ISO 8601 date or time, got {raw!r}")
        return None
    text = raw
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return datetime.combine(day, time(), tzinfo=zone)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        builder.problem(path, f"{text!r} is not an ISO 8601 date or time")
        return None
    if moment.tzinfo is None:
        builder.problem(path, f"{text!r} has no UTC offset (write e.g. 2026-03-01T09:00-05:00)")
        return None
    return moment
