"""Stream analytics: viewing, liveness and playback quality of one stream over a window."""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Any, Iterable, NamedTuple, Sequence

from wave_mock.events import PLAYBACK_ERROR, PLAYBACK_REBUFFER, PLAYBACK_STARTED, QUALITY_CHANGED, Event
from wave_mock.metrics.sessions import Interval, Session, Timeline, replay
from wave_mock.metrics.windows import STREAM_PERIODS, Window, clipped, period_seconds, window


@dataclass(slots=True)
class Spans:
    """Sessions cut to a window, as parallel columns: ``[starts[i], ends[i]]`` of ``viewers[i]``.

    Columns, not one tuple per session: floats and interned strings are not tracked by
    the garbage collector, and a dashboard over a million stored events would otherwise
    allocate enough tracked tuples to trigger full collections of the whole store.
    """

    viewers: list[str] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.starts)


class Viewing(NamedTuple):
    """Viewing totals over a window."""

    viewers: int
    peak: int
    watch_seconds: float
    sessions: int

    @property
    def avg_watch(self) -> float:
        """Return mean clipped watch time per session, 0 without sessions."""
        return self.watch_seconds / self.sessions if self.sessions else 0.0


def clip_sessions(sessions: Iterable[Session], now: float, win: Window, into: Spans | None = None) -> Spans:
    """Return (or add to ``into``) the sessions overlapping ``win``, cut to it.

    Open sessions run to ``now``.
    """
    out = Spans() if into is None else into
    lo, hi = win
    viewers, starts, ends = out.viewers, out.starts, out.ends
    # Hot loop over every session of a tenant for dashboards: plain comparisons, no calls.
    for viewer, start, end in sessions:
        if end is None:
            end = now
        if start <= hi and end >= lo:
            viewers.append(viewer)
            starts.append(lo if start < lo else start)
            ends.append(hi if end > hi else end)
    return out


def peak_concurrent(starts: Sequence[float], ends: Sequence[float]) -> int:
    """Return the most spans open at one instant; at equal times ends go first.

    >>> peak_concurrent([0, 10, 5], [10, 20, 12])
    2
    """
    begin, finish = sorted(starts), sorted(ends)
    closed, peak, total = 0, 0, len(finish)
    for opened in range(1, len(begin) + 1):
        # Ends at the same instant as this start are applied first: touching spans never overlap.
        t = begin[opened - 1]
        while closed < total and finish[closed] <= t:
            closed += 1
        if opened - closed > peak:
            peak = opened - closed
    return peak


def viewing(spans: Spans) -> Viewing:
    """Summarise clipped sessions: distinct viewers, peak, watch seconds, session count."""
    return Viewing(
        viewers=len(set(spans.viewers)),
        peak=peak_concurrent(spans.starts, spans.ends),
        # fsum is exactly rounded, so the total does not depend on session order.
        watch_seconds=math.fsum(map(operator.sub, spans.ends, spans.starts)),
        sessions=len(spans),
    )


def live_seconds(live: Iterable[Interval], now: float, win: Window) -> float:
    """Return the seconds of ``win`` during which the stream was live."""
    return math.fsum(clipped(i.start, now if i.end is None else i.end, win) for i in live)


def open_at_now(sessions: Iterable[Session]) -> int:
    """Return how many sessions are still open (replayed up to now)."""
    return sum(1 for s in sessions if s.end is None)


def p95(samples: Sequence[float]) -> float | None:
    """Return the nearest-rank 95th percentile, None without samples.

    >>> p95([float(x) for x in range(1, 21)])
    19.0
    """
    if not samples:
        return None
    ordered = sorted(samples)
    # ceil(0.95 * n) in integers, so no float rounding can shift the rank.
    return ordered[(95 * len(ordered) + 99) // 100 - 1]


def _mean(samples: Sequence[float]) -> float | None:
    return math.fsum(samples) / len(samples) if samples else None


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def quality(events: Iterable[Event], watch_seconds: float) -> dict[str, Any]:
    """Return playback quality from the stream's events inside the window."""
    startup: list[float] = []
    bitrate: list[float] = []
    stalls: list[float] = []
    errors = fatal = 0
    for e in events:
        name = e.name
        if name == PLAYBACK_STARTED and e.value is not None:
            startup.append(e.value)
        elif name == PLAYBACK_REBUFFER:
            # A stall without a valid durationMs still counts as a stall, with 0 seconds.
            stalls.append((e.value or 0.0) / 1000)
        elif name == QUALITY_CHANGED and e.value is not None:
            bitrate.append(e.value)
        elif name == PLAYBACK_ERROR:
            errors += 1
            fatal += e.value == 1.0
    rebuffer_seconds = math.fsum(stalls)
    ratio = rebuffer_seconds / watch_seconds if watch_seconds > 0 else 0.0
    return {
        "avgStartupTimeMs": _round(_mean(startup)),
        "p95StartupTimeMs": _round(p95(startup)),
        "rebufferCount": len(stalls),
        "rebufferSeconds": round(rebuffer_seconds, 3),
        "rebufferRatio": round(ratio, 6),
        "avgBitrateKbps": _round(_mean(bitrate)),
        "errorCount": errors,
        "fatalErrorCount": fatal,
    }


def stream_metrics(
    stream_id: str,
    period: str,
    timeline: Timeline,
    window_events: Iterable[Event],
    now: float,
    win: Window,
) -> dict[str, Any]:
    """Compose the stream analytics body from a timeline and the events inside ``win``."""
    spans = clip_sessions(timeline.sessions, now, win)
    seen = viewing(spans)
    return {
        "streamId": stream_id,
        "period": period,
        "totalViewers": seen.viewers,
        "peakViewers": seen.peak,
        "currentViewers": open_at_now(timeline.sessions),
        "avgWatchTime": round(seen.avg_watch, 3),
        "totalDuration": round(live_seconds(timeline.live, now, win), 3),
        "isLive": timeline.is_live,
        "quality": quality(window_events, seen.watch_seconds),
    }


def stream_from_events(
    events: Iterable[Event], stream_id: str, now: float, period: str
) -> dict[str, Any] | None:
    """Compute stream analytics straight from events (reference path, no caches).

    Returns None when no event at all carries ``stream_id`` (future ones included).
    """
    mine = [e for e in events if e.stream == stream_id]
    if not mine:
        return None
    win = window(now, period_seconds(period, STREAM_PERIODS))
    timeline = replay(mine, now)
    inside = [e for e in mine if win.start <= e.time <= win.end]
    return stream_metrics(stream_id, period, timeline, inside, now, win)
