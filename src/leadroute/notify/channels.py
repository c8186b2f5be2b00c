"""Senders: apprise for notices (Slack, Microsoft Teams, email, json://, ...), httpx for
webhooks. Each returns what the try came to (`Sent`) and never raises for a failed send.

The ports are the `Notifier` and `Poster` protocols; notify/recording.py has in-memory twins.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx

from leadroute.domain.deliveries import DELIVERED, Sent, failure
from leadroute.notify.addresses import is_checked_channel
from leadroute.notify.webhooks import DELIVERY

_LOGGED = frozenset({"WARNING", "ERROR", "CRITICAL"})


class Notifier(Protocol):
    def notify(self, url: str, *, title: str, body: str, delivery_id: str) -> Sent:
        """Send one notice to the apprise URL."""


class Poster(Protocol):
    def post(self, url: str, *, body: bytes, headers: Mapping[str, str]) -> Sent:
        """POST the body; delivered on a 2xx answer."""


class AppriseNotifier:
    """One apprise URL per notice. json/xml/form URLs carry the delivery id as the
    `X-Leadroute-Delivery` header (apprise's `+Header=value` URL syntax)."""

    def __init__(self, *, follow_redirects: bool = False) -> None:
        self.follow_redirects = follow_redirects

    def notify(self, url: str, *, title: str, body: str, delivery_id: str) -> Sent:
        # Imported on first use: loading apprise's plugins takes a moment.
        import apprise  # noqa: PLC0415

        sender = apprise.Apprise(asset=apprise.AppriseAsset(http_redirects=self.follow_redirects))
        if not sender.add(with_delivery_header(url, delivery_id)):
            return failure(f"apprise cannot use the URL {describe_channel(url)}", permanent=True)
        result = sender.notify(body=body, title=title, log_level=logging.WARNING)
        if result:
            return DELIVERED
        said = [entry.message for entry in result.logs() if entry.level in _LOGGED]
        return failure("; ".join(dict.fromkeys(said)) or "apprise could not deliver the notice")


class HttpPoster:
    """Posts with httpx: a short timeout, redirects never followed (the SSRF guard checked
    this address, not wherever a redirect would lead). One client for every post: building a
    client (and its TLS context) each time cost ~45 ms a post, which held the relay to some
    20 deliveries a second."""

    def __init__(self, *, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self._client: httpx.Client | None = None  # made on the first post

    def post(self, url: str, *, body: bytes, headers: Mapping[str, str]) -> Sent:
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout, follow_redirects=False)
        try:
            answer = self._client.post(url, content=body, headers=dict(headers))
        except httpx.HTTPError as error:
            return failure(f"{type(error).__name__}: {error or 'no answer'}")
        if answer.is_success:
            return DELIVERED
        text = " ".join(answer.text.split())[:300]
        return failure(f"HTTP {answer.status_code}" + (f": {text}" if text else ""))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def with_delivery_header(url: str, delivery_id: str) -> str:
    """The apprise URL with the delivery id header added (json, xml and form URLs only)."""
    if not is_checked_channel(url):
        return url
    parts = urlsplit(url)
    extra = f"+{DELIVERY}={delivery_id}"
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))


@functools.lru_cache(maxsize=512)
def describe_channel(url: str) -> str:
    """The URL with its secrets (tokens, passwords) hidden, as apprise shows it."""
    import apprise  # noqa: PLC0415

    try:
        plugin = apprise.Apprise.instantiate(url)
    except Exception:  # any URL apprise chokes on is shown as a bare scheme
        plugin = None
    if plugin:
        shown = plugin.url(privacy=True)  # type: ignore[no-untyped-call]
        return str(shown).split("?", 1)[0]
    scheme = urlsplit(url).scheme
    return f"{scheme}://..." if scheme else "(not a URL)"
