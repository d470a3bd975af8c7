"""The analytics facade the HTTP layer calls: store indexes in, response bodies out.

The metric math lives in ``wave_mock.metrics``; this module only picks the right
events out of the store's indexes and memoises derived data on them:

    stream memo  "sorted"    the stream's events in replay order, and their times
                 "timeline"  (k, Timeline) replayed from the first k sorted events,
                             k = how many are not in the future at the asked "now"
    hour memo    "tally"     Tally of the whole clock hour
    tenant memo  (now, period) -> full dashboard body

The store clears a memo whenever its index changes, and the keys above include
everything else a result depends on (``now`` via k, or verbatim), so memoised
answers always equal recomputation from scratch.
"""

from __future__ import annotations

import bisect
import copy
import itertools
from typing import Any

from wave_mock.events import Event
from wave_mock.metrics.dashboard import DASHBOARD_METRICS, Tally, UnknownMetric, compose, select
from wave_mock.metrics.sessions import Timeline, order_key, replay_ordered
from wave_mock.metrics.stream import stream_metrics
from wave_mock.metrics.windows import (
    DASHBOARD_PERIODS,
    STREAM_PERIODS,
    Window,
    bucket_index,
    bucket_size,
    bucket_starts,
    period_seconds,
    window,
)
from wave_mock.store import HOUR, EventStore, HourIndex, StreamIndex, TenantIndex, hour_of

# Distinct "now" values remembered per tenant; a moving clock would otherwise grow the memo.
_DASHBOARD_MEMO_SIZE = 8


def _sorted(stream: StreamIndex) -> tuple[list[Event], list[float]]:
    """Return the stream's events in replay order and their times (memoised)."""
    cached = stream.memo.get("sorted")
    if cached is None:
        ordered = sorted(stream.events, key=order_key)
        cached = stream.memo["sorted"] = (ordered, [e.time for e in ordered])
    return cached


def _timeline(stream: StreamIndex, now: float) -> tuple[Timeline, list[Event], list[float], int]:
    """Return the stream's timeline at ``now`` plus its sorted events, times and cut-off."""
    ordered, times = _sorted(stream)
    k = bisect.bisect_right(times, now)
    cached = stream.memo.get("timeline")
    if cached is None or cached[0] != k:
        cached = stream.memo["timeline"] = (k, replay_ordered(itertools.islice(ordered, k)))
    return cached[1], ordered, times, k


def stream_analytics(
    store: EventStore, tenant: str, stream_id: str, now: float, period: str
) -> dict[str, Any] | None:
    """Return the stream analytics body, or None when the tenant never sent that stream."""
    win = window(now, period_seconds(period, STREAM_PERIODS))
    with store.locked():
        index = store.tenant_index(tenant)
        stream = index.streams.get(stream_id) if index is not None else None
        if stream is None:
            return None
        timeline, ordered, times, k = _timeline(stream, now)
        inside = ordered[bisect.bisect_left(times, win.start) : k]
        return stream_metrics(stream_id, period, timeline, inside, now, win)


def _hour_tally(bucket: HourIndex) -> Tally:
    cached = bucket.memo.get("tally")
    if cached is None:
        cached = bucket.memo["tally"] = Tally()
        for event in bucket.events:
            cached.add(event)
    return cached


def _count(index: TenantIndex, win: Window, starts: list[float]) -> tuple[Tally, list[int]]:
    """Tally the events in ``win`` and count them per timeseries bucket."""
    total = Tally()
    counts = [0] * len(starts)
    last = len(starts) - 1
    for hour in range(hour_of(win.start), hour_of(win.end) + 1):
        bucket = index.hours.get(hour)
        if bucket is None:
            continue
        h0, h1 = hour * HOUR, (hour + 1) * HOUR
        if h0 >= win.start and h1 <= win.end:
            # Whole hour inside the window: its pre-aggregated tally is exact.
            total.merge(_hour_tally(bucket))
            k = bucket_index(starts, h0)
            if k == last or starts[k + 1] >= h1:
                counts[k] += len(bucket.events)
            else:
                for e in bucket.events:
                    counts[bucket_index(starts, e.time)] += 1
            continue
        for e in bucket.events:
            if win.start <= e.time <= win.end:
                total.add(e)
                counts[bucket_index(starts, e.time)] += 1
    return total, counts


def _dashboard(index: TenantIndex | None, now: float, period: str) -> dict[str, Any]:
    seconds = DASHBOARD_PERIODS[period]
    win = window(now, seconds)
    starts = bucket_starts(win, bucket_size(seconds))
    if index is None:
        return compose(period, Tally(), starts, [0] * len(starts), [], now, win)
    counts, event_counts = _count(index, win, starts)
    timelines = [_timeline(stream, now)[0] for stream in index.streams.values()]
    return compose(period, counts, starts, event_counts, timelines, now, win)


def dashboard_metrics(
    store: EventStore, tenant: str, now: float, period: str, metric: str | None = None
) -> dict[str, Any]:
    """Return the dashboard body; ``metric`` keeps one key (``UnknownMetric`` if invalid)."""
    period_seconds(period, DASHBOARD_PERIODS)
    if metric is not None and metric not in DASHBOARD_METRICS:
        raise UnknownMetric(metric)
    with store.locked():
        index = store.tenant_index(tenant)
        key = ("dashboard", now, period)
        body = index.memo.get(key) if index is not None else None
        if body is None:
            body = _dashboard(index, now, period)
            if index is not None:
                if len(index.memo) >= _DASHBOARD_MEMO_SIZE:
                    index.memo.clear()
                index.memo[key] = body
    # A deep copy per call, so a caller that edits the body cannot corrupt the memo.
    return {"period": body["period"], "metrics": copy.deepcopy(select(body["metrics"], metric))}
