"""Benchmark the routing engine against a hand-written baseline on 100,000 leads.

    .venv/bin/python benchmarks/engine.py [--leads N] [--runs R] [--dump FILE] [--json FILE]

The engine runs exactly as replay does: Router.score, Router.route on a MemoryStore, then
MemoryStore.record_decision (and record_outcome for the leads that close). The baseline
(benchmarks/baseline.py) applies the same 20 rules over the same 200 reps with plain dicts.
Both see the same leads at the same virtual times; the figures are medians of R runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from random import Random

from baseline import Baseline
from workload import make_leads, make_reps, outcome_for, routing_yaml

from leadroute.domain.leads import Lead
from leadroute.routing.engine import Router
from leadroute.routing_file import parse_routing_text
from leadroute.simulate.replay import render
from leadroute.storage.memory import MemoryStore

Target = tuple[str, str | None, str | None]  # (rule, rep, pool)
Leads = list[tuple[datetime, Lead]]


def run_engine(router: Router, leads: Leads, *, as_json: bool = False) -> list[Target]:
    """Route every lead as replay does; with `as_json`, also render each decision's dict."""
    store = MemoryStore()
    rng = Random(0)
    out: list[Target] = []
    size = 0
    for index, (now, lead) in enumerate(leads):
        scored = router.score(lead)
        decision = router.route(scored, now=now, ledger=store, rng=rng)
        store.record_decision(scored, decision, now)
        if as_json:
            size += len(render(decision.as_dict()))
        out.append((decision.rule, decision.rep, decision.pool))
        closing = outcome_for(index)
        if closing is not None:
            store.record_outcome(leads[closing[0]][1].id, closing[1], now)
    return out


def run_baseline(baseline: Baseline, leads: Leads) -> list[Target]:
    out: list[Target] = []
    for index, (now, lead) in enumerate(leads):
        out.append(baseline.route(lead.id, lead.fields, now))
        closing = outcome_for(index)
        if closing is not None:
            baseline.record_outcome(leads[closing[0]][1].id, closing[1])
    return out


def timed(work: Callable[[], list[Target]]) -> tuple[float, list[Target]]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def dump(router: Router, leads: Leads, path: Path) -> None:
    """Write every decision as replay prints it (to compare outputs before/after a change)."""
    store = MemoryStore()
    rng = Random(0)
    with path.open("w", encoding="utf-8") as out:
        for index, (now, lead) in enumerate(leads):
            scored = router.score(lead)
            decision = router.route(scored, now=now, ledger=store, rng=rng)
            store.record_decision(scored, decision, now)
            out.write(render(decision.as_dict()) + "\n")
            closing = outcome_for(index)
            if closing is not None:
                store.record_outcome(leads[closing[0]][1].id, closing[1], now)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--leads", type=int, default=100_000, help="leads per run")
    parser.add_argument("--runs", type=int, default=3, help="runs; the median is reported")
    parser.add_argument("--dump", type=Path, help="write every decision as JSON lines and stop")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    specs = make_reps()
    config = parse_routing_text(routing_yaml(specs), source="<benchmark>")
    router = Router(config)
    leads = make_leads(args.leads)
    print(
        f"workload: {len(config.reps)} reps, {len(config.rules)} rules + fallback, "
        f"{len(leads):,} leads over {leads[-1][0] - leads[0][0]} of virtual time"
    )
    if args.dump:
        dump(router, leads, args.dump)
        print(f"wrote {args.dump}")
        return 0

    engine_s: list[float] = []
    json_s: list[float] = []
    base_s: list[float] = []
    engine_out: list[Target] = []
    base_out: list[Target] = []
    for _ in range(args.runs):
        seconds, engine_out = timed(lambda: run_engine(router, leads))
        engine_s.append(seconds)
        seconds, base_out = timed(lambda: run_baseline(Baseline(specs), leads))
        base_s.append(seconds)
        seconds, _ = timed(lambda: run_engine(router, leads, as_json=True))
        json_s.append(seconds)

    count = len(leads)
    engine_rate = count / statistics.median(engine_s)
    json_rate = count / statistics.median(json_s)
    base_rate = count / statistics.median(base_s)
    same_target = sum(e[1:] == b[1:] for e, b in zip(engine_out, base_out, strict=True))
    same_rule = sum(e == b for e, b in zip(engine_out, base_out, strict=True))

    print(f"runs: {args.runs} (median)")
    print(f"engine:                {engine_rate:>10,.0f} decisions/s")
    print(f"engine + JSON output:  {json_rate:>10,.0f} decisions/s")
    print(f"baseline:              {base_rate:>10,.0f} decisions/s")
    print(f"ratio engine/baseline: {engine_rate / base_rate:>10.2f}x")
    print(f"ratio engine+JSON/baseline: {json_rate / base_rate:.2f}x")
    print(f"agreement (rep/pool):  {same_target / count:.4%} ({count - same_target} differ)")
    print(f"agreement (rule+rep/pool): {same_rule / count:.4%}")
    outcomes = Counter(
        "pool " + str(pool) if pool else "rep" for _, rep, pool in engine_out
    ).most_common()
    print("engine outcomes: " + ", ".join(f"{name} {n:,}" for name, n in outcomes))
    rules = Counter(rule for rule, _, _ in engine_out).most_common()
    print("deciding rule: " + ", ".join(f"{name} {n:,}" for name, n in rules))
    if args.json:
        figures = {
            "leads": count,
            "runs": args.runs,
            "reps": len(config.reps),
            "rules": len(config.rules),
            "engine_per_s": engine_rate,
            "engine_json_per_s": json_rate,
            "baseline_per_s": base_rate,
            "ratio": engine_rate / base_rate,
            "agreement": same_target / count,
        }
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    shown = 0
    for index, (e, b) in enumerate(zip(engine_out, base_out, strict=True)):
        if e != b and shown < 10:
            print(f"  differs at lead {index}: engine {e} baseline {b}")
            shown += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
