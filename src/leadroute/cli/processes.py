"""`serve --workers N`: several uvicorn processes accepting on one listening socket."""

from __future__ import annotations

import contextlib
import socket

import uvicorn
from uvicorn.supervisors import Multiprocess


class SharedSocketConfig(uvicorn.Config):
    """uvicorn's config, binding a listening socket that says it is TCP.

    uvicorn creates the shared socket without naming its protocol (proto 0), and asyncio only
    sets TCP_NODELAY on accepted connections whose socket says IPPROTO_TCP: every response of
    an app process then waited for the client's delayed acknowledgement (about 40 ms each,
    measured on /healthz). The same descriptor, rewrapped so its protocol is read back from it.
    """

    def bind_socket(self) -> socket.socket:
        bound = super().bind_socket()
        rewrapped = socket.socket(fileno=bound.detach())
        rewrapped.set_inheritable(True)
        return rewrapped


def run_processes(factory: str, *, workers: int, host: str, port: int) -> None:
    """Run the app `factory` (an import string) in `workers` processes on one port; uvicorn's
    supervisor restarts a process that dies and stops them all on SIGINT/SIGTERM."""
    config = SharedSocketConfig(
        factory, factory=True, workers=workers, host=host, port=port, log_level="info"
    )
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[config.bind_socket()]).run()
