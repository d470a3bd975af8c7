"""Mock-only ``--rate-limit``: requests per second per key, a token bucket, 429 + ``Retry-After``.

Each key gets a bucket of ``rate`` tokens (one second's worth, so a burst of ``rate``
requests passes at once) that refills at ``rate`` tokens per second of real time. A
request that finds no token gets ``RateLimited``: the project's JSON error body and
``Retry-After`` in whole seconds (at least 1, as HTTP wants an integer), which is when
a token will have come back.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Callable

from wave_mock.errors import RateLimited


@dataclass
class RateLimiter:
    """Admit at most ``rate`` requests per second per key, with a burst of ``rate``."""

    rate: float
    ticks: Callable[[], float]
    # key -> (tokens left, tick of the last refill)
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    @property
    def burst(self) -> float:
        return max(1.0, self.rate)

    def wait(self, key: str) -> float:
        """Take a token for ``key``; return 0 if one was there, else the seconds until one is."""
        now = self.ticks()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def admit(self, key: str) -> None:
        """Let the request through, or raise 429 with ``Retry-After``."""
        wait = self.wait(key)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise RateLimited(
                f"Too many requests: this key may send {self.rate:g} per second (wave-mock --rate-limit); "
                f"retry after {seconds} second{'s' if seconds > 1 else ''}.",
                retry_after=seconds,
            )
