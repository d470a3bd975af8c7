"""RFC 3339 parsing and formatting, in one place."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any, Sequence

import numpy as np

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


# The generator's form, "2025-01-01T06:10:47.983Z": what parse_rfc3339_many reads in bulk.
_MS_FORM_LEN = 24
_MS_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22]
_MS_PUNCT = {4: b"-", 7: b"-", 10: b"Tt", 13: b":", 16: b":", 19: b".", 23: b"Zz"}
_UNIX_ORDINAL = 719163  # date(1970, 1, 1).toordinal()


def parse_rfc3339_many(values: Sequence[Any]) -> list[float | None]:
    """Return ``parse_rfc3339`` of each value, reading UTC millisecond stamps in numpy passes.

    For a fixture of a million events, one Python parse per stamp (~5 us) was a large part
    of computing its expected file. Values of any other form (offsets, other precisions,
    invalid dates) go through ``parse_rfc3339`` one by one, so the result is the same.
    """
    values = list(values)
    try:
        joined = "".join(values)
    except TypeError:  # some value is not a string
        return list(map(parse_rfc3339, values))
    if len(joined) != _MS_FORM_LEN * len(values) or not joined.isascii() or not values:
        return list(map(parse_rfc3339, values))
    chars = np.frombuffer(joined.encode(), np.uint8).reshape(-1, _MS_FORM_LEN)
    ok = ((chars[:, _MS_DIGITS] - np.uint8(48)) < 10).all(axis=1)  # wraps below "0": one test
    for col, allowed in _MS_PUNCT.items():
        ok &= np.isin(chars[:, col], np.frombuffer(allowed, np.uint8))
    digits = chars.astype(np.int64) - 48

    def number(*cols: int) -> np.ndarray:
        out = np.zeros(len(chars), np.int64)
        for col in cols:
            out = out * 10 + digits[:, col]
        return out

    hour, minute, second = number(11, 12), number(14, 15), number(17, 18)
    ok &= (hour < 24) & (minute < 60) & (second < 60)  # fromisoformat refuses 24:00 and leap seconds
    # Few distinct dates in any file: validate and convert each once, as fromisoformat would.
    dates, which = np.unique(chars[:, :10].copy().view("S10").ravel(), return_inverse=True)
    day_of = np.empty(len(dates), np.int64)
    valid_date = np.ones(len(dates), bool)
    for k, text in enumerate(dates.tolist()):
        try:
            day_of[k] = date.fromisoformat(text.decode()).toordinal() - _UNIX_ORDINAL
        except ValueError:
            day_of[k], valid_date[k] = 0, False
    ok &= valid_date[which]
    ms = day_of[which] * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + number(20, 21, 22)
    # ms / 1000 is correctly rounded, as is timedelta.total_seconds(): the same float.
    out: list[float | None] = (ms / 1000.0).tolist()
    for i in np.flatnonzero(~ok).tolist():
        out[i] = parse_rfc3339(values[i])
    return out
