"""A real `leadroute serve` that a test can kill: a subprocess in its own process group on a
free loopback port, started again on the same database after each SIGKILL."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

_ANSWERED = re.compile(r'HTTP/1\.1" [23]\d\d ')
START_TIMEOUT = 60.0  # seconds; two cores shared with other test runs start slowly


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def leadroute(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run one `leadroute` command to completion; its standard output (it must succeed)."""
    done = subprocess.run(
        [sys.executable, "-m", "leadroute", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, f"leadroute {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


@dataclass(kw_only=True)
class Server:
    """`leadroute serve --database URL --routing FILE --port P [ARGUMENTS]`, with `settings` as
    LEADROUTE_* environment variables. Its output, across every start, goes to `directory/LOG`
    (serve.log unless `log_name` says otherwise)."""

    database: str
    routing: Path
    directory: Path
    settings: dict[str, str] = field(default_factory=dict)
    arguments: tuple[str, ...] = ()  # e.g. ("--workers", "2", "--no-worker")
    log_name: str = "serve.log"
    port: int = field(default_factory=free_port)
    starts: int = 0
    _process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.directory / self.log_name

    def environment(self) -> dict[str, str]:
        return {**os.environ, **{f"LEADROUTE_{k.upper()}": v for k, v in self.settings.items()}}

    def command(self, *args: str) -> str:
        """A `leadroute` command on this server's database (e.g. `keys create`)."""
        return leadroute(
            *args, "--database", self.database, cwd=self.directory, env=self.environment()
        )

    def start(self) -> None:
        """Start the server and return once /healthz answers 200."""
        assert self._process is None, "the server is running already"
        self.starts += 1
        with self.log.open("ab") as output:
            output.write(f"\n=== start {self.starts} ===\n".encode())
            output.flush()
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "leadroute",
                    "serve",
                    "--database",
                    self.database,
                    "--routing",
                    str(self.routing),
                    "--port",
                    str(self.port),
                    *self.arguments,
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=self.directory,
                env=self.environment(),
                start_new_session=True,  # its own process group, killed as a whole
            )
        self._wait_until_up()

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown handler, no commit, no flush runs."""
        process = self._take()
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), or SIGKILL past 20 s; nothing when not running."""
        if self._process is None:
            return
        process = self._take()
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        except ProcessLookupError:
            process.wait(timeout=30)

    def log_tail(self, lines: int = 60) -> str:
        """The last lines of the log but the access lines of answered requests."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        kept = [line for line in text.splitlines() if not _ANSWERED.search(line)]
        return "\n".join(kept[-lines:])

    def _take(self) -> subprocess.Popen[bytes]:
        assert self._process is not None, "the server is not running"
        process, self._process = self._process, None
        return process

    def _wait_until_up(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                raise AssertionError(f"leadroute serve exited:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(
            f"leadroute serve did not answer within {START_TIMEOUT:g} s:\n{self.log_tail()}"
        )
