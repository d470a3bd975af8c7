"""Stream analytics from pre-sorted arrays: the same numbers as ``stream.py``, per query O(log n).

``analytics.py`` memoises two indexes per stream and asks them about each window:

    QualityIndex   per stored version: each kind of quality sample's times, sorted, with
                   exact prefix sums of its values. Counts and sums over W are two bisects;
                   only p95 looks at the samples in W (one numpy partition).
    ViewingIndex   per replay (the k events not after "now"): session starts and ends
                   sorted, each viewer's reach, concurrency at each start, exact prefix
                   sums of durations, ends and open starts.

Why a moving clock stays cheap: a replay holds only events not after "now", so every
start and closed end is <= now, and a window's sessions split into fixed ranges of those
sorted arrays: closed inside W (duration e - s, fixed), closed across W's start (e - lo),
open from inside W (now - s), open from before W (now - lo). When ``now <= 2 * lo`` (any
real clock) each of those subtractions is exact (Sterbenz), so the exact sum is a handful
of prefix-sum differences; otherwise the terms are summed one by one, as the reference does.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from wave_mock.events import PLAYBACK_ERROR, PLAYBACK_REBUFFER, PLAYBACK_STARTED, QUALITY_CHANGED
from wave_mock.metrics.exact import ExactPrefix, fraction_bits, scaled, to_float
from wave_mock.metrics.sessions import Interval
from wave_mock.metrics.stream import Viewing
from wave_mock.metrics.windows import Window, clipped


_NOT_SEEN = Viewing(viewers=0, peak=0, watch_seconds=0.0, sessions=0)
_NO_QUALITY: dict[str, Any] = {
    "avgStartupTimeMs": None, "p95StartupTimeMs": None, "rebufferCount": 0, "rebufferSeconds": 0.0,
    "rebufferRatio": 0.0, "avgBitrateKbps": None, "errorCount": 0, "fatalErrorCount": 0,
}


def _sorted(values: np.ndarray) -> array:
    # array('d'), not a list: 8 bytes per value, and bisect still runs in C.
    return array("d", np.sort(values).tobytes())


@dataclass(frozen=True, slots=True)
class ViewingIndex:
    """One stream's sessions (replayed up to some "now"), sorted for window queries."""

    by_start: array  # every session's start, sorted
    concurrency: np.ndarray  # sessions open just after by_start[i] (ends first at equal times)
    peak_after: array  # max of concurrency[i:]
    closed_ends: array  # finite ends, sorted
    closed_starts: array  # closed sessions' starts, sorted
    durations: ExactPrefix  # closed sessions in start order: end - start
    ends_by_start: ExactPrefix  # closed sessions in start order: end
    ends_by_end: ExactPrefix  # closed sessions in end order: end
    open_starts: array  # sessions still open, starts sorted
    open_sums: ExactPrefix  # open_starts
    reach: array  # per viewer: latest session end (inf while one is open), sorted
    bits: int  # the finest scale among the prefix sums
    starts: np.ndarray  # the sessions as replayed, for the one-by-one sum
    ends: np.ndarray
    live: tuple[Interval, ...]
    live_ends: array  # live intervals' ends (inf while live), ascending: intervals never overlap

    @classmethod
    def build(cls, starts: np.ndarray, ends: np.ndarray, viewers: np.ndarray, live: tuple[Interval, ...]) -> ViewingIndex:
        """Sort a replay's sessions (``ends`` inf while open; viewers any int codes)."""
        closed = np.isfinite(ends)
        by_start = np.sort(starts)
        closed_ends = np.sort(ends[closed])
        concurrency = (np.searchsorted(by_start, by_start, side="right")
                       - np.searchsorted(closed_ends, by_start, side="right"))
        peak_after = np.maximum.accumulate(concurrency[::-1])[::-1] if len(concurrency) else concurrency
        order = np.argsort(starts[closed], kind="stable")
        c_starts, c_ends = starts[closed][order], ends[closed][order]
        open_starts = np.sort(starts[~closed])
        by_viewer = np.lexsort((ends, viewers))  # each viewer's latest end comes last
        grouped = viewers[by_viewer]
        latest = ends[by_viewer][np.append(grouped[1:] != grouped[:-1], True)] if len(grouped) else ends
        prefixes = (ExactPrefix.of(c_ends - c_starts), ExactPrefix.of(c_ends),
                    ExactPrefix.of(closed_ends), ExactPrefix.of(open_starts))
        return cls(
            by_start=_sorted(by_start), concurrency=concurrency, peak_after=array("q", peak_after.astype("i8").tobytes()),
            closed_ends=_sorted(closed_ends), closed_starts=_sorted(c_starts),
            durations=prefixes[0], ends_by_start=prefixes[1], ends_by_end=prefixes[2],
            open_starts=_sorted(open_starts), open_sums=prefixes[3],
            reach=_sorted(latest), bits=max(p.bits for p in prefixes),
            starts=starts, ends=ends, live=live,
            live_ends=array("d", [math.inf if i.end is None else i.end for i in live]),
        )

    @property
    def is_live(self) -> bool:
        """Return whether the stream is live at now."""
        return bool(self.live) and self.live[-1].end is None

    @property
    def open_count(self) -> int:
        """Return the sessions open at now."""
        return len(self.open_starts)

    def viewing(self, lo: float, now: float) -> Viewing:
        """Return ``stream.viewing`` of the sessions clipped to ``[lo, now]``."""
        if not self.open_starts and (not self.closed_ends or self.closed_ends[-1] < lo):
            return _NOT_SEEN  # every session ended before W: the common case of an old stream
        sessions = len(self.closed_ends) - bisect_left(self.closed_ends, lo) + len(self.open_starts)
        return Viewing(
            viewers=len(self.reach) - bisect_left(self.reach, lo),
            peak=self.peak(lo, now),
            watch_seconds=self.watch_seconds(lo, now),
            sessions=sessions,
        )

    def peak(self, lo: float, now: float) -> int:
        """Return the most sessions open at one instant of ``[lo, now]``.

        As ``vector.peak_at``: the clipped sweep peaks at ``lo`` or at a start in
        ``(lo, now)``; a start at ``now`` sees every session end at ``now``.
        """
        first = bisect_right(self.by_start, lo)
        stop = bisect_left(self.by_start, now)
        at_lo = first - bisect_right(self.closed_ends, lo)
        if first >= stop:
            inner = 0
        elif stop == len(self.by_start):
            inner = int(self.peak_after[first])
        else:  # only when a session starts exactly at now
            inner = int(self.concurrency[first:stop].max())
        return max(0, at_lo, inner)

    def watch_seconds(self, lo: float, now: float) -> float:
        """Return ``math.fsum`` of the clipped session durations, bit for bit."""
        if not (lo > 0 and now <= 2 * lo):
            return self._watch_one_by_one(lo, now)
        n_closed, n_open = len(self.closed_starts), len(self.open_starts)
        inside = bisect_left(self.closed_starts, lo)  # closed sessions from here on start in W
        ended = bisect_left(self.closed_ends, lo)  # closed sessions from here on end in W
        open_inside = bisect_left(self.open_starts, lo)
        span = now - lo
        bits = max(self.bits, fraction_bits(lo), fraction_bits(now), fraction_bits(span))
        total = self.durations.total(inside, n_closed, bits)
        # Closed across lo: sum of (end - lo) = ends of all closed ending in W minus those starting in it.
        total += (self.ends_by_end.total(ended, n_closed, bits) - self.ends_by_start.total(inside, n_closed, bits)
                  - (inside - ended) * scaled(lo, bits))
        total += (n_open - open_inside) * scaled(now, bits) - self.open_sums.total(open_inside, n_open, bits)
        total += open_inside * scaled(span, bits)
        return to_float(total, bits)

    def _watch_one_by_one(self, lo: float, now: float) -> float:
        # Clocks near the epoch only (now > 2 * lo): the subtractions may round, so do each.
        ends = np.minimum(self.ends, now)
        keep = ends >= lo
        return math.fsum((ends[keep] - np.maximum(self.starts[keep], lo)).tolist())

    def live_seconds(self, win: Window, now: float) -> float:
        """Return the seconds of ``win`` during which the stream was live."""
        first = bisect_left(self.live_ends, win.start)  # earlier intervals add 0
        return math.fsum(clipped(i.start, now if i.end is None else i.end, win) for i in self.live[first:])


