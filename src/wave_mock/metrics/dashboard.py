"""Dashboard metrics: tenant-wide counts, viewing totals, breakdowns and a timeseries.

Counting is split from composing so the store can pre-aggregate: a ``Tally`` is
mergeable, so hourly tallies plus tallies of the window's ragged edges add up to
exactly the tally of the events in the window.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from wave_mock.events import PLATFORMS, STREAM_STARTED, Event
from wave_mock.metrics.sessions import Timeline, replay
from wave_mock.metrics.stream import Spans, clip_sessions, viewing
from wave_mock.metrics.windows import (
    DASHBOARD_PERIODS,
    Window,
    bucket_index,
    bucket_size,
    bucket_starts,
    period_seconds,
    rfc3339,
    window,
)

DASHBOARD_METRICS: tuple[str, ...] = (
    "totalEvents",
    "uniqueUsers",
    "uniqueSessions",
    "streamsStarted",
    "liveStreams",
    "totalViewers",
    "peakConcurrentViewers",
    "totalWatchTime",
    "avgWatchTime",
    "eventsByType",
    "eventsByPlatform",
    "topEvents",
    "timeseries",
)

TOP_EVENTS = 10


class UnknownMetric(ValueError):
    """A ``metric=`` name that is not a dashboard metric."""

    def __init__(self, name: str, valid_names: Sequence[str] = DASHBOARD_METRICS) -> None:
        super().__init__(f"unknown metric {name!r}; valid metrics: {', '.join(valid_names)}")
        self.name = name
        self.valid_names = tuple(valid_names)


@dataclass(slots=True)
class Tally:
    """Mergeable counts over a set of events."""

    events: int = 0
    streams_started: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    by_name: Counter[str] = field(default_factory=Counter)
    by_platform: Counter[str] = field(default_factory=Counter)
    viewers: set[str] = field(default_factory=set)
    sessions: set[str] = field(default_factory=set)

    def add(self, event: Event) -> None:
        """Count one event."""
        self.events += 1
        self.streams_started += event.name == STREAM_STARTED
        self.by_type[event.type] += 1
        self.by_name[event.name] += 1
        self.by_platform[event.platform] += 1
        self.viewers.add(event.viewer)
        self.sessions.add(event.session)

    def merge(self, other: Tally) -> None:
        """Add another tally's counts into this one."""
        self.events += other.events
        self.streams_started += other.streams_started
        self.by_type.update(other.by_type)
        self.by_name.update(other.by_name)
        self.by_platform.update(other.by_platform)
        self.viewers |= other.viewers
        self.sessions |= other.sessions


def tally(events: Iterable[Event]) -> Tally:
    """Return the tally of ``events``."""
    out = Tally()
    for event in events:
        out.add(event)
    return out


