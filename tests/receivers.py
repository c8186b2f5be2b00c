"""A real HTTP receiver for outbox tests: a server on 127.0.0.1 in a thread that records every
request and answers as told (fail the first tries of each delivery id, block, succeed)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DELIVERY = "X-Leadroute-Delivery"


@dataclass(frozen=True, kw_only=True, slots=True)
class Request:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def delivery(self) -> str | None:
        return self.headers.get(DELIVERY)


@dataclass(kw_only=True)
class Receiver:
    """`failures`: how many requests of each delivery id get a 500 before one gets a 200.
    `blocking`: the first request hangs until `release` is set (a worker killed mid-send)."""

    port: int = 0
    failures: int = 0
    blocking: bool = False
    requests: list[Request] = field(default_factory=list)
    started: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def accepted(self) -> list[Request]:
        """The requests answered 200, in arrival order."""
        with self._lock:
            return [request for request in self.requests if request.status == 200]

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            first = not self.started.is_set()
            self.started.set()
            key = headers.get(DELIVERY) or path
            tries = sum(1 for r in self.requests if (r.delivery or r.path) == key)
        if self.blocking and first:
            self.release.wait(timeout=120)
            status = 500  # the sender is gone: nobody reads this answer
        else:
            status = 500 if tries < self.failures else 200
        with self._lock:
            self.requests.append(Request(path=path, headers=headers, body=body, status=status))
        return status


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if len(body) < length:
                return  # the sender died mid-body: a real receiver never accepts half a request
            status = receiver.answer(self.path, dict(self.headers.items()), body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a sender killed mid-request: nothing to report


@contextmanager
def receiving(**options: Any) -> Iterator[Receiver]:
    """A Receiver listening on a free port of 127.0.0.1 until the block ends."""
    receiver = Receiver(**options)
    server = _Server(("127.0.0.1", 0), _handler(receiver))
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="receiver", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
