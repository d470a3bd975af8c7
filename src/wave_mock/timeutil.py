"""RFC 3339 parsing and formatting, in one place."""

from __future__ import annotations

import re
from functools import lru_cache
from datetime import datetime, timezone

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)


def is_rfc3339(value: str) -> bool:
    """Tell whether ``value`` is an RFC 3339 date-time with an offset.

    >>> is_rfc3339("2026-11-27T10:00:00Z"), is_rfc3339("2026-11-27 10:00")
    (True, False)
    """
    return parse_rfc3339(value) is not None


def parse_rfc3339(value: str) -> float | None:
    """Return epoch seconds for an RFC 3339 date-time, or None if it isn't one."""
    if not isinstance(value, str):
        return None
    return _parse_cached(value)


@lru_cache(maxsize=65536)
def _parse_cached(value: str) -> float | None:
    # Cached: event streams repeat the same second many times, and parsing is on the hot path.
    if not _RFC3339.match(value):
        return None
    try:
        # fromisoformat is laxer than RFC 3339 (hence the regex) but needs an upper-case Z.
        return datetime.fromisoformat(value.upper()).timestamp()
    except ValueError:
        return None


def format_rfc3339(epoch: float) -> str:
    """Format epoch seconds as RFC 3339 UTC, with milliseconds only when needed.

    >>> format_rfc3339(0), format_rfc3339(0.5)
    ('1970-01-01T00:00:00Z', '1970-01-01T00:00:00.500Z')
    """
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    millis = round(epoch * 1000) % 1000
    base = f"{moment.year:04d}-" + moment.strftime("%m-%dT%H:%M:%S")  # %Y drops leading zeros
    return f"{base}.{millis:03d}Z" if millis else f"{base}Z"
