"""The SSRF guard: addresses leadroute posts to (webhooks, apprise json/xml/form channels)
must be public unless `LEADROUTE_ALLOW_PRIVATE_URLS=true`.

The host is resolved and every address it resolves to is checked: loopback, private,
link-local (cloud metadata services live at 169.254.169.254), multicast, reserved, unspecified
and other non-global addresses are refused. The check runs when a webhook is created and
again before every try (DNS may have changed since); redirects are not followed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from urllib.parse import SplitResult, urlsplit

Resolver = Callable[[str, int], Sequence[str]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# apprise schemes that post to any address given (the others talk to their service's hosts).
CHECKED_SCHEMES = frozenset({"json", "jsons", "xml", "xmls", "form", "forms"})
_SECURE = frozenset({"https", "jsons", "xmls", "forms"})


class Unresolvable(Exception):
    """The host has no address now (may be temporary: a delivery is tried again)."""


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (Unresolvable when none)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise Unresolvable(f"cannot resolve {host}: {error}") from None
    return sorted({str(entry[4][0]) for entry in found})


def kind_of(address: Address) -> str | None:
    """Why the address is not public ("a loopback", "a private", ...), None when it is."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        return kind_of(mapped)
    checks = (
        ("an unspecified", address.is_unspecified),
        ("a loopback", address.is_loopback),
        ("a link-local", address.is_link_local),
        ("a multicast", address.is_multicast),
        ("a reserved", address.is_reserved),
        ("a private", address.is_private),
        ("a non-public", not address.is_global),
    )
    for label, applies in checks:
        if applies:
            return label
    return None


def refusal(url: str, *, resolver: Resolver = resolve) -> str | None:
    """Why leadroute will not post to `url` (None: it may). Unresolvable when the host does
    not resolve."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        return f"{_shown(parts)} has no host"
    try:
        addresses: Sequence[str] = [str(ipaddress.ip_address(host))]
        literal = True
    except ValueError:
        addresses, literal = resolver(host, _port(parts)), False
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        label = kind_of(address)
        if label is not None:
            shown = host if literal else f"{host} ({text})"
            return (
                f"{shown} is {label} address: leadroute does not post to private networks "
                "unless LEADROUTE_ALLOW_PRIVATE_URLS=true"
            )
    return None


def is_checked_channel(url: str) -> bool:
    """True for apprise URLs that post to an address of the user's choosing."""
    return urlsplit(url).scheme.lower() in CHECKED_SCHEMES


def _port(parts: SplitResult) -> int:
    try:
        port = parts.port
    except ValueError:
        port = None
    return port or (443 if parts.scheme.lower() in _SECURE else 80)


def _shown(parts: SplitResult) -> str:
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme else repr(parts.geturl())
