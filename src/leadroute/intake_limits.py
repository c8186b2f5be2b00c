"""How big one lead may be: the longest value, the most custom fields, the longest field name.

Checked before the lead is normalised, so a flood of oversized payloads costs little and is
refused with every problem named (422), not stored."""

from __future__ import annotations

import json
from collections.abc import Mapping

from leadroute.domain.errors import Problem
from leadroute.domain.leads import STANDARD_FIELDS

MAX_NAME_LENGTH = 200
_STANDARD = frozenset(STANDARD_FIELDS)


def oversized(payload: object, *, max_length: int, max_custom: int) -> list[Problem]:
    """Each problem of a payload past the limits (nothing for a payload that is not a mapping:
    normalising refuses that with its own message)."""
    if not isinstance(payload, Mapping):
        return []
    problems = []
    custom = [name for name in payload if str(name) not in _STANDARD]
    if len(custom) > max_custom:
        problems.append(
            Problem(
                path="(body)",
                message=f"{len(custom)} custom fields; at most {max_custom} are accepted",
            )
        )
    for name, value in payload.items():
        path = str(name)
        if len(path) > MAX_NAME_LENGTH:
            problems.append(
                Problem(
                    path=path[:40] + "...",
                    message=f"field name of {len(path)} characters; at most {MAX_NAME_LENGTH}",
                )
            )
            continue
        if "\x00" in path or (isinstance(value, str) and "\x00" in value):
            problems.append(Problem(path=path, message="contains a NUL character"))
            continue
        length = _length(value)
        if length > max_length:
            problems.append(
                Problem(
                    path=path,
                    message=f"{length:,} characters long; at most {max_length:,} are accepted",
                )
            )
    return problems


def _length(value: object) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (int, float, bool)) or value is None:
        return 0
    return len(json.dumps(value, default=str, ensure_ascii=False))
