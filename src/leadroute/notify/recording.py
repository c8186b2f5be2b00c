"""In-memory twins of the senders: they record what would be sent and fail on request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from leadroute.domain.deliveries import DELIVERED, Sent, failure


@dataclass(frozen=True, kw_only=True, slots=True)
class SentNotice:
    url: str
    title: str
    body: str
    delivery_id: str


@dataclass(frozen=True, kw_only=True, slots=True)
class SentPost:
    url: str
    body: bytes
    headers: Mapping[str, str]


@dataclass(kw_only=True)
class RecordingNotifier:
    """Records notices; the first `failures` tries fail."""

    failures: int = 0
    sent: list[SentNotice] = field(default_factory=list)
    tries: int = 0

    def notify(self, url: str, *, title: str, body: str, delivery_id: str) -> Sent:
        self.tries += 1
        if self.tries <= self.failures:
            return failure(f"try {self.tries} fails on purpose")
        self.sent.append(SentNotice(url=url, title=title, body=body, delivery_id=delivery_id))
        return DELIVERED


@dataclass(kw_only=True)
class RecordingPoster:
    """Records posts; the first `failures` tries fail."""

    failures: int = 0
    sent: list[SentPost] = field(default_factory=list)
    tries: int = 0

    def post(self, url: str, *, body: bytes, headers: Mapping[str, str]) -> Sent:
        self.tries += 1
        if self.tries <= self.failures:
            return failure(f"HTTP 500: try {self.tries} fails on purpose")
        self.sent.append(SentPost(url=url, body=body, headers=dict(headers)))
        return DELIVERED
