from pathlib import Path

from leadroute.routing_file import load_routing_file
from leadroute.simulate.replay import Replay
from leadroute.simulate.scenario import read_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_round_robin_example_skips_the_away_rep_and_gives_them_the_next_turn_on_return() -> None:
    config = load_routing_file(EXAMPLES / "round_robin" / "routing.yaml")
    lines = (EXAMPLES / "round_robin" / "scenario.jsonl").read_text().splitlines()
    out = list(Replay(config).run(read_scenario(lines, source="scenario")))
    owners = [line["rep"] for line in out if "lead" in line]
    assert owners == ["ana", "bob", "cho", "ana", "bob", "cho", None]
