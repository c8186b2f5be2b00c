"""Hypothesis strategies for routing files as data (the YAML tree before it is read): plausible
trees that load, and the same trees broken at recorded places (wrong types, unknown or misspelt
keys, missing parts, huge numbers, unicode, empty texts).

Paths are written as problems write them (`routing[2].assign.select`, `pools.vip queue`), so a
test can compare where it broke a tree with where the loader says the problem is.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from leadroute.domain.errors import join_path
from leadroute.routing.selectors import SELECTORS
from leadroute.rules.operators import OPERATORS

Tree = dict[str, Any]
Step = str | int

ZONES = ("America/New_York", "Europe/Lisbon", "Asia/Kolkata", "UTC", "Pacific/Chatham")
HOURS = (
    "always",
    "mon-fri 09:00-17:00",
    "mon-sun 08:00-20:00",
    "sat,sun 00:00-24:00",
    "mon-fri 22:00-06:00",
)
REP_IDS = ("ana", "bob", "cho", "josé", "王芳", "r-1", "dev.ops")
TEAMS = ("sdr", "enterprise", "équipe", "営業")
POOLS = ("nurture", "overflow", "vip queue", "backlog")
SKILLS = ("en", "es", "pt", "crm")
TERRITORIES = ("US", "US-FL", "BR", "PT", "CA-QC")
FIELDS: tuple[str, ...] = ("country", "region", "language", "company_size", "budget", "score")
FIELDS = (*FIELDS, "source", "email", "wants_demo", "tier", "utm.source", "product")
REGEXES = ("(?i)^test", "@(gmail|yahoo)\\.", "^[A-Z]{2}$", "ção$")
DURATIONS = ("90s", "5m", "1h30m", "2d", "1w")

SCALAR = st.one_of(
    st.sampled_from(["gold", "US", "es", "now", "Ação", ""]),
    st.integers(-5, 5000),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.booleans(),
)
ORDERABLE = st.one_of(st.integers(-10, 10_000), st.sampled_from(["2026-03-01", "1000"]))


@st.composite
def leaves(draw: st.DrawFn) -> Tree:
    name = draw(st.sampled_from(sorted(OPERATORS)))
    operand: object
    if name in ("eq", "ne"):
        operand = draw(SCALAR)
    elif name in ("in", "not_in"):
        operand = draw(st.lists(SCALAR, min_size=1, max_size=3))
    elif name in ("gt", "gte", "lt", "lte"):
        operand = draw(ORDERABLE)
    elif name == "between":
        low, high = sorted(draw(st.lists(st.integers(-10, 10_000), min_size=2, max_size=2)))
        operand = [low, high]
    elif name == "matches":
        operand = draw(st.sampled_from(REGEXES))
    elif name in ("exists", "empty"):
        operand = draw(st.booleans())
    else:
        operand = draw(st.sampled_from(["acme", "@gmail.com", "Ação", "x"]))
    leaf: Tree = {"field": draw(st.sampled_from(FIELDS)), name: operand}
    if draw(st.integers(0, 5)) == 0:
        leaf["case_sensitive"] = draw(st.booleans())
    return leaf


def conditions() -> st.SearchStrategy[Tree]:
    return st.recursive(
        leaves(),
        lambda inner: st.one_of(
            st.builds(lambda items: {"all": items}, st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda items: {"any": items}, st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda item: {"not": item}, inner),
        ),
        max_leaves=5,
    )


def _some(draw: st.DrawFn, options: tuple[str, ...], *, least: int = 0) -> list[str]:
    return draw(st.lists(st.sampled_from(options), min_size=least, max_size=3, unique=True))


def _optional(draw: st.DrawFn, into: Tree, key: str, value: st.SearchStrategy[Any]) -> None:
    if draw(st.booleans()):
        into[key] = draw(value)


@st.composite
def reps(draw: st.DrawFn) -> list[Tree]:
    roster = []
    for rep_id in _some(draw, REP_IDS, least=1):
        rep: Tree = {"id": rep_id, "teams": _some(draw, TEAMS, least=1)}
        _optional(draw, rep, "name", st.sampled_from(["Ana Souza", "王芳", "Zoë O'Brien"]))
        _optional(draw, rep, "skills", st.lists(st.sampled_from(SKILLS), max_size=3))
        _optional(draw, rep, "territories", st.lists(st.sampled_from(TERRITORIES), max_size=2))
        _optional(draw, rep, "weight", st.integers(0, 5) | st.floats(0.1, 5.0))
        caps = st.dictionaries(
            st.sampled_from(["hour", "day", "week", "month", "open"]), st.integers(0, 50)
        )
        _optional(draw, rep, "caps", caps)
        _optional(draw, rep, "hours", st.sampled_from(HOURS))
        _optional(draw, rep, "timezone", st.sampled_from(ZONES))
        _optional(draw, rep, "status", st.sampled_from(["available", "away", "offline"]))
        _optional(draw, rep, "holidays", st.sampled_from(["US", ["BR", "2026-12-25"]]))
        roster.append(rep)
    return roster


def _assign(draw: st.DrawFn, teams: list[str], rep_ids: list[str]) -> Tree:
    if draw(st.integers(0, 9)) == 0:
        return {"owner_of": "account"}
    assign: Tree = {"select": draw(st.sampled_from(sorted(SELECTORS)))}
    if draw(st.booleans()):
        assign["team"] = _some(draw, tuple(teams), least=1)
    else:
        assign["reps"] = _some(draw, tuple(rep_ids), least=1)
    _optional(draw, assign, "match_skills", st.just(["language"]))
    _optional(draw, assign, "require_skills", st.lists(st.sampled_from(SKILLS), max_size=2))
    for flag in ("territory", "any_hours", "catch_up"):
        _optional(draw, assign, flag, st.booleans())
    _optional(draw, assign, "lookback", st.sampled_from(DURATIONS))
    prior = st.fixed_dictionaries({"mean": st.floats(0.05, 0.95), "strength": st.floats(0.5, 9)})
    _optional(draw, assign, "prior", prior)
    offer = st.fixed_dictionaries(
        {"timeout": st.sampled_from(DURATIONS), "max_offers": st.integers(1, 5)}
    )
    _optional(draw, assign, "offer", offer)
    return assign


@st.composite
def routing_trees(draw: st.DrawFn) -> Tree:
    """A routing file that loads: every name it refers to exists."""
    roster = draw(reps())
    rep_ids = [rep["id"] for rep in roster]
    teams = sorted({team for rep in roster for team in rep["teams"]})
    tree: Tree = {"timezone": draw(st.sampled_from(ZONES)), "reps": roster}
    pools: Tree = {}
    for name in _some(draw, POOLS):
        pool: Tree = {"members": [f"team:{t}" for t in _some(draw, tuple(teams))]}
        _optional(draw, pool, "order", st.sampled_from(["fifo", "lifo", "score", "oldest_first"]))
        _optional(draw, pool, "visibility", st.sampled_from(["full", "blind"]))
        _optional(draw, pool, "wip_limit", st.integers(0, 20))
        _optional(draw, pool, "claim_ttl", st.sampled_from(DURATIONS))
        if draw(st.booleans()):
            pool["max_wait"] = draw(st.sampled_from(DURATIONS))
            escalate = st.just("report") | st.just({"assign": _assign(draw, teams, rep_ids)})
            _optional(draw, pool, "escalate", escalate)
        pools[name] = pool
    targets = [*pools, "unassigned"]
    rules = []
    for index in range(draw(st.integers(0, 5))):
        rule: Tree = {"name": draw(st.sampled_from([f"rule {index}", f"règle {index}"]))}
        _optional(draw, rule, "when", conditions())
        kind = draw(st.sampled_from(["assign", "assign", "pool", "triage"]))
        if kind == "pool":
            rule["pool"] = draw(st.sampled_from(targets))
        elif kind == "triage":
            rule["assign"] = {"triage": "managers"}
            pools["triage"] = {"managers_only": True}
        else:
            rule["assign"] = _assign(draw, teams, rep_ids)
            _optional(
                draw,
                rule,
                "on_empty",
                st.just("next") | st.sampled_from(targets).map(lambda name: {"pool": name}),
            )
            sla = st.fixed_dictionaries(
                {"first_touch": st.just("5m")},
                optional={
                    "reassign_after": st.just("10m"),
                    "max_reassignments": st.integers(0, 3),
                    "then": st.sampled_from(targets).map(lambda name: {"pool": name}),
                },
            )
            _optional(draw, rule, "sla", sla)
        rules.append(rule)
    tree["routing"] = rules
    if pools:
        tree["pools"] = pools
    fallback = st.sampled_from(targets).map(lambda name: {"pool": name}) | st.just(
        {"assign": _assign(draw, teams, rep_ids)}
    )
    _optional(draw, tree, "fallback", fallback)
    scoring = st.fixed_dictionaries(
        {
            "rules": st.lists(
                st.fixed_dictionaries({"when": conditions(), "points": st.integers(-20, 50)})
                | st.just({"activity": "email_opened", "points": 3, "decay_per_day": 1}),
                max_size=3,
            )
        },
        optional={"grades": st.just({"hot": 70, "warm": 40})},
    )
    _optional(draw, tree, "scoring", scoring)
    qualifying: bool = draw(st.booleans())
    if pools and qualifying:
        disqualify = st.fixed_dictionaries(
            {"name": st.sampled_from(["competitor", "test entry"]), "when": conditions()}
        )
        tree["qualify"] = {
            "disqualify": draw(
                st.lists(disqualify, max_size=2, unique_by=lambda d: str(d["name"]))
            ),
            "nurture_below": draw(st.integers(0, 60)),
            "nurture_pool": draw(st.sampled_from(sorted(pools))),
        }
    duplicates = st.fixed_dictionaries(
        {
            "match": st.lists(st.sampled_from(["email", "phone", "company"]), min_size=1),
            "within": st.sampled_from(DURATIONS),
            "policy": st.sampled_from(["merge", "link"]),
        }
    )
    _optional(draw, tree, "duplicates", duplicates)
    return tree


# What a broken node may become: other types, huge or odd numbers, unicode, empty texts.
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([10**400, -(10**30), 2**63, 1e308, float("inf"), float("-inf")]),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["", " ", "王芳", "\u202e", "round-robbin", "team:", "9999999999999d"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


# Near misses for texts and numbers: durations and hours out of range, unknown zones and
# codes, broken regular expressions, numbers past every integer and float type.
ODD_TEXTS = st.sampled_from(
    [
        "9999999999999d",
        "1e400s",
        "0m",
        "-5m",
        "mon-fri 25:00-26:00",
        "mon-fry 09:00-17:00",
        "Mars/Olympus",
        "america/new_york",
        "(unclosed",
        "XX-99",
        "round-robbin",
        "team:",
        "team:nobody",
        "2026-02-30",
    ]
)
ODD_NUMBERS = st.sampled_from(
    [10**400, -(10**400), 2**63, 2**31, -1, 0, 1e308, float("inf"), float("nan"), 0.5, 101]
)


def near_miss(value: object) -> st.SearchStrategy[object]:
    """A wrong value of the value's own type (junk of any type for the others)."""
    if isinstance(value, str):
        return ODD_TEXTS
    if isinstance(value, int | float) and not isinstance(value, bool):
        return ODD_NUMBERS
    return JUNK


