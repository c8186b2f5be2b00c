"""A lock file that queues the processes writing one SQLite database.

SQLite's own write lock makes a waiting writer sleep and retry (1, 2, 5, 10, 15, 20, 25 ms...),
so with two app processes each routing decision waited about twice as long as it took. Here a
writer takes an exclusive `flock` on `<database>-write.lock` first, trying again every half
millisecond: the next writer starts almost as soon as the last one commits. The operating
system releases the lock of a process that dies. SQLite's lock still guards the file itself;
this only orders the writers that go through `Database.writing()`.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_RETRY_SECONDS = 0.0005


class WriteLockTimeout(RuntimeError):
    """Another process held the database's write lock past the timeout."""


class FileLock:
    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None
        self._pid = 0
        self._opening = threading.Lock()

    def _descriptor(self) -> int:
        """This process's own descriptor: one inherited through fork would share the lock."""
        with self._opening:
            if self._fd is None or self._pid != os.getpid():
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                self._pid = os.getpid()
            return self._fd

    @contextmanager
    def held(self, *, timeout: float) -> Iterator[None]:
        """Hold the lock for the block; WriteLockTimeout after `timeout` seconds of waiting.
        Callers of one process take turns before this (Database.writer)."""
        fd = self._descriptor()
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WriteLockTimeout(
                        f"no turn to write within {timeout:g} s: another process holds {self.path}"
                    ) from None
                time.sleep(_RETRY_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
