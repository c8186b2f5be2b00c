"""`leadroute accounts import` and `leadroute accounts list` on a database."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from leadroute.cli import app
from leadroute.settings import Settings
from tests.api.conftest import Clock, start_migrated

ROUTING = """\
timezone: UTC
reps:
  - {id: ana, teams: [sdr]}
routing:
  - name: account owner
    assign: {owner_of: account}
"""


def test_import_then_list(database_url: str, tmp_path: Path) -> None:
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING, encoding="utf-8")
    start_migrated(Settings(database_url=database_url, routing=routing), Clock()).database.dispose()
    csv = tmp_path / "accounts.csv"
    csv.write_text(
        "name,domains,owner,external_id\nAcme Inc.,acme.com;acme.io,ana,c1\nGhost,,zed,c2\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    imported = runner.invoke(app, ["accounts", "import", str(csv), "--database", database_url])
    assert imported.exit_code == 1, imported.output
    assert "2 rows: 1 created, 0 updated, 0 unchanged, 1 refused" in imported.stdout
    assert "line 3: owner: unknown rep zed" in imported.stderr
    listed = runner.invoke(app, ["accounts", "list", "--database", database_url])
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].endswith("Acme Inc.  acme.com,acme.io  owner=ana  external_id=c1")