@dataclass(frozen=True, slots=True)
class Samples:
    """One kind of quality sample: times ascending, values, exact prefix sums of the values."""

    times: array
    values: np.ndarray
    sums: ExactPrefix

    @classmethod
    def of(cls, times: np.ndarray, values: np.ndarray) -> Samples:
        """Index samples already in time order."""
        return cls(array("d", times.astype("f8").tobytes()), values, ExactPrefix.of(values))

    def span(self, win: Window) -> tuple[int, int]:
        """Return the index range of the samples with time in ``win``."""
        return bisect_left(self.times, win.start), bisect_right(self.times, win.end)

    def total(self, start: int, stop: int) -> float:
        """Return ``math.fsum`` of ``values[start:stop]``."""
        return to_float(self.sums.total(start, stop, self.sums.bits), self.sums.bits)


@dataclass(frozen=True, slots=True)
class QualityIndex:
    """One stream's quality samples by kind, for any window."""

    startup: Samples
    stalls: Samples  # durationMs / 1000, 0 when missing
    bitrate: Samples
    errors: array  # times of playback.error
    fatal: array  # times of fatal ones
    first: float  # earliest and latest time of any sample above (inf, -inf without samples)
    last: float

    @classmethod
    def build(cls, times: np.ndarray, names: np.ndarray, values: np.ndarray, labels: Sequence[str]) -> QualityIndex:
        """Index events in time order: name codes into ``labels``, values NaN where None."""
        def kind(name: str) -> np.ndarray:
            return names == (labels.index(name) if name in labels else -1)

        valid = ~np.isnan(values)
        startup, stalls, bitrate = kind(PLAYBACK_STARTED) & valid, kind(PLAYBACK_REBUFFER), kind(QUALITY_CHANGED) & valid
        errors = kind(PLAYBACK_ERROR)
        sampled = times[startup | stalls | bitrate | errors]
        return cls(
            startup=Samples.of(times[startup], values[startup]),
            # As the reference: (value or 0.0) / 1000, one division per stall.
            stalls=Samples.of(times[stalls], np.where(valid[stalls], values[stalls], 0.0) / 1000),
            bitrate=Samples.of(times[bitrate], values[bitrate]),
            errors=array("d", times[errors].astype("f8").tobytes()),
            fatal=array("d", times[errors & (values == 1.0)].astype("f8").tobytes()),
            first=float(sampled[0]) if len(sampled) else math.inf,
            last=float(sampled[-1]) if len(sampled) else -math.inf,
        )

    def quality(self, win: Window, watch_seconds: float) -> dict[str, Any]:
        """Return ``stream.quality`` over the events with time in ``win``."""
        if self.last < win.start or self.first > win.end:
            return dict(_NO_QUALITY)  # a copy: the caller owns the body
        s0, s1 = self.startup.span(win)
        r0, r1 = self.stalls.span(win)
        b0, b1 = self.bitrate.span(win)
        rebuffer_seconds = self.stalls.total(r0, r1)
        ratio = rebuffer_seconds / watch_seconds if watch_seconds > 0 else 0.0
        return {
            "avgStartupTimeMs": round(self.startup.total(s0, s1) / (s1 - s0), 3) if s1 > s0 else None,
            "p95StartupTimeMs": _p95(self.startup.values[s0:s1]),
            "rebufferCount": r1 - r0,
            "rebufferSeconds": round(rebuffer_seconds, 3),
            "rebufferRatio": round(ratio, 6),
            "avgBitrateKbps": round(self.bitrate.total(b0, b1) / (b1 - b0), 3) if b1 > b0 else None,
            "errorCount": bisect_right(self.errors, win.end) - bisect_left(self.errors, win.start),
            "fatalErrorCount": bisect_right(self.fatal, win.end) - bisect_left(self.fatal, win.start),
        }


def _p95(samples: np.ndarray) -> float | None:
    """Return ``stream.p95`` rounded: nearest rank, found by partition instead of a full sort."""
    if not len(samples):
        return None
    rank = (95 * len(samples) + 99) // 100 - 1
    return round(float(np.partition(samples, rank)[rank]), 3)


def stream_body(
    stream_id: str, period: str, viewing: ViewingIndex, quality: QualityIndex, now: float, win: Window
) -> dict[str, Any]:
    """Compose the stream analytics body, as ``stream.stream_metrics`` does."""
    seen = viewing.viewing(win.start, now)
    return {
        "streamId": stream_id,
        "period": period,
        "totalViewers": seen.viewers,
        "peakViewers": seen.peak,
        "currentViewers": viewing.open_count,
        "avgWatchTime": round(seen.avg_watch, 3),
        "totalDuration": round(viewing.live_seconds(win, now), 3),
        "isLive": viewing.is_live,
        "quality": quality.quality(win, seen.watch_seconds),
    }