@dataclass(frozen=True, kw_only=True, slots=True)
class Broken:
    tree: Tree
    paths: tuple[str, ...]
    """Where each mutation was made (a changed, removed or added node)."""


def _nodes(value: object, path: tuple[Step, ...] = ()) -> list[tuple[Step, ...]]:
    found = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _nodes(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _nodes(item, (*path, index))
    return found


def _nested(tree: Tree, path: tuple[Step, ...]) -> bool:
    node: Any = tree
    for step in path:
        node = node[step]
    return isinstance(node, dict | list)


def text_of(path: tuple[Step, ...]) -> str:
    text = ""
    for step in path:
        text = join_path(text, step)
    return text


def _typo(word: str, draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["swap", "drop", "add", "case"]))
    if kind == "swap" and len(word) > 1:
        return word[1] + word[0] + word[2:]
    if kind == "drop" and len(word) > 1:
        return word[1:]
    if kind == "case":
        return word.upper() if word != word.upper() else word + "x"
    return word + draw(st.sampled_from(["s", "_", "é"]))


@st.composite
def broken_trees(draw: st.DrawFn) -> Broken:
    """A loading tree with one to three mutations, each recorded by its path."""
    tree = copy.deepcopy(draw(routing_trees()))
    paths = []
    for _ in range(draw(st.integers(1, 3))):
        nodes = _nodes(tree)
        leaves = [path for path in nodes if not _nested(tree, path)]
        on_a_leaf: bool = draw(st.booleans())
        target = draw(st.sampled_from(leaves if leaves and on_a_leaf else nodes))
        parent: Any = tree
        for step in target[:-1]:
            parent = parent[step]
        last = target[-1]
        kind = draw(st.sampled_from(["near", "near", "near", "junk", "remove", "add", "rename"]))
        if kind in ("near", "junk"):
            value = parent[last]
            parent[last] = draw(near_miss(value) if kind == "near" else JUNK)
            paths.append(text_of(target))
        elif kind == "remove":
            del parent[last]
            paths.append(text_of(target[:-1]) or text_of(target))
        elif kind == "add" and isinstance(parent, dict):
            key = draw(st.sampled_from([_typo(str(last), draw), "colour", "", "名前"]))
            parent.setdefault(key, draw(JUNK))
            paths.append(text_of((*target[:-1], key)))
        elif isinstance(parent, dict):  # rename
            key = _typo(str(last), draw)
            parent[key] = parent.pop(last)
            paths.append(text_of((*target[:-1], key)))
            paths.append(text_of(target))
        else:  # add or rename in a list: a junk item goes in before this one
            parent.insert(last, draw(JUNK))
            paths.append(text_of(target))
    return Broken(tree=tree, paths=tuple(paths))
