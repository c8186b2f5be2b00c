"""Commands on files, no database: check, replay and route (preview) on a routing file."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from random import Random
from typing import Annotated

import typer

from leadroute.cli.app import app, fail
from leadroute.domain.errors import InvalidInput
from leadroute.normalize import lead_from_payload
from leadroute.routing.config import RoutingConfig
from leadroute.routing.engine import Router
from leadroute.routing_file import load_routing_file
from leadroute.scoring.predictor import Predictor
from leadroute.simulate.replay import Replay, render
from leadroute.simulate.scenario import read_scenario
from leadroute.storage.memory import MemoryStore

RoutingArg = Annotated[Path, typer.Argument(help="Routing file (YAML or JSON).")]
ModelOption = Annotated[
    Path | None,
    typer.Option(help="Model file from `leadroute train`: sets the lead field score_model."),
]


def _load(path: Path) -> RoutingConfig:
    try:
        return load_routing_file(path)
    except InvalidInput as error:
        raise fail(error) from None


def _model(path: Path | None) -> Predictor | None:
    if path is None:
        return None
    # Imported here so the commands without --model never load scikit-learn.
    from leadroute.learning.models import load_model  # noqa: PLC0415

    try:
        return load_model(path)
    except InvalidInput as error:
        raise fail(error) from None


@app.command()
def check(routing: RoutingArg) -> None:
    """Validate a routing file: exit 0 when valid, 1 with every problem and its path."""
    config = _load(routing)
    pools = len([p for p in config.pools if p not in ("unassigned", "triage")])
    handoff = f", {len(config.handoff.rules)} hand-off rules" if config.handoff else ""
    typer.echo(
        f"{routing}: ok ({len(config.reps)} reps, {len(config.rules)} rules{handoff}, "
        f"{pools} pools)"
    )


@app.command()
def replay(
    routing: RoutingArg,
    scenario: Annotated[Path, typer.Argument(help="Scenario: one JSON event per line.")],
    seed: Annotated[int, typer.Option(help="Seed of the random selector.")] = 0,
    model: ModelOption = None,
    trace: Annotated[
        bool,
        typer.Option(
            "--trace/--no-trace",
            help="Print each decision's trace (--no-trace: its line without the `trace` key, "
            "for bulk runs; the decisions are the same).",
        ),
    ] = True,
) -> None:
    """Run a scenario through the engine and print one JSON line per decision or action."""
    config = _load(routing)
    predictor = _model(model)
    try:
        text = scenario.read_text(encoding="utf-8")
    except OSError as error:
        typer.echo(f"error: {scenario}: cannot read: {error.strerror}", err=True)
        raise typer.Exit(code=1) from None
    try:
        events = read_scenario(text.splitlines(), source=str(scenario))
    except InvalidInput as error:
        raise fail(error) from None
    out = sys.stdout
    run = Replay(config, seed=seed, predictor=predictor, trace=trace)
    for line in run.run(events):
        out.write(render(line) + "\n")


@app.command()
def route(
    routing: RoutingArg,
    lead: Annotated[str, typer.Option(help='The lead as JSON, e.g. \'{"country": "US"}\'.')],
    at: Annotated[
        str | None, typer.Option(help="Route as of this ISO 8601 time (default: now).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the random selector.")] = 0,
    model: ModelOption = None,
) -> None:
    """Preview: route one lead against an empty state, without side effects."""
    config = _load(routing)
    predictor = _model(model)
    try:
        payload = json.loads(lead)
        now = datetime.fromisoformat(at) if at else datetime.now(UTC)
    except ValueError as error:
        typer.echo(f"error: --lead/--at: {error}", err=True)
        raise typer.Exit(code=1) from None
    if not isinstance(payload, dict):
        typer.echo("error: --lead: expected a JSON object", err=True)
        raise typer.Exit(code=1)
    if now.tzinfo is None:
        now = now.replace(tzinfo=config.timezone)
    router = Router(config, predictor=predictor)
    lead_id = str(payload.pop("id", "preview"))
    scored = router.score(lead_from_payload(payload, lead_id=lead_id, received_at=now))
    decision = router.route(scored, now=now, ledger=MemoryStore(), rng=Random(seed))
    typer.echo(json.dumps(decision.as_dict(), ensure_ascii=False, indent=2))
    typer.echo(decision.reason, err=True)
