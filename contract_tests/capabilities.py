"""Capability probes that verify instead of assuming.

- The target's clock: a wave-mock says its ``now`` (and whether it is frozen) at
  ``/_mock/health``; anywhere else the kit's own clock stands in.
- ``timestamp`` (mock-only): supported only if an event stamped 2 days before the target's
  now, once settled, stays out of the 24h window and shows in the 7d one.

A rule needing a missing capability is skipped with the probe's reason.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from .kit import Api, Reply, Target, event, rfc3339, unique
from .settle import Settler, has_viewers, nothing_stored


@dataclass(frozen=True)
class TargetClock:
    """What the kit knows of the target's time."""

    now: datetime
    # Told by the target itself (/_mock/health), or the kit's own clock standing in.
    reported: bool
    frozen: bool

    def at(self, seconds_ago: float) -> str:
        """Return the RFC 3339 time ``seconds_ago`` before the target's now, as of this reading."""
        return rfc3339(self.now - timedelta(seconds=seconds_ago))


def target_clock(api: Api, target: Target) -> TargetClock:
    """Read the key's own clock on a wave-mock (each key has one); else use the kit's own.

    ``GET /_mock/clock`` answers for the caller's tenant, which a colleague may have frozen
    (``--load --load-frozen``) while the server's base clock, in ``/_mock/health``, runs.
    """
    for path, frozen_field in (("/clock", "frozen"), ("/health", "clockFrozen")):
        try:
            body = api.admin("GET", target.root_url, path).body
            now = datetime.fromisoformat(body["now"].replace("Z", "+00:00"))
            return TargetClock(now, True, bool(body.get(frozen_field)))
        except Exception:  # no /_mock/ (a real deployment), or not a wave-mock body
            continue
    return TargetClock(datetime.now(timezone.utc), False, False)


@dataclass(frozen=True)
class Capability:
    """Whether the target has a capability, and why the kit thinks so."""

    supported: bool
    reason: str
    # A documented rule the probe saw broken (the probe's events were accepted but lost).
    broken: str | None = None

    def __bool__(self) -> bool:
        return self.supported

    def require(self) -> None:
        """Fail on a broken documented rule; skip when the capability is missing."""
        assert self.broken is None, self.broken
        if not self.supported:
            pytest.skip(self.reason)


def probe_timestamp(api: Api, target: Target, settler: Settler) -> Capability:
    """Send a viewer stamped 2 days back and a control viewer; judge ``timestamp`` by the windows."""
    clock = target_clock(api, target)
    old, control = unique("str_probe_old"), unique("str_probe_now")
    viewer = unique("sess")
    stamped = [event("viewer.joined", viewer, old, timestamp=clock.at(2 * 86400)),
               event("viewer.left", viewer, old, timestamp=clock.at(2 * 86400 - 90))]
    reply = api.batch(stamped)
    refused = _refusal(reply, clock)
    if refused:
        return Capability(False, refused)
    sent = api.batch([event("viewer.joined", unique("sess"), control)])
    if sent.status != 200:
        return Capability(False, sent.explain("the timestamp probe's control event was not accepted"))
    seen = settler.control(lambda: api.stream(control, "24h"), has_viewers(1), since=time.time())
    if not seen.ok:
        return Capability(False, seen.explain("timestamp probe: the control event never became visible"))
    day = api.stream(old, "24h")
    if not nothing_stored(day):
        return Capability(False, day.explain("the target ignores the mock-only `timestamp`: an event stamped 2 days ago counts in the 24h window"))
    week = settler.check(lambda: api.stream(old, "7d"), has_viewers(1))
    if not week.ok:
        broken = week.explain("2 events stamped 2 days ago were accepted but count in neither the 24h nor the 7d window "
                              "(period not honoured, or accepted events dropped)")
        return Capability(False, broken, broken)
    return Capability(True, f"an event stamped 2 days before the target's now ({'reported by' if clock.reported else 'guessed, not reported by'} the target) counts in 7d, not in 24h")


def _refusal(reply: Reply, clock: TargetClock) -> str | None:
    """Say why a stamped batch was refused, or None if it was accepted in full."""
    if reply.status == 409 or "timestamp_out_of_range" in reply.text:
        return reply.explain(f"the target refused a `timestamp` 2 days before {rfc3339(clock.now)} as out of range: "
                             f"its clock is not where the kit thinks ({'reported' if clock.reported else 'the kit’s own clock'})")
    if reply.status != 200:
        return reply.explain("the target rejects the mock-only `timestamp` field")
    if reply.get("accepted") != 2:
        return reply.explain("the target rejects events carrying the mock-only `timestamp` field (item by item)")
    return None
