"""The model's probability is the lead field `score_model`, which routing rules can test:
through `Router.score`, `leadroute route --model` and `leadroute replay --model`."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from typer.testing import CliRunner

from leadroute.cli import app
from leadroute.learning.models import save_model
from leadroute.routing.engine import Router
from leadroute.routing_file import parse_routing_text
from leadroute.scoring.predictor import Predictor
from tests.factories import make_lead, route_one
from tests.learning.data import synthetic_model

ROUTING = textwrap.dedent(
    """\
    timezone: UTC
    reps:
      - {id: closer, teams: [hot]}
      - {id: junior, teams: [rest]}
    routing:
      - name: likely to win
        when: {field: score_model, gte: 0.5}
        assign: {team: hot, select: round_robin}
      - name: everyone else
        assign: {team: rest, select: round_robin}
    """
)


def test_a_rule_on_score_model_sends_likely_winners_to_the_closer() -> None:
    model: Predictor = synthetic_model()
    router = Router(parse_routing_text(ROUTING, source="routing.yaml"), predictor=model)

    hot = router.score(make_lead(channel="referral", company_size=40))
    cold = router.score(make_lead(channel="ads", company_size=40))

    assert float(str(hot.fields["score_model"])) >= 0.5 > float(str(cold.fields["score_model"]))
    assert route_one(router, make_lead(channel="referral")).rep == "closer"
    decision = route_one(router, make_lead(channel="ads"))
    assert (decision.rep, decision.rule) == ("junior", "everyone else")


def _files(tmp_path: Path) -> tuple[Path, Path]:
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING, encoding="utf-8")
    model = tmp_path / "leads.model"
    save_model(synthetic_model(), model)
    return routing, model


def test_route_with_a_model_previews_the_score_and_the_rule_it_picks(tmp_path: Path) -> None:
    routing, model = _files(tmp_path)
    lead = json.dumps({"channel": "referral"})

    scored = CliRunner().invoke(app, ["route", str(routing), "--lead", lead, "--model", str(model)])
    plain = CliRunner().invoke(app, ["route", str(routing), "--lead", lead])

    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.stdout)["rep"] == "closer"
    assert json.loads(plain.stdout)["rep"] == "junior"


def test_replay_with_a_model_scores_every_lead(tmp_path: Path) -> None:
    routing, model = _files(tmp_path)
    scenario = tmp_path / "scenario.jsonl"
    lines = [
        {"at": f"2026-03-02T10:0{i}:00+00:00", "lead": {"id": f"S{i}", "channel": channel}}
        for i, channel in enumerate(["referral", "ads", "referral"])
    ]
    scenario.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")

    result = CliRunner().invoke(app, ["replay", str(routing), str(scenario), "--model", str(model)])

    assert result.exit_code == 0, result.output
    reps = [json.loads(line).get("rep") for line in result.stdout.splitlines()]
    assert reps == ["closer", "junior", "closer"]


def test_a_bad_model_file_is_named_and_nothing_is_routed(tmp_path: Path) -> None:
    routing, _ = _files(tmp_path)
    bad = tmp_path / "notes.txt"
    bad.write_text("not a model\n", encoding="utf-8")

    result = CliRunner().invoke(app, ["route", str(routing), "--lead", "{}", "--model", str(bad)])

    assert result.exit_code == 1
    assert f"error: {bad}: not a leadroute model file" in result.stderr
    assert result.stdout == ""


def test_points_on_score_model_carry_it_into_the_score_pools_order_by() -> None:
    routing = ROUTING + textwrap.dedent(
        """\
        scoring:
          rules:
            - {when: {field: score_model, gte: 0.3}, points: 50}
            - {when: {field: score_model, gte: 0.6}, points: 50}
        """
    )
    router = Router(parse_routing_text(routing, source="routing.yaml"), predictor=synthetic_model())

    assert router.score(make_lead(channel="referral")).fields["score"] == 100
    assert router.score(make_lead(channel="ads")).fields["score"] == 0
