"""Starting and stopping the servers the HTTP benchmarks measure, and reading their memory.

Every server is a subprocess in its own process group (stopped as a whole, uvicorn's worker
processes included) on a free loopback port; its output goes to a log file, which is where a
benchmark looks when a server does not come up. Memory is the resident set (VmRSS) summed over
the server's whole process tree, read from /proc.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

START_TIMEOUT = 90.0  # seconds: two shared cores start a server slowly
KEY = re.compile(r"lr_[0-9a-f]+_[A-Za-z0-9_-]+")
BENCH_ENV = {
    # Load tests measure routing, not the per-key rate limit (600 a minute by default).
    "LEADROUTE_RATE_LIMIT_PER_MINUTE": "0",
    "LEADROUTE_FORM_RATE_LIMIT_PER_MINUTE": "0",
    "PYTHONUNBUFFERED": "1",  # the first start's admin key reaches the log before /healthz
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(kw_only=True)
class Process:
    """A started server: its root process, address and log."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        """SIGTERM the process group (SIGKILL past 20 s) and wait for the root process."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        except ProcessLookupError:
            self.process.wait(timeout=30)


def launch(
    name: str,
    command: list[str],
    *,
    port: int,
    folder: Path,
    env: dict[str, str] | None = None,
    health: bool = True,
) -> Process:
    """Start `command` (which listens on `port`) and return once its /healthz answers 200
    (without `health`: once it has run for a second without exiting)."""
    log = folder / f"{name}.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=folder,
            env={**os.environ, **BENCH_ENV, **(env or {})},
            start_new_session=True,
        )
    served = Process(name=name, process=process, url=f"http://127.0.0.1:{port}", log=log)
    deadline = time.monotonic() + (START_TIMEOUT if health else 1.0)
    while time.monotonic() < deadline:
        if not health:
            time.sleep(0.1)
            if process.poll() is None:
                continue
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited at start:\n{served.log_text()[-3000:]}")
        try:
            if httpx.get(f"{served.url}/healthz", timeout=2).status_code == 200:
                return served
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    if not health and process.poll() is None:
        return served
    served.stop()
    raise RuntimeError(f"{name} did not answer within {START_TIMEOUT:g} s:\n{served.log_text()}")


def leadroute(*args: str, folder: Path) -> str:
    """Run one `leadroute` command to completion; its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", "leadroute", *args],
        capture_output=True,
        text=True,
        cwd=folder,
        env={**os.environ, **BENCH_ENV},
        check=False,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"leadroute {' '.join(args)} failed:\n{done.stderr}")
    return str(done.stdout)


def serve(
    *,
    name: str,
    database: str,
    routing: Path,
    folder: Path,
    workers: int = 1,
    worker: bool = True,
) -> Process:
    """`leadroute serve` on a free port (its timer worker in-process unless `worker` is off)."""
    port = free_port()
    command = [sys.executable, "-m", "leadroute", "serve", "--database", database]
    command += ["--routing", str(routing), "--port", str(port)]
    if workers != 1:
        command += ["--workers", str(workers)]
    if not worker:
        command.append("--no-worker")
    return launch(name, command, port=port, folder=folder)


def admin_key(database: str, folder: Path) -> str:
    """A new admin key on the database (`leadroute keys create` prints it on its last line)."""
    printed = leadroute("keys", "create", "--role", "admin", "--database", database, folder=folder)
    found = KEY.findall(printed)
    if not found:
        raise RuntimeError(f"no key in the output of keys create:\n{printed}")
    return str(found[-1])


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants (read from /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields follow the last ")".
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def rss_bytes(root: int) -> int:
    """The resident set of `root`'s process tree, in bytes (0 once it has exited)."""
    total = 0
    for pid in process_tree(root):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def cpu_seconds(root: int) -> float:
    """CPU time (user + system) used so far by `root`'s process tree."""
    ticks = 0
    for pid in process_tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


def wait_idle(root: int, *, below: float = 0.15, longest: float = 120.0) -> float:
    """Wait until `root`'s tree uses less than `below` of a core (its backlog of an overloaded
    step is worked off, so the next step starts clean); the seconds waited."""
    started = time.monotonic()
    used = cpu_seconds(root)
    while time.monotonic() - started < longest:
        time.sleep(0.5)
        now = cpu_seconds(root)
        if now - used < below * 0.5:
            break
        used = now
    return time.monotonic() - started


@dataclass(kw_only=True)
class Memory:
    """RSS samples of a process tree taken by a background thread."""

    root: int
    every: float = 0.25
    samples: list[int] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.samples.append(rss_bytes(self.root))

    @contextmanager
    def sampling(self) -> Iterator[Memory]:
        thread = threading.Thread(target=self._run, name="rss", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()

    @property
    def peak(self) -> int:
        return max(self.samples, default=0)


def megabytes(count: int) -> float:
    return count / (1024 * 1024)
