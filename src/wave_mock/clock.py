"""The one injectable clock, and a clock per tenant derived from it.

    base Clock (real time, or a source a test injects)
      └── TenantClocks: one Clock per API key, each reading the base's source
            tenant A's clock frozen/advanced/released  ->  only A's metrics and windows move
            admin token                                ->  every tenant's clock at once

Everything time-dependent reads a tenant's clock. Mock-only: freezing lets tests and
fixtures ask for exact metrics.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Callable, Iterable

# The sane range of a mock clock: far enough for any fixture, near enough that every time
# derived from it (an event up to 90 days before, an hour after) formats as RFC 3339.
EARLIEST = 0.0  # 1970-01-01T00:00:00Z
LATEST = 7_258_118_400.0  # 2200-01-01T00:00:00Z
RANGE_TEXT = "1970-01-01T00:00:00Z and 2200-01-01T00:00:00Z"


class ClockRangeError(ValueError):
    """An instant outside [EARLIEST, LATEST]; the clock did not move."""


def check_instant(at: float) -> float:
    """Return ``at`` when it lies in the sane range, else raise ``ClockRangeError``.

    >>> check_instant(0.0)
    0.0
    """
    if not (math.isfinite(at) and EARLIEST <= at <= LATEST):
        raise ClockRangeError(f"must be between {RANGE_TEXT}")
    return at


class Clock:
    """Real time by default; can be frozen at an instant and advanced, within the sane range."""

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
        """Stop time at ``at`` (epoch seconds); out of range raises and moves nothing."""
        check_instant(at)
        with self._lock:
            self._frozen = at

    def advanced(self, seconds: float) -> float:
        """Return where ``advance(seconds)`` would freeze time; raise if out of range."""
        try:
            return check_instant(self.now() + seconds)
        except ClockRangeError:
            raise ClockRangeError(f"would move the clock outside {RANGE_TEXT}") from None

    def advance(self, seconds: float) -> None:
        """Move time forward; a real clock is frozen at now + seconds."""
        with self._lock:
            self._frozen = self.advanced(seconds)

    def unfreeze(self) -> None:
        """Return to real time."""
        with self._lock:
            self._frozen = None

    def derive(self) -> Clock:
        """Return a new clock on the same source, frozen where this one is."""
        child = Clock(self._source)
        child._frozen = self._frozen
        return child


class TenantClocks:
    """One clock per tenant, all derived from one base clock.

    A tenant's clock starts as a copy of the base (so a test that injects a frozen base
    gets every tenant frozen there) and then moves on its own.
    """

    def __init__(self, base: Clock, tenants: Iterable[str] = ()) -> None:
        self.base = base
        self._lock = threading.Lock()
        self._clocks = {tenant: base.derive() for tenant in tenants}

    def of(self, tenant: str) -> Clock:
        """Return ``tenant``'s clock, derived from the base on first use."""
        clock = self._clocks.get(tenant)
        if clock is None:
            with self._lock:
                clock = self._clocks.setdefault(tenant, self.base.derive())
        return clock

    def now(self, tenant: str) -> float:
        """Return ``tenant``'s current time (what ingest and metrics read)."""
        return self.of(tenant).now()

    def tenants(self) -> dict[str, Clock]:
        """Return every tenant's clock by tenant."""
        return dict(self._clocks)

    def freeze_all(self, at: float) -> None:
        """Freeze the base and every tenant at ``at``; out of range moves nothing."""
        check_instant(at)
        with self._lock:
            for clock in self._every():
                clock.freeze(at)

    def advance_all(self, seconds: float) -> None:
        """Move the base and every tenant forward from their own time, or none of them."""
        with self._lock:
            targets = [(clock, clock.advanced(seconds)) for clock in self._every()]
            for clock, target in targets:
                clock.freeze(target)

    def unfreeze_all(self) -> None:
        """Return the base and every tenant to real time."""
        with self._lock:
            for clock in self._every():
                clock.unfreeze()

    def _every(self) -> list[Clock]:
        return [self.base, *self._clocks.values()]