def top_events(by_name: Counter[str], limit: int = TOP_EVENTS) -> list[dict[str, Any]]:
    """Return the ``limit`` most frequent event names, ties by name ascending."""
    ranked = sorted(by_name.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [{"eventName": name, "count": count} for name, count in ranked]


def count_metrics(counts: Tally) -> dict[str, Any]:
    """Return the count and breakdown metrics of a tally."""
    platforms = {p: 0 for p in PLATFORMS}
    platforms.update(counts.by_platform)
    return {
        "totalEvents": counts.events,
        "uniqueUsers": len(counts.viewers),
        "uniqueSessions": len(counts.sessions),
        "streamsStarted": counts.streams_started,
        "eventsByType": dict(sorted(counts.by_type.items())),
        "eventsByPlatform": platforms,
        "topEvents": top_events(counts.by_name),
    }


def viewing_metrics(spans: Spans) -> dict[str, Any]:
    """Return tenant-wide viewing metrics from every stream's clipped sessions."""
    seen = viewing(spans)
    return {
        "totalViewers": seen.viewers,
        "peakConcurrentViewers": seen.peak,
        "totalWatchTime": round(seen.watch_seconds, 3),
        "avgWatchTime": round(seen.avg_watch, 3),
    }


def timeseries(starts: Sequence[float], event_counts: Sequence[int], spans: Spans) -> list[dict[str, Any]]:
    """Return zero-filled buckets with event counts and distinct active viewers.

    A session ``[s, e]`` is active in bucket ``[b0, b1)`` when ``s < b1`` and ``e >= b0``.
    """
    return [
        {"start": rfc3339(start), "events": count, "activeViewers": active}
        for start, count, active in zip(starts, event_counts, active_viewers(starts, spans))
    ]


def active_viewers(starts: Sequence[float], spans: Spans) -> list[int]:
    """Return, per bucket, how many distinct viewers have a session overlapping it."""
    # Walk sessions by start, keeping each viewer's current run of covered buckets;
    # a run that cannot extend is flushed into a difference array. Linear in sessions
    # (after the sort), not sessions x buckets.
    diff = [0] * (len(starts) + 1)
    run_first: dict[str, int] = {}
    run_last: dict[str, int] = {}
    viewers, span_starts, span_ends = spans.viewers, spans.starts, spans.ends
    locate = bisect.bisect_right  # inlined bucket_index: spans lie inside the window, so index >= 0
    for i in sorted(range(len(span_starts)), key=span_starts.__getitem__):
        viewer = viewers[i]
        first = locate(starts, span_starts[i]) - 1
        last = locate(starts, span_ends[i]) - 1
        prev_last = run_last.get(viewer)
        if prev_last is not None and first <= prev_last + 1:
            if last > prev_last:
                run_last[viewer] = last
            continue
        if prev_last is not None:
            diff[run_first[viewer]] += 1
            diff[prev_last + 1] -= 1
        run_first[viewer], run_last[viewer] = first, last
    for viewer, first in run_first.items():
        diff[first] += 1
        diff[run_last[viewer] + 1] -= 1
    out, running = [], 0
    for delta in diff[:-1]:
        running += delta
        out.append(running)
    return out


def select(metrics: dict[str, Any], metric: str | None) -> dict[str, Any]:
    """Keep only ``metric`` (all when None); raise ``UnknownMetric`` for a bad name."""
    if metric is None:
        return metrics
    if metric not in DASHBOARD_METRICS:
        raise UnknownMetric(metric)
    return {metric: metrics[metric]}


def compose(
    period: str,
    counts: Tally,
    starts: Sequence[float],
    event_counts: Sequence[int],
    timelines: Iterable[Timeline],
    now: float,
    win: Window,
) -> dict[str, Any]:
    """Assemble the full dashboard body from pre-aggregated parts."""
    spans = Spans()
    live = 0
    for timeline in timelines:
        clip_sessions(timeline.sessions, now, win, into=spans)
        live += timeline.is_live
    metrics = {**count_metrics(counts), "liveStreams": live, **viewing_metrics(spans)}
    metrics["timeseries"] = timeseries(starts, event_counts, spans)
    return {"period": period, "metrics": {name: metrics[name] for name in DASHBOARD_METRICS}}


def dashboard_from_events(
    events: Iterable[Event], now: float, period: str, metric: str | None = None
) -> dict[str, Any]:
    """Compute the dashboard straight from a tenant's events (reference path, no caches)."""
    if metric is not None and metric not in DASHBOARD_METRICS:
        raise UnknownMetric(metric)
    seconds = period_seconds(period, DASHBOARD_PERIODS)
    win = window(now, seconds)
    starts = bucket_starts(win, bucket_size(seconds))
    present = [e for e in events if e.time <= now]
    inside = [e for e in present if e.time >= win.start]
    event_counts = [0] * len(starts)
    for e in inside:
        event_counts[bucket_index(starts, e.time)] += 1
    by_stream: dict[str, list[Event]] = {}
    for e in present:
        if e.stream is not None:
            by_stream.setdefault(e.stream, []).append(e)
    timelines = [replay(group, now) for group in by_stream.values()]
    body = compose(period, tally(inside), starts, event_counts, timelines, now, win)
    body["metrics"] = select(body["metrics"], metric)
    return body
