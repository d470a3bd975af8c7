"""What the kit observed beyond pass/fail, for the run summary: divergences, freshness, throttling.

The behaviour layer records; the reporting plugin (conftest) prints the summary sections and
the JUnit properties. One ``Observations`` per pytest session, reached through ``observations()``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Observations:
    """Everything the summary reports besides test outcomes."""

    # (rule, observed) -> how many tests saw it
    divergences: Counter[tuple[str, str]] = field(default_factory=Counter)
    # Seconds from an accepted write to the first read that showed it.
    lags: list[float] = field(default_factory=list)
    # HTTP status -> count, for the throttling line (429, 503).
    statuses: Counter[int] = field(default_factory=Counter)
    # The divergences the running test saw: a test that passes with some is reported skipped.
    current: list[tuple[str, str]] = field(default_factory=list)

    def record_divergence(self, rule: str, observed: str) -> None:
        self.divergences[(rule, observed)] += 1
        if (rule, observed) not in self.current:
            self.current.append((rule, observed))

    def record_lag(self, seconds: float) -> None:
        self.lags.append(seconds)

    def record_status(self, status: int) -> None:
        self.statuses[status] += 1


_OBSERVATIONS = Observations()


def observations() -> Observations:
    """Return this process's observations (the kit runs one pytest session per process)."""
    return _OBSERVATIONS
