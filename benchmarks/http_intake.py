"""HTTP intake on SQLite, side by side with the ceiling of the same stack, and serve's memory.

    .venv/bin/python benchmarks/http_intake.py [--runs 3] [--duration 10] [--rates 250,500,1000]
        [--workers 1] [--clients 16] [--json FILE]

Each run starts `leadroute serve` (rate limit off, timer worker on, as deployed) on a new SQLite
file with the 20-rule x 200-rep routing file of benchmarks/workload.py (the one the engine bench
measures), then drives it from this process (the server is a separate process) with the
open-loop generator of benchmarks/loadgen.py: each fixed rate, then rates stepped up past them
until one is not sustained (achieved < 97% of target or p99 over --p99-bound), then a closed
loop of --clients clients as fast as they go. The ceiling (benchmarks/ceiling.py: a bare FastAPI
endpoint inserting one row, served the same way) gets the same steps in the same run.

Memory (item 1g): the RSS of serve's whole process tree at rest (before any load), its peak while
loaded (sampled every 0.25 s) and 2 s after the load. After each server stops, the number of
stored rows must equal the number of 2xx answers: nothing acknowledged is lost.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import servers
from ceiling import count_rows
from loadgen import MAX_STEPS, LeadBodies, Load, Step
from servers import KEY, Memory, Process, megabytes, rss_bytes
from workload import make_reps, routing_yaml

HERE = Path(__file__).parent
TARGET_RATE = 1000.0  # leads/s sustained
TARGET_P99_AT_500 = 50.0  # ms
TARGET_SHARE = 0.60  # of the ceiling


def drive(
    load: Load, pid: int, rates: list[float], seconds: float, bound: float, clients: int
) -> dict[str, Any]:
    """The fixed rates, the step-up to the max sustained, then the closed loop."""
    steps: list[Step] = []
    best, failed = 0.0, False
    for rate in rates:
        steps.append(load.fixed(rate, seconds))
        print("    " + steps[-1].line(), flush=True)
        failed = failed or not steps[-1].kept_up(bound)
        best = best if failed else rate
        servers.wait_idle(pid)
    if not failed:
        higher, tried = load.max_sustained([r for r in MAX_STEPS if r > rates[-1]], seconds, bound)
        best = max(best, higher)
        steps += tried
        servers.wait_idle(pid)
    saturated = load.closed(clients, seconds)
    print("    " + saturated.line(), flush=True)
    print(f"    max sustained {best:,.0f}/s; saturation {saturated.throughput:,.0f}/s", flush=True)
    return {
        "fixed": {str(int(s.target_rate)): asdict(s) for s in steps},
        "max_sustained": best,
        "saturation": asdict(saturated),
        "ok": sum(s.ok for s in steps) + saturated.ok,
        "generator_lag_max_ms": max(s.start_lag_max for s in steps),
    }


def measure(
    server: Process, key: str, tag: str, args: argparse.Namespace
) -> tuple[dict[str, Any], Memory]:
    load = Load(urls=[server.url], key=key, bodies=LeadBodies(seed=args.seed, tag=tag))
    # The first requests of each app process compile the routing file and fill caches: several
    # connections, so that every process of `--workers` is warm before the measured steps.
    warm = load.closed(2 * args.workers, 3.0)
    memory = Memory(root=server.pid)
    with memory.sampling():
        figures = drive(
            load, server.pid, args.rate_list, args.duration, args.p99_bound, args.clients
        )
    figures["ok"] += warm.ok
    return figures, memory


def run_leadroute(folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    routing = folder / "routing.yaml"
    routing.write_text(routing_yaml(make_reps()), encoding="utf-8")
    path = folder / "leadroute.db"
    server = servers.serve(
        name="serve", database=f"sqlite:///{path}", routing=routing, folder=folder,
        workers=args.workers,
    )  # fmt: skip
    try:
        key = KEY.findall(server.log_text())[0]
        time.sleep(2)
        rest = rss_bytes(server.pid)
        print(f"  leadroute serve (pid {server.pid}), RSS at rest {megabytes(rest):.0f} MB")
        figures, memory = measure(server, key, "lr", args)
        time.sleep(2)
        after = rss_bytes(server.pid)
    finally:
        server.stop()
    with sqlite3.connect(path) as connection:
        stored = connection.execute("SELECT count(*) FROM leads").fetchone()[0]
    figures["stored"] = stored
    figures["rss_mb"] = {
        "rest": megabytes(rest), "peak": megabytes(memory.peak), "after": megabytes(after)
    }  # fmt: skip
    print(f"  RSS: rest {megabytes(rest):.0f} MB, peak {megabytes(memory.peak):.0f} MB, "
          f"after {megabytes(after):.0f} MB; stored {stored} of {figures['ok']} 2xx")  # fmt: skip
    return figures


def run_ceiling(folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    path, port = folder / "ceiling.db", servers.free_port()
    command = [sys.executable, str(HERE / "ceiling.py"), "--database", str(path)]
    command += ["--port", str(port), "--workers", str(args.workers)]
    server = servers.launch("ceiling", command, port=port, folder=folder)
    print(f"  ceiling (pid {server.pid})")
    try:
        figures, _ = measure(server, "none", "ce", args)
    finally:
        server.stop()
    figures["stored"] = count_rows(str(path))
    print(f"  ceiling stored {figures['stored']} of {figures['ok']} 2xx")
    return figures


def median(runs: list[dict[str, Any]], pick: Callable[[dict[str, Any]], float]) -> float:
    return statistics.median(pick(run) for run in runs)


def _fixed(rate: str, name: str) -> Callable[[dict[str, Any]], float]:
    return lambda run: float(run["fixed"][rate][name])


def _rss(name: str) -> Callable[[dict[str, Any]], float]:
    return lambda run: float(run["rss_mb"][name])


def summary(runs: list[dict[str, Any]], rates: list[float]) -> dict[str, Any]:
    """Medians over runs of the figures RESULTS.md shows, with their targets."""
    lr = [run["leadroute"] for run in runs]
    ce = [run["ceiling"] for run in runs]
    at: dict[str, Any] = {}
    for rate in rates:
        name = str(int(rate))
        at[name] = {
            f: median(lr, _fixed(name, f)) for f in ("throughput", "p50", "p90", "p99", "max")
        }
        at[name]["ceiling_p99"] = median(ce, _fixed(name, "p99"))
    sustained = median(lr, lambda r: float(r["max_sustained"]))
    ceiling_sustained = median(ce, lambda r: float(r["max_sustained"]))
    saturation = median(lr, lambda r: float(r["saturation"]["throughput"]))
    ceiling_saturation = median(ce, lambda r: float(r["saturation"]["throughput"]))
    share = sustained / ceiling_sustained if ceiling_sustained else 0.0
    p99_500 = at.get("500", {}).get("p99")
    return {
        "runs": len(runs),
        "rates": at,
        "max_sustained": sustained,
        "ceiling_max_sustained": ceiling_sustained,
        "saturation": saturation,
        "ceiling_saturation": ceiling_saturation,
        "share_sustained": share,
        "share_saturation": saturation / ceiling_saturation if ceiling_saturation else 0.0,
        "rss_mb": {k: median(lr, _rss(k)) for k in ("rest", "peak", "after")},
        # acknowledged (2xx) but not stored; a request the generator gave up on may be stored
        "lost": sum(max(0, int(r["ok"]) - int(r["stored"])) for r in lr + ce),
        "stored_unanswered": sum(max(0, int(r["stored"]) - int(r["ok"])) for r in lr + ce),
        "generator_lag_max_ms": max(float(r["generator_lag_max_ms"]) for r in lr + ce),
        "targets": {
            "sustained_ge_1000": sustained >= TARGET_RATE,
            "p99_at_500_le_50ms": p99_500 is not None and p99_500 <= TARGET_P99_AT_500,
            "share_ge_60pct": max(share, 0.0) >= TARGET_SHARE,
        },
    }  # fmt: skip


def report(result: dict[str, Any], args: argparse.Namespace) -> None:
    print(f"\nHTTP intake on SQLite, {args.workers} app process(es), median of {result['runs']}:")
    for rate, figures in result["rates"].items():
        print(
            f"  {rate:>5}/s: {figures['throughput']:>7,.0f} leads/s  p50 {figures['p50']:.1f}  "
            f"p99 {figures['p99']:.1f} ms  (ceiling p99 {figures['ceiling_p99']:.1f} ms)"
        )
    print(f"  max sustained: {result['max_sustained']:,.0f} leads/s (target ≥ {TARGET_RATE:,.0f})"
          f"; ceiling {result['ceiling_max_sustained']:,.0f}/s; "
          f"share {result['share_sustained']:.0%} (target ≥ {TARGET_SHARE:.0%})")  # fmt: skip
    print(
        f"  saturation ({args.clients} clients, closed loop): {result['saturation']:,.0f}/s; "
        f"ceiling {result['ceiling_saturation']:,.0f}/s; share {result['share_saturation']:.0%}"
    )
    rss = result["rss_mb"]
    print(f"  serve RSS: at rest {rss['rest']:.0f} MB, peak under load {rss['peak']:.0f} MB, "
          f"after load {rss['after']:.0f} MB")  # fmt: skip
    print(f"  acknowledged but not stored: {result['lost']} (stored, answer given up on: "
          f"{result['stored_unanswered']}); "
          f"generator lateness worst {result['generator_lag_max_ms']:.1f} ms")  # fmt: skip
    print(f"  targets: {result['targets']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="runs; medians are reported")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per step")
    parser.add_argument("--rates", default="250,500,1000", help="fixed open-loop rates")
    parser.add_argument("--p99-bound", type=float, default=100.0, help="ms, for sustained")
    parser.add_argument("--clients", type=int, default=16, help="closed-loop clients")
    parser.add_argument("--workers", type=int, default=1, help="serve --workers (and ceiling)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    args.rate_list = sorted(float(r) for r in args.rates.split(",") if r)
    runs = []
    for number in range(args.runs):
        print(f"run {number + 1}/{args.runs}", flush=True)
        with tempfile.TemporaryDirectory(prefix="lr-http-") as folder:
            runs.append(
                {"leadroute": run_leadroute(Path(folder), args),
                 "ceiling": run_ceiling(Path(folder), args)}
            )  # fmt: skip
    result = summary(runs, args.rate_list)
    report(result, args)
    if args.json:
        args.json.write_text(json.dumps({"summary": result, "runs": runs}, indent=1))
    return 0 if result["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
