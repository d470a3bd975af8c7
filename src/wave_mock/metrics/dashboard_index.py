"""Dashboard numbers from per-version indexes: the same numbers as ``vector.py``, per query
proportional to the events in W (contiguous slices) and O(buckets · log n) for viewing.

    EventTimeIndex   the tenant's events sorted by time (per stored version): W is one
                     slice; distinct viewers/sessions in it are the rows whose previous row
                     with the same code lies before the slice
    ViewingSet       every stream's sessions (per replay cut-off): a ``ViewingIndex`` for the
                     totals, peak and watch time, and each viewer's sessions merged into
                     disjoint intervals for ``activeViewers``

Why ``activeViewers`` needs no pass over the sessions: a viewer is active in bucket
``[b0, b1)`` iff one of its merged intervals ``[S, E]`` has ``S < b1`` and ``E >= b0`` (the
merged interval covers a point of the bucket, so some session does). Per bucket, the
intervals hitting it number ``#{S < b1} - #{E < b0}``; a viewer hit twice has a gap between
two consecutive intervals ``(E, S')`` lying inside the bucket, so subtracting those gaps,
``#{S' < b1} - #{E < b0}`` over gaps shorter than any bucket, leaves distinct viewers. Gaps
about one bucket long (float-rounded edges) are checked one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from wave_mock.events import PLATFORMS, STREAM_STARTED
from wave_mock.metrics.dashboard import top_events
from wave_mock.metrics.stream_index import ViewingIndex
from wave_mock.metrics.vector import bucket_of
from wave_mock.metrics.windows import DAY, HOUR

# Gaps shorter than this share of a bucket cannot touch both edges of any bucket (widths
# differ from the size only by float rounding of ``lo + k·size``); longer ones are checked
# one by one if they could still fit in a bucket.
_SHORT = 1 - 2.0**-20
_BUCKET_SIZES = (HOUR, DAY)  # windows.bucket_size's only answers


def _previous_same(codes: np.ndarray) -> np.ndarray:
    """Return, per position, the previous position holding the same code (-1 if none).

    >>> _previous_same(np.array([5, 7, 5, 5])).tolist()
    [-1, -1, 0, 2]
    """
    order = np.argsort(codes, kind="stable")  # each code's positions, ascending
    prev = np.full(len(codes), -1, np.int32 if len(codes) < 2**31 else np.int64)
    same = codes[order[1:]] == codes[order[:-1]]
    prev[order[1:][same]] = order[:-1][same]
    return prev


def _by_code(codes: np.ndarray, labels: Sequence[str]) -> dict[str, int]:
    counts = np.bincount(codes) if len(codes) else np.zeros(0, np.int64)
    return {labels[k]: int(counts[k]) for k in np.flatnonzero(counts).tolist()}


def _per_bucket(lows: np.ndarray, highs: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Return per bucket ``#{low < next edge} - #{high < edge}`` (the last bucket has no next edge).

    Both arrays sorted; with ``low <= high`` per item, this counts the items ``[low, high]``
    meeting the bucket, provided none spans a whole inner bucket.
    """
    below_next = np.append(np.searchsorted(lows, edges[1:], side="left"), len(lows))
    return below_next - np.searchsorted(highs, edges, side="left")


@dataclass(frozen=True, slots=True)
class EventTimeIndex:
    """One tenant's events in time order (ties in arrival order), for window counts."""

    times: np.ndarray
    names: np.ndarray
    types: np.ndarray
    platforms: np.ndarray
    prev_viewer: np.ndarray  # position of the previous event of the same viewer, -1 if none
    prev_session: np.ndarray

    @classmethod
    def build(cls, cols: dict[str, np.ndarray]) -> EventTimeIndex:
        """Sort the columns by time once per stored version."""
        order = np.argsort(cols["time"], kind="stable")
        return cls(
            cols["time"][order], cols["name"][order], cols["type"][order], cols["platform"][order],
            _previous_same(cols["viewer"][order]), _previous_same(cols["session"][order]),
        )

    def cut(self, now: float) -> int:
        """Return how many events are not after ``now`` (replays differ only across a cut)."""
        return int(self.times.searchsorted(now, side="right"))

    def counts(
        self, lo: float, hi: float, edges: np.ndarray,
        names: Sequence[str], types: Sequence[str], platforms: Sequence[str],
    ) -> tuple[dict[str, Any], list[int]]:
        """Return ``vector.window_counts`` of the events with time in ``[lo, hi]``."""
        a = int(self.times.searchsorted(lo, side="left"))
        b = int(self.times.searchsorted(hi, side="right"))
        by_name = _by_code(self.names[a:b], names)
        by_platform = {p: 0 for p in PLATFORMS}
        by_platform.update(_by_code(self.platforms[a:b], platforms))
        metrics = {
            "totalEvents": b - a,
            "uniqueUsers": int(np.count_nonzero(self.prev_viewer[a:b] < a)),
            "uniqueSessions": int(np.count_nonzero(self.prev_session[a:b] < a)),
            "streamsStarted": by_name.get(STREAM_STARTED, 0),
            "eventsByType": dict(sorted(_by_code(self.types[a:b], types).items())),
            "eventsByPlatform": by_platform,
            "topEvents": top_events(by_name),  # type: ignore[arg-type]
        }
        # Bucket k holds times in [edges[k], edges[k+1]); the last one runs to hi.
        bounds = np.append(self.times[a:b].searchsorted(edges[1:], side="left"), b - a)
        return metrics, np.diff(bounds, prepend=0).tolist()


