"""Cap counters stay exact when a routing update moves a rep to another timezone mid-window."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from leadroute.services.intake import take_lead
from leadroute.services.principals import SYSTEM
from leadroute.services.runtime import store_routing
from leadroute.settings import Settings
from tests.api.conftest import Clock, start_migrated

ROUTING = """
timezone: {zone}
reps:
  - {{id: ana, timezone: {zone}, caps: {{day: 5}}}}
routing:
  - name: capped
    assign: {{rep: ana, select: hunt}}
    on_empty: {{pool: overflow}}
pools:
  overflow: {{}}
"""


def test_a_day_cap_counts_the_new_zones_day_after_the_rep_moves(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text(ROUTING.format(zone="UTC"), encoding="utf-8")
    clock = Clock(now=datetime(2026, 3, 3, 23, 0, tzinfo=UTC))  # 18:00 in New York, 3 March
    runtime = start_migrated(Settings(database_url=database_url, routing=path), clock)
    try:
        first = [
            take_lead(
                runtime=runtime, payload={"email": f"a{n}@acme.com"}, caller=SYSTEM, now=clock.now
            ).body["owner"]
            for n in range(5)
        ]
        assert first == ["ana"] * 5
        clock.advance(hours=2)  # 01:00 UTC on 4 March: still 3 March in New York
        with runtime.database.writing() as session:
            store_routing(
                session,
                text=ROUTING.format(zone="America/New_York"),
                is_json=False,
                now=clock.now,
                actor="test",
            )
        later = [
            take_lead(
                runtime=runtime, payload={"email": f"b{n}@acme.com"}, caller=SYSTEM, now=clock.now
            ).body
            for n in range(3)
        ]
        assert [body["pool"] for body in later] == ["overflow"] * 3
        assert "cap day 5/5" in str(later[0]["decision"])
        clock.advance(hours=5)  # 06:00 UTC: 4 March in New York, a new day
        fresh = take_lead(
            runtime=runtime, payload={"email": "c@acme.com"}, caller=SYSTEM, now=clock.now
        ).body
        assert fresh["owner"] == "ana"
    finally:
        runtime.database.dispose()
