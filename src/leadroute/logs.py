"""Logs never carry a lead's email address or phone number (docs/PRIVACY.md).

`install()` (called by `leadroute serve` and `leadroute worker`) makes every log record of the
process redacted when it is created, whatever logger or handler it goes to (uvicorn's own
handlers, which uvicorn replaces at start-up, and Python's last-resort handler included), and
adds `RedactingFilter` to the root and uvicorn loggers and their handlers. Redaction replaces:

- email addresses, plain or percent-encoded (`ana%40acme.com`), with `[email]`;
- phone numbers (7 to 15 digits, with `+`, spaces, dashes, dots or parentheses, plain or
  percent-encoded) with `[phone]`; dates, times, IPv4 addresses, decimal numbers and ids are
  left alone (a digit run glued to a letter is part of an id, never a phone);
- the values of an access-log line's query string (`/api/v1/leads?q=[redacted]`), but for
  parameters that only ever hold a status, a sort, a number or a date (`SAFE_PARAMETERS`): a
  search may be a name, which no pattern recognises;
- SQLAlchemy's echo of result rows (`Row (...)`) and apprise's debug records (they dump the
  notices it sends): database contents and notice texts carry names no pattern recognises.

Redaction never raises: a record it cannot read is replaced by a fixed message, so logging
keeps working and nothing unredacted slips through.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

EMAIL_MARK = "[email]"
PHONE_MARK = "[phone]"
QUERY_MARK = "[redacted]"
UNREADABLE = "[log record withheld: it could not be redacted]"
ROWS_HIDDEN = "[result row withheld: database contents are not logged]"
NOTICE_HIDDEN = "[apprise debug record withheld: it may quote a notice]"

_EMAIL = re.compile(r"[\w.%+'-]*(?:@|%40)+[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_PLUS = r"(?:\+|%2B)"
_SEPARATOR = r"(?:[ .()\-/]|%20|%28|%29|%2D|\+)"
_PHONE = re.compile(
    rf"(?<![\w%+.\-/:]){_PLUS}?(?:\(?\d(?:{_SEPARATOR}){{0,3}}){{6,14}}\d(?![\w%])",
    re.IGNORECASE,
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_ESCAPE = re.compile(r"%[0-9a-f]{2}", re.IGNORECASE)
SAFE_PARAMETERS = frozenset(
    {"status", "sort", "descending", "limit", "offset", "scope", "by", "metric", "format"}
    | {"from", "to", "kind", "role", "grade", "source", "pool", "owner", "experiment"}
)
_ACCESS_LOGGER = "uvicorn.access"
_SQL_LOGGER = "sqlalchemy.engine"
_APPRISE_LOGGER = "apprise"
_UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
_FACTORY_MARK = "_leadroute_redacts"


def redact(text: str) -> str:
    """`text` with email addresses and phone numbers replaced by marks."""
    if "@" in text or "%40" in text.upper():
        text = _EMAIL.sub(EMAIL_MARK, text)
    if any(char.isdigit() for char in text):
        text = _PHONE.sub(_phone_or_not, text)
    return text


def _phone_or_not(found: re.Match[str]) -> str:
    """A phone mark, unless the digits are a date, an IPv4 address, a decimal number or a
    plain number too short to be a phone without any `+` or separator."""
    candidate = found.group()
    digits = sum(char.isdigit() for char in _ESCAPE.sub(" ", candidate))
    if digits < 7 or digits > 15:
        return candidate
    if _DATE.match(candidate) or _IPV4.fullmatch(candidate):
        return candidate
    plain = candidate.isdigit()
    if plain and digits < 9:
        return candidate
    if candidate.count(".") == 1 and not any(sep in candidate for sep in " -()/+%"):
        return candidate  # 1234.5678: a decimal number
    return PHONE_MARK


def redact_query(path: str) -> str:
    """A request path with its query values replaced (`?q=[redacted]&status=routed`), but for
    `SAFE_PARAMETERS`."""
    head, mark, query = path.partition("?")
    if not mark:
        return redact(path)
    query, hash_mark, _fragment = query.partition("#")
    parts = [_parameter(part) for part in query.split("&")]
    return redact(head) + "?" + redact("&".join(parts)) + ("#" + QUERY_MARK if hash_mark else "")


def _parameter(part: str) -> str:
    name, equals, _value = part.partition("=")
    if name in SAFE_PARAMETERS or not part:
        return part
    return f"{name}={QUERY_MARK}" if equals else QUERY_MARK


def redact_record(record: logging.LogRecord) -> None:
    """Redact a record in place: its message, its arguments, its exception and stack text."""
    try:
        _redact_record(record)
    except Exception:  # logging must go on, and nothing unredacted may go out
        record.msg, record.args = UNREADABLE, ()
        record.exc_info, record.exc_text, record.stack_info = None, None, None


def _redact_record(record: logging.LogRecord) -> None:
    withheld = _withheld(record)
    if withheld is not None:
        record.msg, record.args = withheld, ()
        return
    record.msg = _redact_value(record.msg)
    args = record.args
    if record.name == _ACCESS_LOGGER and isinstance(args, tuple) and len(args) >= 3:
        # uvicorn's access line: (client, method, path with query, http version, status)
        path = args[2]
        args = (*args[:2], redact_query(path) if isinstance(path, str) else path, *args[3:])
    if isinstance(args, Mapping):
        record.args = {key: _redact_value(value) for key, value in args.items()}
    elif isinstance(args, tuple):
        record.args = tuple(_redact_value(value) for value in args)
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def _withheld(record: logging.LogRecord) -> str | None:
    """The message replacing a whole debug record that dumps data, or None."""
    if record.levelno > logging.DEBUG:
        return None
    name = record.name
    if name.startswith(_SQL_LOGGER) and str(record.msg).startswith("Row"):
        return ROWS_HIDDEN
    if name == _APPRISE_LOGGER or name.startswith(f"{_APPRISE_LOGGER}."):
        return NOTICE_HIDDEN
    return None


def _redact_value(value: object) -> Any:
    """Text redacted; numbers, booleans and None as they are (`%d` still works); any other
    object replaced by its redacted text when that text holds something to redact."""
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, bytes):
        decoded = value.decode("utf-8", "replace")
        return value if redact(decoded) == decoded else redact(decoded).encode()
    text = str(value)
    redacted = redact(text)
    return value if redacted == text else redacted


class RedactingFilter(logging.Filter):
    """Redacts each record it sees (never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def install() -> None:
    """Redact every log record of this process from now on (idempotent)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, _FACTORY_MARK, False):
        logging.setLogRecordFactory(_redacting_factory(current))
    for name in ("", *_UVICORN_LOGGERS):
        logger = logging.getLogger(name)
        _add_filter(logger)
        for handler in logger.handlers:
            _add_filter(handler)


def _add_filter(target: logging.Filterer) -> None:
    if not any(isinstance(item, RedactingFilter) for item in target.filters):
        target.addFilter(RedactingFilter())


def _redacting_factory(
    make: Callable[..., logging.LogRecord],
) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        redact_record(record)
        return record

    setattr(factory, _FACTORY_MARK, True)
    return factory


__all__ = ["RedactingFilter", "install", "redact", "redact_query", "redact_record"]
