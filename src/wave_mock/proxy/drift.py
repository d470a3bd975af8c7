"""Drift: the upstream's numbers against wave-mock's for the same events, metric by metric.

    a read of stream X / the dashboard, by key K (through the proxy, or GET /_mock/drift)
      -> wait until the upstream has settled (K's last write + --settle), polling meanwhile
      -> upstream body   vs   wave-mock's analytics over the shadow store at the upstream's "now"
      -> "upstream peakViewers 12; the same events give 9"

Drift means the upstream differs from wave-mock's documented semantics (docs/metrics.md);
that is a finding to look at, not necessarily a bug in the upstream.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from wave_mock.errors import ApiError
from wave_mock.proxy.clock import UpstreamClock
from wave_mock.proxy.shadow import Shadow, parse_json
from wave_mock.proxy.upstream import Answer, Upstream
from wave_mock.settling import poll
from wave_mock.timeutil import format_rfc3339

MEANING = ("Drift means the upstream's number differs from wave-mock's documented semantics (docs/metrics.md) "
           "for the same events; not necessarily a bug.")
STREAM, DASHBOARD = "getStreamAnalytics", "getDashboardMetrics"
Numbers = dict[str, float]


@dataclass(frozen=True)
class Difference:
    """One metric on which the two disagree."""

    metric: str
    upstream: float | None
    shadow: float | None

    def to_json(self) -> dict[str, Any]:
        return {"metric": self.metric, "upstream": self.upstream, "shadow": self.shadow, "message": str(self)}

    def __str__(self) -> str:
        theirs = "nothing (not found)" if self.upstream is None else _shown(self.upstream)
        return f"upstream {self.metric} {theirs}; the same events give {_shown(self.shadow)}"


def numbers(body: Any, prefix: str = "") -> Numbers:
    """Flatten a body's numeric leaves; timeseries items are named by their ``start``, top events by name.

    >>> numbers({"peakViewers": 3, "quality": {"avgBitrate": 2.5}, "live": True})
    {'peakViewers': 3, 'quality.avgBitrate': 2.5}
    """
    if isinstance(body, dict):
        out: Numbers = {}
        for key, value in body.items():
            out.update(numbers(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(body, list):
        out = {}
        for index, item in enumerate(body):
            # By name, not position: two counts swapped between events would compare equal by position.
            name = (item.get("start") or item.get("eventName") or index) if isinstance(item, dict) else index
            out.update(numbers(item, f"{prefix}[{name}]"))
        return out
    if isinstance(body, (int, float)) and not isinstance(body, bool):
        return {prefix: body}
    return {}


def differences(upstream: Any, shadow: Any, tolerance: float) -> list[Difference]:
    """Compare every numeric metric wave-mock computes with the upstream's (when it sent one).

    Integers must be equal; other numbers may differ by ``tolerance`` relative to the larger.
    A metric the upstream left out or sent as a non-number is the shape checker's business.
    """
    theirs, ours = numbers(upstream), numbers(shadow)
    found = []
    for metric, mine in ours.items():
        value = theirs.get(metric)
        if value is None:
            continue
        if isinstance(value, int) and isinstance(mine, int):
            same = value == mine
        else:
            same = abs(value - mine) <= tolerance * max(abs(value), abs(mine), 1.0)
        if not same:
            found.append(Difference(metric, value, mine))
    return found


@dataclass
class Reading:
    """One read of the upstream, and the shadow's answer at the same instant."""

    answer: Answer | None
    shadow: dict[str, Any] | None
    found: list[Difference]
    comparable: bool
    note: str = ""


