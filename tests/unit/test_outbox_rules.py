"""The outbox's small rules: webhook signatures, the SSRF guard, the retry schedule."""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import UTC, datetime, timedelta

import pytest

from leadroute.domain.deliveries import Retries
from leadroute.notify.addresses import Unresolvable, refusal, resolve
from leadroute.notify.channels import describe_channel, with_delivery_header
from leadroute.notify.webhooks import signature, signed_headers, verify

SECRET = "whsec_test"
BODY = b'{"event":"lead.created","id":"d1"}'


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1767225600." + BODY, hashlib.sha256).hexdigest()
    assert signature(SECRET, 1767225600, BODY) == f"sha256={expected}"
    headers = signed_headers(
        delivery_id="d1", event_type="lead.created", secret=SECRET, timestamp=1767225600, body=BODY
    )
    assert headers["X-Leadroute-Delivery"] == "d1"
    assert headers["X-Leadroute-Event"] == "lead.created"
    assert verify(
        SECRET,
        timestamp=headers["X-Leadroute-Timestamp"],
        body=BODY,
        signed=headers["X-Leadroute-Signature"],
        now=1767225600 + 60,
    )


@pytest.mark.parametrize(
    ("secret", "timestamp", "body", "now"),
    [
        ("another", "1767225600", BODY, 1767225600),  # wrong key
        (SECRET, "1767225600", BODY + b" ", 1767225600),  # body changed
        (SECRET, "1767225601", BODY, 1767225600),  # timestamp changed
        (SECRET, "1767225600", BODY, 1767225600 + 301),  # too old: a replay
        (SECRET, "soon", BODY, 1767225600),
    ],
)
def test_a_tampered_or_old_message_does_not_verify(
    secret: str, timestamp: str, body: bytes, now: float
) -> None:
    signed = signature(SECRET, 1767225600, BODY)
    assert not verify(secret, timestamp=timestamp, body=body, signed=signed, now=now)


def resolver(host: str, port: int) -> list[str]:
    return {
        "crm.example.com": ["93.184.215.14"],
        "sneaky.example.com": ["93.184.215.14", "10.0.0.1"],
    }[host]


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("https://crm.example.com/hooks", None),
        ("https://93.184.215.14/hooks", None),
        ("https://sneaky.example.com/", "sneaky.example.com (10.0.0.1) is a private address"),
        ("http://127.0.0.1:8080/", "127.0.0.1 is a loopback address"),
        ("http://[::ffff:169.254.169.254]/", "::ffff:169.254.169.254 is a link-local address"),
        ("http://192.168.1.10/", "192.168.1.10 is a private address"),
        ("http://100.64.0.1/", "100.64.0.1 is a non-public address"),
        ("http://224.0.0.251/", "224.0.0.251 is a multicast address"),
        ("http://240.0.0.1/", "240.0.0.1 is a reserved address"),
        ("json://user:pw@127.0.0.1:9/x", "127.0.0.1 is a loopback address"),
        ("https:///nohost", "https:// has no host"),
    ],
)
def test_the_ssrf_guard(url: str, refused: str | None) -> None:
    found = refusal(url, resolver=resolver)
    if refused is None:
        assert found is None
    else:
        assert found is not None
        assert found.startswith(refused)


def test_a_host_that_does_not_resolve() -> None:
    with pytest.raises(Unresolvable, match=r"cannot resolve nowhere\.invalid"):
        resolve("nowhere.invalid", 443)


def test_json_channels_carry_the_delivery_id_header() -> None:
    assert with_delivery_header("json://h:8/p", "d1") == "json://h:8/p?+X-Leadroute-Delivery=d1"
    assert with_delivery_header("jsons://h/p?rto=5", "d1") == (
        "jsons://h/p?rto=5&+X-Leadroute-Delivery=d1"
    )
    assert with_delivery_header("slack://a/b/c/#x", "d1") == "slack://a/b/c/#x"


def test_channels_are_shown_without_their_secrets() -> None:
    shown = describe_channel("slack://TokenA/TokenB/TokenC/#sales")
    assert "TokenB" not in shown
    assert shown.startswith("slack://")
    assert describe_channel("json://user:pw@host:8/p") == "json://user:****@host:8/p"
    assert describe_channel("nonsense://x") == "nonsense://..."


def test_retries_back_off_exponentially_with_jitter_then_give_up() -> None:
    retries = Retries(max_attempts=8, base=timedelta(seconds=30), cap=timedelta(hours=1))
    plain = [retries.delay(n, _Fixed(0.5)) for n in range(1, 9)]
    assert [d.total_seconds() for d in plain] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert retries.delay(1, _Fixed(0.0)) == timedelta(seconds=24)  # -20%
    assert retries.delay(1, _Fixed(1.0)) == timedelta(seconds=36)  # +20%
    now = datetime(2026, 3, 3, tzinfo=UTC)
    rng = random.Random(1)
    delays = {retries.next_try(3, now, rng) for _ in range(50)}
    assert len(delays) > 40  # spread out
    assert all(d is not None and 96 <= (d - now).total_seconds() <= 144 for d in delays)
    assert retries.next_try(8, now, rng) is None  # the eighth try failed: dead-lettered


class _Fixed(random.Random):
    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value
