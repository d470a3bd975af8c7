"""The one injectable clock: everything time-dependent reads it."""

from __future__ import annotations

import threading
import time
from typing import Callable


class Clock:
    """Real time by default; can be frozen at an instant and advanced.

    Mock-only: freezing lets tests and fixtures ask for exact metrics.
    """

    def __init__(self, source: Callable[[], float] = time.time, ticks: Callable[[], float] = time.monotonic) -> None:
        self._source = source
        self._ticks = ticks
        self._frozen: float | None = None
        self._lock = threading.Lock()

    def now(self) -> float:
        """Return the current time in epoch seconds."""
        frozen = self._frozen
        return self._source() if frozen is None else frozen

    def ticks(self) -> float:
        """Return real elapsed seconds (monotonic), which freezing or advancing never touches.

        For what is about real waiting, not the mock's notion of now: ``--ingest-lag``
        and ``--rate-limit`` (a frozen clock must not stall ingestion or refill a bucket).
        """
        return self._ticks()

    @property
    def frozen(self) -> bool:
        return self._frozen is not None

    def freeze(self, at: float) -> None:
        """Stop time at ``at`` (epoch seconds)."""
        with self._lock:
            self._frozen = at

    def advance(self, seconds: float) -> None:
        """Move time forward; a real clock is frozen at now + seconds."""
        with self._lock:
            self._frozen = self.now() + seconds

    def unfreeze(self) -> None:
        """Return to real time."""
        with self._lock:
            self._frozen = None
