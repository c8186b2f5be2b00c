"""A live `leadroute serve` for browser tests and the screenshot tour: a subprocess on a free
loopback port with its own SQLite file, and how to reach Debian's Chromium."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, Playwright

ROOT = Path(__file__).parents[2]
POOLS = ROOT / "examples" / "pools" / "routing.yaml"
PASSWORD = "correct horse battery"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_KEY = re.compile(r"lr_[0-9a-f]+_[A-Za-z0-9_-]+")


@dataclass(frozen=True, kw_only=True)
class Server:
    """A running `leadroute serve`: its address, database and the admin key it printed."""

    url: str
    database: str
    admin_key: str
    directory: Path

    def leadroute(self, *args: str) -> str:
        """Run a `leadroute` command on this server's database; its output."""
        done = subprocess.run(
            [sys.executable, "-m", "leadroute", *args, "--database", self.database],
            capture_output=True,
            text=True,
            cwd=self.directory,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr

    def user(self, username: str, role: str, rep: str | None = None) -> str:
        more = ["--rep", rep] if rep else []
        self.leadroute(
            "users", "create", "--username", username, "--password", PASSWORD, "--role", role, *more
        )
        return username

    def post_lead(self, **fields: object) -> dict[str, object]:
        answer = httpx.post(
            f"{self.url}/api/v1/leads",
            json=fields,
            headers={"Authorization": f"Bearer {self.admin_key}"},
        )
        assert answer.status_code == 201, answer.text
        body: dict[str, object] = answer.json()
        return body


def chromium_path() -> str | None:
    named = os.environ.get("LEADROUTE_CHROMIUM")
    if named:
        return named
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def launch(playwright: Playwright, path: str) -> Browser:
    return playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)


@contextmanager
def running(directory: Path, routing: Path = POOLS) -> Iterator[Server]:
    """`leadroute serve` on a free port with a SQLite file in `directory`, stopped on exit."""
    port = _free_port()
    database = f"sqlite:///{directory}/leadroute.db"
    log_path = directory / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "leadroute",
                "serve",
                "--routing",
                str(routing),
                "--database",
                database,
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=directory,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(url, process, log_path)
            found = _KEY.search(log_path.read_text())
            assert found is not None, "serve printed no admin key"
            yield Server(url=url, database=database, admin_key=found.group(0), directory=directory)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def sign_in(page: Page, server: Server, username: str) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{server.url}/")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"leadroute serve exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"leadroute serve did not answer within 30 s:\n{log.read_text()}")