@dataclass(frozen=True, slots=True)
class Gaps:
    """Gaps between a viewer's consecutive merged intervals, split for one bucket size."""

    limit: float  # gaps shorter than this are "short"
    short_ends: np.ndarray  # short gaps: the earlier interval's end, sorted
    short_starts: np.ndarray  # and the next interval's start, sorted (independently)
    long_lengths: np.ndarray  # the other gaps by length, with their ends and starts
    long_ends: np.ndarray
    long_starts: np.ndarray

    @classmethod
    def build(cls, ends: np.ndarray, starts: np.ndarray, size: int) -> Gaps:
        """Split the gaps ``(ends[i], starts[i])`` at ``_SHORT · size``."""
        limit = size * _SHORT
        lengths = starts - ends
        short = lengths < limit
        order = np.argsort(lengths[~short], kind="stable")
        return cls(limit, np.sort(ends[short]), np.sort(starts[short]), lengths[~short][order],
                   ends[~short][order], starts[~short][order])

    def usable(self, edges: np.ndarray) -> bool:
        """Return whether no short gap can span a whole inner bucket (false only for odd clocks)."""
        return len(edges) < 2 or float(np.diff(edges).min()) > self.limit

    def inside(self, edges: np.ndarray, now: float) -> np.ndarray:
        """Return per bucket the gaps lying inside it (call only when ``usable``)."""
        counts = _per_bucket(self.short_starts, self.short_ends, edges)
        # A long gap fits in a bucket only if that bucket is at least as wide: check those one by one.
        widest = max(float(np.diff(edges).max(initial=0.0)), now - float(edges[-1]))
        fit = int(self.long_lengths.searchsorted(widest, side="right"))
        return counts + _one_by_one(self.long_ends[:fit], self.long_starts[:fit], edges)


def _one_by_one(ends: np.ndarray, starts: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Return per bucket the gaps ``(ends[i], starts[i])`` whose both ends fall in it (inside W)."""
    keep = ends >= edges[0]
    first, last = bucket_of(edges, ends[keep]), bucket_of(edges, starts[keep])
    return np.bincount(first[first == last], minlength=len(edges))


def _merge(starts: np.ndarray, ends: np.ndarray, viewers: np.ndarray) -> tuple[np.ndarray, ...]:
    """Merge each viewer's sessions into disjoint intervals (touching ones join).

    Returns the merged starts and ends, and the gaps between a viewer's consecutive
    merged intervals as (earlier end, next start).
    """
    order = np.lexsort((starts, viewers))
    s, e, v = starts[order], ends[order], viewers[order]
    n = len(s)
    if not n:
        return s, e, s, s
    group_start = np.ones(n, bool)
    group_start[1:] = v[1:] != v[:-1]
    # Running max of ends within each viewer: by rank, offset per viewer, so one accumulate does all.
    rank = np.empty(n, np.int64)
    by_end = np.argsort(e, kind="stable")
    rank[by_end] = np.arange(n)
    group = np.cumsum(group_start) - 1
    reach = np.maximum.accumulate(group * n + rank) - group * n
    reach_end = e[by_end][reach]  # max end so far, this session included
    fresh = group_start.copy()
    fresh[1:] |= s[1:] > reach_end[:-1]
    heads = np.flatnonzero(fresh)
    tails = np.append(heads[1:] - 1, n - 1)
    merged_starts, merged_ends = s[heads], reach_end[tails]
    follows = ~group_start[heads[1:]]  # the next merged interval is the same viewer's
    gap_ends, gap_starts = merged_ends[:-1][follows], merged_starts[1:][follows]
    return merged_starts, merged_ends, gap_ends, gap_starts


@dataclass(frozen=True, slots=True)
class ViewingSet:
    """Every stream's sessions (``end`` inf while open), indexed for dashboard windows."""

    index: ViewingIndex  # totals, peak and watch time, as for one stream
    merged_starts: np.ndarray  # each viewer's merged intervals, starts sorted
    merged_ends: np.ndarray  # and ends sorted
    gap_ends: np.ndarray  # gaps, paired, for odd clocks
    gap_starts: np.ndarray
    gaps: dict[int, Gaps]  # per bucket size

    @classmethod
    def build(cls, starts: np.ndarray, ends: np.ndarray, viewers: np.ndarray) -> ViewingSet:
        """Index the sessions once per replay cut-off."""
        m_starts, m_ends, g_ends, g_starts = _merge(starts, ends, viewers)
        return cls(
            ViewingIndex.build(starts, ends, viewers, ()), np.sort(m_starts), np.sort(m_ends),
            g_ends, g_starts, {size: Gaps.build(g_ends, g_starts, size) for size in _BUCKET_SIZES},
        )

    def active(self, edges: np.ndarray, now: float, size: int) -> list[int]:
        """Return distinct viewers per bucket, as ``vector.active_per_bucket``."""
        hits = _per_bucket(self.merged_starts, self.merged_ends, edges)
        gaps = self.gaps.get(size)
        if gaps is not None and gaps.usable(edges):
            repeats = gaps.inside(edges, now)
        else:
            repeats = _one_by_one(self.gap_ends, self.gap_starts, edges)
        return (hits - repeats).tolist()

    def viewing(self, lo: float, now: float, edges: np.ndarray, size: int) -> tuple[dict[str, Any], list[int]]:
        """Return ``vector.viewing_at``: the viewing metrics over ``[lo, now]`` and active viewers per bucket."""
        seen = self.index.viewing(lo, now)
        metrics = {
            "totalViewers": seen.viewers,
            "peakConcurrentViewers": seen.peak,
            "totalWatchTime": round(seen.watch_seconds, 3),
            "avgWatchTime": round(seen.avg_watch, 3),
        }
        return metrics, self.active(edges, now, size)
