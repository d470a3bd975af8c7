"""The upstream's "now", so the shadow store computes at the same instant the upstream does.

A wave-mock upstream tells its clock (per key) at ``GET /_mock/clock``; it may be frozen or
moved. Anything else has none, and real time stands in. Readings are cached for ``ttl``
seconds (the hot path pays nothing), and a drift check asks for a fresh one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

import orjson

from wave_mock.errors import ApiError
from wave_mock.proxy.upstream import Upstream
from wave_mock.timeutil import parse_rfc3339

RETRY_UNAVAILABLE = 60.0  # seconds before asking an upstream with no clock again


@dataclass(frozen=True)
class Reading:
    """One reading: a frozen instant, or an offset from the local clock."""

    taken: float  # local monotonic seconds
    frozen_at: float | None
    offset: float
    available: bool

    def now(self, at: float) -> float:
        return self.frozen_at if self.frozen_at is not None else at + self.offset


class UpstreamClock:
    """The upstream's time per API key, read from ``/_mock/clock`` when it has one."""

    def __init__(self, upstream: Upstream, ttl: float = 1.0, wall: Callable[[], float] = time.time) -> None:
        self.upstream = upstream
        self.ttl = ttl
        self.wall = wall
        self.readings: dict[str, Reading] = {}
        self.lock = threading.Lock()

    def now(self, key: str, at: float | None = None, fresh: bool = False) -> float:
        """Return the upstream's time for ``key`` at local wall time ``at`` (default: now)."""
        at = self.wall() if at is None else at
        reading = self.readings.get(key)
        if self.stale(key) or fresh and reading is not None and reading.available:
            reading = self._read(key)
        assert reading is not None
        return reading.now(at)

    def stale(self, key: str) -> bool:
        """Tell whether ``now(key)`` would read the upstream's clock (a blocking request)."""
        reading = self.readings.get(key)
        if reading is None:
            return True
        return time.monotonic() - reading.taken > (self.ttl if reading.available else RETRY_UNAVAILABLE)

    def forget(self) -> None:
        """Drop every reading (the clock was moved through the proxy)."""
        with self.lock:
            self.readings.clear()

    def source(self, key: str) -> str:
        """Say where the time comes from, for reports."""
        reading = self.readings.get(key)
        if reading is None or not reading.available:
            return "real time (the upstream has no /_mock/clock)"
        return "the upstream's frozen /_mock/clock" if reading.frozen_at is not None else "the upstream's /_mock/clock"

    def _read(self, key: str) -> Reading:
        local = self.wall()
        reading = Reading(time.monotonic(), None, 0.0, False)
        try:
            answer = self.upstream.send("GET", "/_mock/clock", {"Authorization": f"Bearer {key}", "Accept": "application/json"}, None)
            body = orjson.loads(answer.body) if answer.status == 200 else None
            instant = parse_rfc3339(body["now"]) if isinstance(body, dict) and isinstance(body.get("now"), str) else None
            if instant is not None:
                frozen = instant if body.get("frozen") else None
                reading = Reading(time.monotonic(), frozen, instant - local, True)
        except (ApiError, orjson.JSONDecodeError):
            pass
        with self.lock:
            self.readings[key] = reading
        return reading
