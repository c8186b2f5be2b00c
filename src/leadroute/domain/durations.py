"""Durations written the way people write them in a routing file: `90s`, `5m`, `2h`, `3d`, `1w`."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")


def parse_duration(text: str) -> timedelta:
    """Parse `1h30m`, `5m`, `3d`; raise ValueError naming the text when it is not a duration."""
    compact = text.strip().lower().replace(" ", "")
    if not compact:
        raise ValueError("expected a duration such as 5m, 2h or 3d, got an empty string")
    position, seconds = 0, 0.0
    for match in _PART.finditer(compact):
        if match.start() != position:
            break
        seconds += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    if position != len(compact):
        raise ValueError(f"expected a duration such as 5m, 2h or 3d, got {text!r}")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest `2h30m` style text for a duration (whole seconds)."""
    remaining = int(value.total_seconds())
    if remaining == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