class DriftChecker:
    """Compare reads with the shadow store, once the upstream has settled; keep a history."""

    def __init__(self, upstream: Upstream, shadow: Shadow, clock: UpstreamClock, settle: float, tolerance: float,
                 keep: int = 500) -> None:
        self.upstream, self.shadow, self.clock = upstream, shadow, clock
        self.settle, self.tolerance = settle, tolerance
        self.history: deque[dict[str, Any]] = deque(maxlen=keep)
        self.pending: set[tuple[str, ...]] = set()
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(2, thread_name_prefix="wave-mock-drift")

    def check(self, key: str, operation: str, query: dict[str, str], stream_id: str | None = None,
              first: Answer | None = None, at: float | None = None) -> dict[str, Any]:
        """Compare now, polling the upstream until it agrees or has settled; record the verdict."""
        started = time.monotonic()
        passed = {"answer": first}  # the read that passed through is the first reading

        def read() -> Reading:
            answer, when = passed.pop("answer", None), at
            if answer is None:
                answer, when = self._fetch(key, operation, query, stream_id), None
            return self._compare(key, operation, query, stream_id, answer, when)

        reading, _, _ = poll(read, lambda r: r.comparable and not r.found, self.shadow.settled_in(key, self.settle))
        report = self._report(key, operation, query, stream_id, reading, time.monotonic() - started)
        self.history.append(report)
        return report

    def schedule(self, key: str, operation: str, query: dict[str, str], stream_id: str | None, first: Answer, at: float) -> None:
        """Check a read that passed through the proxy, off the request's thread (one at a time per read)."""
        ident = (key, operation, stream_id or "", *sorted(query.items()))  # type: ignore[arg-type]
        with self.lock:
            if ident in self.pending:
                return
            self.pending.add(ident)

        def run() -> None:
            try:
                self.check(key, operation, query, stream_id, first, at)
            except Exception:  # a failed background check must not kill the pool
                pass
            finally:
                with self.lock:
                    self.pending.discard(ident)

        self.pool.submit(run)

    def reports(self, tenant: str, limit: int = 100) -> list[dict[str, Any]]:
        return [r for r in reversed(self.history) if r["tenant"] == tenant][:limit]

    def _fetch(self, key: str, operation: str, query: dict[str, str], stream_id: str | None) -> Answer | None:
        path = f"/api/v1/analytics/stream/{quote(stream_id or '', safe='')}" if operation == STREAM else "/api/v1/analytics/dashboards"
        try:
            return self.upstream.send("GET", f"{path}?{urlencode(query)}" if query else path,
                                      {"Authorization": f"Bearer {key}", "Accept": "application/json"}, None)
        except ApiError:
            return None

    def _compare(self, key: str, operation: str, query: dict[str, str], stream_id: str | None,
                 answer: Answer | None, at: float | None) -> Reading:
        now = self.clock.now(key, at=at, fresh=True)
        if operation == STREAM:
            ours = self.shadow.stream(key, stream_id or "", query.get("period", "24h"), now)
        else:
            ours = self.shadow.dashboard(key, query.get("period", "7d"), query.get("metric"), now)
        if answer is None:
            return Reading(None, ours, [], False, "the upstream could not be read")
        if answer.status == 404 and operation == STREAM:
            if ours is None:
                return Reading(answer, None, [], True)
            found = [Difference(m, None, v) for m, v in numbers(ours).items() if m == "totalViewers"]
            return Reading(answer, ours, found, True, "the upstream does not know this stream")
        if answer.status != 200:
            return Reading(answer, ours, [], False, f"the upstream answered {answer.status}")
        if ours is None:
            return Reading(answer, None, [], False, "no event of this stream passed through the proxy")
        return Reading(answer, ours, differences(parse_json(answer.body), ours, self.tolerance), True)

    def _report(self, key: str, operation: str, query: dict[str, str], stream_id: str | None, reading: Reading,
                waited: float) -> dict[str, Any]:
        status = "not comparable" if not reading.comparable else ("drift" if reading.found else "ok")
        report: dict[str, Any] = {
            "at": format_rfc3339(time.time()), "tenant": self.shadow.tenant(key), "operation": operation,
            "query": query, "status": status, "differences": [d.to_json() for d in reading.found],
            "upstreamStatus": reading.answer.status if reading.answer else None,
            "waitedSeconds": round(waited, 3), "clock": self.clock.source(key),
        }
        if stream_id is not None:
            report["streamId"] = stream_id
        if reading.note:
            report["note"] = reading.note
        return report


def _shown(value: float | None) -> str:
    return "nothing" if value is None else f"{value:g}" if isinstance(value, float) else str(value)

