"""Stream analytics: viewing, liveness and playback quality of one stream over a window."""

from __future__ import annotations

from typing import Any, Iterable, NamedTuple, Sequence

from wave_mock.events import PLAYBACK_ERROR, PLAYBACK_REBUFFER, PLAYBACK_STARTED, QUALITY_CHANGED, Event
from wave_mock.metrics.sessions import Interval, Session, Timeline, replay
from wave_mock.metrics.windows import STREAM_PERIODS, Window, clipped, period_seconds, window


class Clipped(NamedTuple):
    """A session cut to the window: ``[start, end]`` both inside it."""

    viewer: str
    start: float
    end: float


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


def clip_sessions(sessions: Iterable[Session], now: float, win: Window) -> list[Clipped]:
    """Return the sessions overlapping ``win``, cut to it (open sessions run to ``now``)."""
    lo, hi = win
    out: list[Clipped] = []
    append = out.append
    # Hot loop over every session of a tenant for dashboards: plain comparisons, no min/max calls.
    for viewer, start, end in sessions:
        if end is None:
            end = now
        if start <= hi and end >= lo:
            append(Clipped(viewer, lo if start < lo else start, hi if end > hi else end))
    return out


def peak_concurrent(spans: Iterable[Clipped]) -> int:
    """Return the most spans open at one instant; at equal times ends go first.

    >>> peak_concurrent([Clipped("a", 0, 10), Clipped("b", 10, 20), Clipped("c", 5, 12)])
    2
    """
    points: list[tuple[float, int]] = []
    for span in spans:
        points.append((span.start, 1))
        points.append((span.end, -1))
    # (t, -1) sorts before (t, 1): a session ending at t and one starting at t never overlap.
    points.sort()
    open_now = peak = 0
    for _, delta in points:
        open_now += delta
        if open_now > peak:
            peak = open_now
    return peak


def viewing(spans: Sequence[Clipped]) -> Viewing:
    """Summarise clipped sessions: distinct viewers, peak, watch seconds, session count."""
    return Viewing(
        viewers=len({s.viewer for s in spans}),
        peak=peak_concurrent(spans),
        watch_seconds=sum(s.end - s.start for s in spans),
        sessions=len(spans),
    )


def live_seconds(live: Iterable[Interval], now: float, win: Window) -> float:
    """Return the seconds of ``win`` during which the stream was live."""
    return sum(clipped(i.start, now if i.end is None else i.end, win) for i in live)


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
    return sum(samples) / len(samples) if samples else None


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def quality(events: Iterable[Event], watch_seconds: float) -> dict[str, Any]:
    """Return playback quality from the stream's events inside the window."""
    startup: list[float] = []
    bitrate: list[float] = []
    rebuffers = errors = fatal = 0
    rebuffer_seconds = 0.0
    for e in events:
        name = e.name
        if name == PLAYBACK_STARTED and e.value is not None:
            startup.append(e.value)
        elif name == PLAYBACK_REBUFFER:
            # A stall without a valid durationMs still counts as a stall, with 0 seconds.
            rebuffers += 1
            rebuffer_seconds += (e.value or 0.0) / 1000
        elif name == QUALITY_CHANGED and e.value is not None:
            bitrate.append(e.value)
        elif name == PLAYBACK_ERROR:
            errors += 1
            fatal += e.value == 1.0
    ratio = rebuffer_seconds / watch_seconds if watch_seconds > 0 else 0.0
    return {
        "avgStartupTimeMs": _round(_mean(startup)),
        "p95StartupTimeMs": _round(p95(startup)),
        "rebufferCount": rebuffers,
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
