"""End to end through the real command: `leadroute serve` in its own process, then curl-like
HTTP calls; `migrate` and `keys create` on both databases."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from leadroute.cli import app


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """`leadroute serve` on a fresh SQLite file: (base URL, the lines it printed)."""
    port = _free_port()
    env = {**os.environ, "LEADROUTE_DATABASE_URL": f"sqlite:///{tmp_path}/leadroute.db"}
    process = subprocess.Popen(
        [sys.executable, "-m", "leadroute", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                assert process.stdout is not None
                pytest.fail("serve exited early:\n" + process.stdout.read())
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("serve did not answer /healthz within 30 s")
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if "curl" in line:
                break
        yield base, lines
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_serve_prints_an_admin_key_and_a_curl_that_works(served: tuple[str, list[str]]) -> None:
    base, lines = served
    key_line = lines[
        lines.index("first start: an admin key was created (shown once, keep it):") + 1
    ]
    key = key_line.strip()
    assert key.startswith("lr_")
    curl = next(line for line in lines if "curl" in line)
    assert f"Bearer {key}" in curl
    headers = {"Authorization": f"Bearer {key}"}
    posted = httpx.post(
        f"{base}/api/v1/leads",
        json={"name": "Ana Souza", "email": "ana@acme.com", "country": "US", "region": "CA"},
        headers=headers,
    )
    assert posted.status_code == 201, posted.text
    body = posted.json()
    assert (body["owner"] is None) != (body["pool"] is None)
    assert body["decision"]["reason"]
    lead = httpx.get(f"{base}/api/v1/leads/{body['id']}", headers=headers).json()
    assert lead["owner"] == body["owner"]
    assert [e["type"] for e in lead["timeline"]][:2] == [
        "lead.received",
        "lead.assigned" if body["owner"] else "lead.pooled",
    ]
    assert httpx.get(f"{base}/api/v1/leads", headers=headers).json()["total"] == 1
    assert httpx.get(f"{base}/openapi.json").status_code == 200


def test_migrate_then_keys_create_prints_the_key_last(database_url: str) -> None:
    runner = CliRunner()
    migrated = runner.invoke(app, ["migrate", "--database", database_url])
    assert migrated.exit_code == 0, migrated.output
    assert "0001" in migrated.output
    again = runner.invoke(app, ["migrate", "--database", database_url])
    assert "up to date" in again.output
    made = runner.invoke(
        app, ["keys", "create", "--role", "rep", "--rep", "sam", "--database", database_url]
    )
    assert made.exit_code == 0, made.output
    assert made.stdout.strip().splitlines()[-1].startswith("lr_")
    listed = runner.invoke(app, ["keys", "list", "--database", database_url])
    assert "rep=sam" in listed.stdout
    refused = runner.invoke(app, ["keys", "create", "--role", "rep", "--database", database_url])
    assert refused.exit_code == 1
    assert "needs the rep" in refused.output
