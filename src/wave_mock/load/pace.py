"""Pacing: a worker's share of ``--rate``, spread over all its senders (kept free of Locust for tests)."""

from __future__ import annotations


class Pacer:
    """Spread sends at ``rate`` events/s over every user of a worker (no rate: no waiting)."""

    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self._next: float | None = None

    def delay(self, events: int, now: float) -> float:
        """Reserve a slot for ``events``; return how long to wait before sending them."""
        if not self.rate:
            return 0.0
        slot = now if self._next is None else max(self._next, now)
        self._next = slot + events / self.rate
        return slot - now
