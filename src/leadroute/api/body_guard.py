"""What a request body may be, checked before any route reads it: its size (413), its content
type (415) and, for JSON, how deeply it nests (422). A pure ASGI middleware: it reads the body
once, up to the limit, and hands the same bytes to the route.

Deep nesting is refused because Python's JSON parser recurses: a body of 100,000 `[` would
otherwise end in a RecursionError (a 500) instead of an answer naming the problem.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

JSON = "application/json"
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
YAML = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain")
NONE = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class BodyRule:
    """The content types one endpoint takes, and whether it takes large uploads."""

    method: str
    path: str
    types: tuple[str, ...]
    upload: bool = False


# Every other API call with a body takes JSON only.
RULES = (
    BodyRule(method="POST", path="/api/v1/leads", types=(JSON, *FORMS)),
    BodyRule(method="PUT", path="/api/v1/routing", types=(JSON, *YAML, NONE)),
    BodyRule(
        method="POST", path="/api/v1/accounts/import", types=("multipart/form-data",), upload=True
    ),
)
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


class BodyGuard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        max_upload_bytes: int,
        max_depth: int,
        rules: Iterable[BodyRule] = RULES,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes
        self.max_depth = max_depth
        self.rules = {(rule.method, rule.path): rule for rule in rules}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        rule = self.rules.get((scope["method"], scope["path"]))
        api = scope["path"].startswith("/api/")
        limit = self.max_upload_bytes if rule is not None and rule.upload else self.max_bytes
        headers = _headers(scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, 413, _too_large(limit))
            return
        body, complete = await _read(receive, limit)
        if not complete:
            await _refuse(send, 413, _too_large(limit))
            return
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        if api and body:
            allowed = rule.types if rule is not None else (JSON,)
            if not _accepts(allowed, kind):
                await _refuse(send, 415, _unsupported(kind, allowed))
                return
        if body and (kind == JSON or kind.endswith("+json")):
            depth = json_depth(body)
            if depth > self.max_depth:
                await _refuse(
                    send,
                    422,
                    {
                        "error": "invalid input",
                        "problems": [
                            {
                                "path": "(body)",
                                "message": f"JSON nested {depth} deep; at most "
                                f"{self.max_depth} levels are accepted",
                            }
                        ],
                    },
                )
                return
        await self.app(scope, _replay(body, receive), send)


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text (brackets inside strings ignored)."""
    deepest = depth = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b'""', body)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _accepts(allowed: tuple[str, ...], kind: str) -> bool:
    if kind in allowed:
        return True
    return JSON in allowed and kind.startswith("application/") and kind.endswith("+json")


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}


async def _read(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The body, and False when it grew past the limit (reading stops there)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", False
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), True


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read, then whatever the client does next (a disconnect, when it goes)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def _too_large(limit: int) -> dict[str, object]:
    return {"error": f"request body too large: at most {limit:,} bytes are accepted"}


def _unsupported(kind: str, allowed: tuple[str, ...]) -> dict[str, object]:
    names = ", ".join(name for name in allowed if name) or "no body"
    sent = kind or "none"
    return {"error": f"unsupported content type {sent!r}: send {names}"}


async def _refuse(send: Send, status: int, body: dict[str, object]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
