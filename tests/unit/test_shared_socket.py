"""serve --workers N: the listening socket its app processes share says it is TCP, so asyncio
turns Nagle's algorithm off on every connection they accept (without it each keep-alive
response waited for the client's delayed acknowledgement)."""

from __future__ import annotations

import socket

import uvicorn

from leadroute.cli.processes import SharedSocketConfig


def _config() -> uvicorn.Config:
    return SharedSocketConfig("leadroute.bootstrap:site_from_environment", host="127.0.0.1", port=0)


def test_the_shared_socket_names_tcp_so_accepted_connections_get_nodelay() -> None:
    listening = _config().bind_socket()
    try:
        assert listening.proto == socket.IPPROTO_TCP
        assert listening.get_inheritable()
        listening.listen()  # what asyncio's create_server does in each app process
        client = socket.create_connection(listening.getsockname())
        accepted, _ = listening.accept()
        with client, accepted:
            assert accepted.proto == socket.IPPROTO_TCP  # what asyncio's _set_nodelay checks
    finally:
        listening.close()


def test_uvicorns_own_socket_would_not_have_said_so() -> None:
    """The reason for the subclass: if uvicorn's own socket names TCP one day, this fails and
    SharedSocketConfig can go."""
    listening = uvicorn.Config("x:y", host="127.0.0.1", port=0).bind_socket()
    with listening:
        assert listening.proto == 0
