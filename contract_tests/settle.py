"""Eventual consistency: poll reads until they hold, within ``--settle`` seconds, with backoff.

A target may ingest asynchronously (a POST gets 200 and the event shows up seconds later),
so every read-after-write check goes through a ``Settler``::

    write (negatives first, then the positive control, in one request flow)
      -> settler.control(read control, holds)   full --settle budget; records the lag
      -> settler.check(read X, holds)           a short grace: the flow has settled
      -> read the negatives once                "nothing stored" is only judged after
                                                the control showed that writes do land

A check that never holds returns what was seen last, so the failure message shows it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wave_mock.settling import poll

from .kit import Reply
from .report import observations

# After a control has shown up, other reads of the same flow get this long on top of the
# control's own lag (a pipeline need not keep order across streams).
GRACE = 5.0
# When nothing written in this run has ever become visible and one control already timed
# out, later controls wait only this long (a target that stores nothing fails fast).
HOPELESS = 5.0


@dataclass
class Polled:
    """The last reply of a poll, whether the condition held, and how long it took."""

    reply: Reply
    ok: bool
    waited: float

    def explain(self, rule: str) -> str:
        """Return an assertion message: the rule, what was seen last, the reproducing curl."""
        how = f"held after {self.waited:.1f} s" if self.ok else f"still not true after {self.waited:.1f} s of polling; last seen"
        return self.reply.explain(f"{rule}\n  ({how})")


def safely(holds: Callable[[Reply], bool]) -> Callable[[Reply], bool]:
    """Wrap a predicate so an unexpected body shape counts as "does not hold"."""
    def check(reply: Reply) -> bool:
        try:
            return bool(holds(reply))
        except (TypeError, KeyError, AttributeError, IndexError, ValueError):
            return False
    return check


@dataclass
class Settler:
    """Polls with backoff; shares across a run what it learned about the target's lag."""

    settle: float
    seen_any: bool = False
    timed_out: int = 0
    last_lag: float = 0.0

    def poll(self, read: Callable[[], Reply], holds: Callable[[Reply], bool], budget: float) -> Polled:
        """Read until ``holds`` or ``budget`` seconds have passed (wave_mock.settling, shared with the proxy)."""
        return Polled(*poll(read, safely(holds), budget))

    def control(self, read: Callable[[], Reply], holds: Callable[[Reply], bool], since: float) -> Polled:
        """Poll a positive control written at ``since`` (epoch s); record the lag to visibility."""
        budget = self.settle if self.seen_any or not self.timed_out else min(self.settle, HOPELESS)
        polled = self.poll(read, holds, budget)
        if polled.ok:
            self.seen_any = True
            self.last_lag = max(0.0, time.time() - since)
            observations().record_lag(self.last_lag)
        else:
            self.timed_out += 1
        return polled

    def check(self, read: Callable[[], Reply], holds: Callable[[Reply], bool]) -> Polled:
        """Poll a read of a flow whose control already showed up."""
        return self.poll(read, holds, min(self.settle, GRACE + self.last_lag))


def viewers(reply: Reply) -> Any:
    """Return a stream reply's ``totalViewers`` (None when the read did not succeed)."""
    return reply.get("totalViewers") if reply.status == 200 else None


def has_viewers(count: int) -> Callable[[Reply], bool]:
    """Predicate: the stream read succeeded and shows exactly ``count`` viewers."""
    return lambda reply: viewers(reply) == count


def nothing_stored(reply: Reply) -> bool:
    """A stream read shows no data: 404 (unknown stream), or 200 with no viewers.

    Both are fine by the docs; a target that answers every stream with zeros is caught by
    the positive control that each negative check is paired with.
    """
    return reply.status == 404 or viewers(reply) == 0
