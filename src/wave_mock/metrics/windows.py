"""Reporting periods, windows and timeseries buckets.

A window is closed at both ends: ``W = [now - period, now]``.
"""

from __future__ import annotations

import bisect
from datetime import datetime, timezone
from typing import NamedTuple, Sequence

HOUR = 3600
DAY = 86400

STREAM_PERIODS: dict[str, int] = {"1h": HOUR, "24h": DAY, "7d": 7 * DAY, "30d": 30 * DAY}
DASHBOARD_PERIODS: dict[str, int] = {"1d": DAY, "7d": 7 * DAY, "30d": 30 * DAY, "90d": 90 * DAY}


class UnknownPeriod(ValueError):
    """A period name outside the allowed set."""

    def __init__(self, name: str, valid: Sequence[str]) -> None:
        super().__init__(f"unknown period {name!r}; valid periods: {', '.join(valid)}")
        self.name = name
        self.valid = tuple(valid)


class Window(NamedTuple):
    """A closed time range ``[start, end]`` in epoch seconds."""

    start: float
    end: float


def window(now: float, seconds: int) -> Window:
    """Return ``[now - seconds, now]``.

    >>> window(100.0, 60)
    Window(start=40.0, end=100.0)
    """
    return Window(now - seconds, now)


def period_seconds(name: str, periods: dict[str, int]) -> int:
    """Return the length of a named period, or raise ``UnknownPeriod``."""
    try:
        return periods[name]
    except KeyError:
        raise UnknownPeriod(name, list(periods)) from None


def bucket_size(period: int) -> int:
    """Return the timeseries bucket size: hourly for a one-day period, daily otherwise."""
    return HOUR if period <= DAY else DAY


def bucket_starts(win: Window, size: int) -> list[float]:
    """Return the starts of the buckets that tile ``win``, anchored at ``win.start``.

    >>> bucket_starts(Window(0.0, 7200.0), 3600)
    [0.0, 3600.0]
    """
    count = max(1, round((win.end - win.start) / size))
    return [win.start + k * size for k in range(count)]


def bucket_index(starts: Sequence[float], t: float) -> int:
    """Return the bucket holding time ``t`` (which must lie in the window).

    Buckets are ``[start_k, start_k+1)``; the last one is closed at the window end.
    """
    return max(0, bisect.bisect_right(starts, t) - 1)


def rfc3339(t: float) -> str:
    """Format epoch seconds as RFC 3339 UTC, keeping any fraction.

    >>> rfc3339(0.0), rfc3339(0.5)
    ('1970-01-01T00:00:00Z', '1970-01-01T00:00:00.500Z')
    """
    moment = datetime.fromtimestamp(t, tz=timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    micros = moment.microsecond
    if micros == 0:
        return text + "Z"
    if micros % 1000 == 0:
        return f"{text}.{micros // 1000:03d}Z"
    return f"{text}.{micros:06d}Z"


def clipped(start: float, end: float, win: Window) -> float:
    """Return the length of ``[start, end]`` inside ``win`` (0 when disjoint)."""
    return max(0.0, min(end, win.end) - max(start, win.start))
