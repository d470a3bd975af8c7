"""A tenant's dashboard kept up to date by each append: the same numbers as ``dashboard.py``.

Built once from every stored event, then extended with only the rows stored since the last
read, as long as they come later than everything already in it (live traffic does). Holds:

    events     times ascending (arrival order at ties) with the previous position of the
               same viewer / session: ``EventTimeIndex`` over growable arrays
    sessions   every stream's replayed sessions in start order (end inf while open), with
               closed ends in end order and the concurrency just after each start: all three
               only ever append, because starts and ends arrive in time order
    multi      the sessions of viewers with more than one session: only those can make a
               viewer count twice, so distinct counts are "sessions - multi + distinct(multi)"

A read is a few bisects and linear numpy passes (no sort, no Python loop per event); a row
earlier than the index, an eviction, or a clock behind the newest event make ``extend`` or
``body`` answer None, and the caller uses the full engine instead.
"""

from __future__ import annotations

from itertools import accumulate
from typing import Any

import numpy as np

from wave_mock.events import PLATFORMS, STREAM_ENDED, STREAM_STARTED, VIEWER_JOINED, VIEWER_LEFT
from wave_mock.metrics.exact import fraction_bits, scaled
from wave_mock.metrics.dashboard import top_events
from wave_mock.metrics.dashboard_index import _per_bucket
from wave_mock.metrics.vector import active_per_bucket, bucket_of, exact_sum
from wave_mock.storage.columns import Snapshot

_FIRST = (VIEWER_LEFT, STREAM_ENDED)  # at equal times these replay first


class Column:
    """A growable numpy array (amortised doubling); ``view()`` is the live part."""

    __slots__ = ("data", "n")

    def __init__(self, dtype: str) -> None:
        self.data = np.empty(1024, dtype)
        self.n = 0

    def extend(self, values: Any) -> None:
        values = np.asarray(values, self.data.dtype)
        need = self.n + len(values)
        if need > len(self.data):
            grown = np.empty(max(need, 2 * len(self.data)), self.data.dtype)
            grown[: self.n] = self.data[: self.n]
            self.data = grown
        self.data[self.n : need] = values
        self.n = need

    def view(self) -> np.ndarray:
        return self.data[: self.n]


def _bits(values: list[float]) -> int:
    return max((fraction_bits(v) for v in values), default=0)


class Fenwick:
    """Sums over index prefixes of Python ints, with point updates; grows by rebuilding."""

    __slots__ = ("values", "tree")

    def __init__(self) -> None:
        self.values: list[int] = []
        self.tree = [0]

    def append(self, count: int) -> None:
        """Add ``count`` zero values at the end."""
        self.values.extend([0] * count)
        if len(self.values) >= len(self.tree):
            self._rebuild(max(1024, 2 * len(self.values)))

    def _rebuild(self, capacity: int) -> None:
        tree = [0] * (capacity + 1)
        tree[1 : len(self.values) + 1] = self.values
        for i in range(1, capacity + 1):
            j = i + (i & -i)
            if j <= capacity:
                tree[j] += tree[i]
        self.tree = tree

    def add(self, index: int, value: int) -> None:
        self.values[index] += value
        tree, i = self.tree, index + 1
        while i < len(tree):
            tree[i] += value
            i += i & -i

    def prefix(self, stop: int) -> int:
        """Return the sum of values[:stop]."""
        tree, total = self.tree, 0
        while stop > 0:
            total += tree[stop]
            stop -= stop & -stop
        return total

    def shift(self, bits: int) -> None:
        self.values = [v << bits for v in self.values]
        self.tree = [v << bits for v in self.tree]


class ExactWatch:
    """Exact sums for the watch time over any ``[lo, now]``, as integers scaled by ``2**bits``.

    As ``ViewingIndex.watch_seconds``: when ``now <= 2 * lo`` every clipped duration is an
    exact subtraction, so the sum splits into prefix sums of starts (start order = session
    order), of closed ends (end order), and of closed sessions' starts by session (a Fenwick
    tree: sessions close in any order).
    """

    def __init__(self) -> None:
        self.bits = 0
        self.starts = [0]  # prefix sums of every start, session order
        self.ends = [0]  # prefix sums of closed ends, end order
        self.closed_starts = Fenwick()  # scaled start of each closed session, by session
        self.closed = Fenwick()  # 1 per closed session, by session

    def _rescale(self, values: list[float]) -> None:
        need = _bits(values)
        if need > self.bits:
            d, self.bits = need - self.bits, need
            self.starts = [v << d for v in self.starts]
            self.ends = [v << d for v in self.ends]
            self.closed_starts.shift(d)

    def add(self, starts: list[float], closed: list[tuple[int, float, float]]) -> None:
        """Take new sessions' starts and the (session, start, end) of sessions just closed."""
        self._rescale(starts + [e for _, _, e in closed])
        bits = self.bits
        self.starts.extend(accumulate((scaled(s, bits) for s in starts), initial=self.starts[-1]))
        del self.starts[-len(starts) - 1]  # accumulate repeats the initial value
        for fenwick in (self.closed_starts, self.closed):
            fenwick.append(len(starts))
        ends = [scaled(e, bits) for _, _, e in closed]
        self.ends.extend(accumulate(ends, initial=self.ends[-1]))
        del self.ends[-len(ends) - 1]
        for session, start, _ in closed:
            self.closed_starts.add(session, scaled(start, bits))
            self.closed.add(session, 1)

    def total(self, first: int, ended: int, n_open: int, lo: float, now: float) -> float:
        """Return fsum of the clipped durations: ``first`` = sessions starting before lo,
        ``ended`` = closed sessions ending before lo."""
        n, n_closed = len(self.starts) - 1, len(self.ends) - 1
        closed_inside = self.closed.prefix(n) - self.closed.prefix(first)  # closed, start >= lo
        closed_inside_sum = self.closed_starts.prefix(n) - self.closed_starts.prefix(first)
        open_inside = n - first - closed_inside
        open_inside_sum = self.starts[n] - self.starts[first] - closed_inside_sum
        across = n_closed - ended - closed_inside  # closed, start < lo <= end
        bits = max(self.bits, fraction_bits(lo), fraction_bits(now))
        d = bits - self.bits
        total = ((self.ends[n_closed] - self.ends[ended] - closed_inside_sum - open_inside_sum) << d)
        total += n_open * scaled(now, bits) - (across + n_open - open_inside) * scaled(lo, bits)
        return total / (1 << bits)


_NONE = 2**62  # "no next row"


def _tally(counts: np.ndarray, codes: np.ndarray, labels: int, sign: int = 1) -> np.ndarray:
    """Return ``counts`` (padded to ``labels``) plus ``sign`` times the bincount of ``codes``."""
    if len(counts) < labels:
        counts = np.concatenate((counts, np.zeros(labels - len(counts), np.int64)))
    if len(codes):
        counts = counts + sign * np.bincount(codes, minlength=labels)
    return counts


def _named(counts: np.ndarray, labels: list[str]) -> dict[str, int]:
    return {labels[k]: int(counts[k]) for k in np.flatnonzero(counts).tolist()}


class WindowCounts:
    """The count metrics of the events in rows ``[a, b)`` (time order), moved by deltas.

    A window moving forward only loses rows at its start and gains rows at its end: each
    tally changes by those rows' counts, and distinct viewers/sessions by the rows whose
    previous occurrence leaves the window (``next`` pointers find them).
    """

    def __init__(self) -> None:
        self.a = self.b = 0
        self.tallies = {k: np.zeros(0, np.int64) for k in ("name", "type", "platform")}
        self.distinct = {"viewer": 0, "session": 0}

    def move(self, cols: dict[str, np.ndarray], a: int, b: int, labels: dict[str, int]) -> None:
        """Slide to ``[a, b)``, which must not start or end before this window (or start after its end)."""
        if b > self.b:
            for key in self.tallies:
                self.tallies[key] = _tally(self.tallies[key], cols[key][self.b : b], labels[key])
            for key in self.distinct:
                self.distinct[key] += int(np.count_nonzero(cols[f"prev_{key}"][self.b : b] < self.a))
            self.b = b
        if a > self.a:
            for key in self.tallies:
                self.tallies[key] = _tally(self.tallies[key], cols[key][self.a : a], labels[key], -1)
            for key in self.distinct:
                nexts = cols[f"next_{key}"][self.a : a]
                self.distinct[key] += int(np.count_nonzero((nexts >= a) & (nexts < b))
                                          - np.count_nonzero(cols[f"prev_{key}"][self.a : a] < self.a))
            self.a = a
        for key in self.tallies:  # new labels since the last move
            self.tallies[key] = _tally(self.tallies[key], cols[key][:0], labels[key])


class LiveDashboard:
    """One tenant's dashboard state at the rows ``[first_row, end_row)`` (see the module doc)."""

    def __init__(self, first_row: int) -> None:
        self.first_row = self.end_row = first_row
        self.max_time = -np.inf
        self.cols = {k: Column(t) for k, t in (("time", "f8"), ("name", "i2"), ("type", "i2"), ("platform", "i1"),
                                              ("prev_viewer", "i8"), ("prev_session", "i8"),
                                              ("next_viewer", "i8"), ("next_session", "i8"))}
        self.windows: dict[Any, WindowCounts] = {}  # per period
        self.last: dict[str, dict[int, int]] = {"viewer": {}, "session": {}}
        self.starts, self.ends, self.viewers = Column("f8"), Column("f8"), Column("i8")
        self.closed_ends, self.concurrency, self.multi = Column("f8"), Column("i8"), Column("i8")
        self.first_session: dict[int, int] = {}  # viewer -> its first session (-1 once in multi)
        self.open: dict[int, dict[int, int]] = {}  # stream code -> viewer -> open session
        self.live: set[int] = set()  # streams live now
        self.n_open = 0
        self.watch = ExactWatch()

    @classmethod
    def build(cls, snap: Snapshot) -> LiveDashboard | None:
        live = cls(snap.base)
        return live if live.extend(snap) else None

    def extend(self, snap: Snapshot) -> bool:
        """Take in the rows stored since; False when the index cannot (the caller drops it)."""
        if snap.base != self.first_row:
            return False  # evicted rows: the replay would change from the start
        lo = self.end_row - snap.base
        times = snap.cols["time"][lo:]
        if not len(times):
            return True
        if float(times.min()) <= self.max_time:
            return False
        idx = np.argsort(times, kind="stable") + lo
        self._events(snap, idx)
        self._replay(snap, idx)
        self.end_row = snap.base + len(snap)
        self.max_time = float(times.max())
        return True

    def _events(self, snap: Snapshot, idx: np.ndarray) -> None:
        cols, base = self.cols, self.cols["time"].n
        for key in ("time", "name", "type", "platform"):
            cols[key].extend(snap.cols[key][idx])
        for key in ("viewer", "session"):
            last = self.last[key]
            keys = snap.cols[key][idx].tolist()
            prev = []
            for pos, k in enumerate(keys, base):
                prev.append(last.get(k, -1))
                last[k] = pos
            cols[f"prev_{key}"].extend(prev)
            cols[f"next_{key}"].extend(np.full(len(prev), _NONE))
            prev_at = np.array(prev, np.int64)
            has = prev_at >= 0
            cols[f"next_{key}"].data[prev_at[has]] = np.arange(base, base + len(prev))[has]

    def _replay(self, snap: Snapshot, idx: np.ndarray) -> None:
        labels = snap.strings["name"]
        names = snap.cols["name"][idx]
        first = [c for c, name in enumerate(labels) if name in _FIRST]
        order = np.lexsort((idx, ~np.isin(names, first), snap.cols["time"][idx]))
        idx = idx[order]
        n_before = self.starts.n
        starts: list[float] = []
        viewers: list[int] = []
        closed: list[tuple[int, float]] = []  # (session, end)
        rows = zip(snap.cols["name"][idx].tolist(), snap.cols["stream"][idx].tolist(),
                   snap.cols["viewer"][idx].tolist(), snap.cols["time"][idx].tolist())
        for code, stream, viewer, t in rows:
            if stream < 0:
                continue
            name = labels[code]
            if name == VIEWER_JOINED:
                sessions = self.open.setdefault(stream, {})
                if viewer not in sessions:
                    sessions[viewer] = n_before + len(starts)
                    starts.append(t)
                    viewers.append(viewer)
            elif name == VIEWER_LEFT:
                session = self.open.get(stream, {}).pop(viewer, None)
                if session is not None:
                    closed.append((session, t))
            elif name == STREAM_ENDED:
                closed.extend((s, t) for s in self.open.pop(stream, {}).values())
                self.live.discard(stream)
            elif name == STREAM_STARTED:
                self.live.add(stream)
        self._sessions(starts, viewers, closed)

    def _sessions(self, starts: list[float], viewers: list[int], closed: list[tuple[int, float]]) -> None:
        n_before = self.starts.n
        self.starts.extend(starts)
        self.ends.extend(np.full(len(starts), np.inf))
        self.viewers.extend(viewers)
        for k, viewer in enumerate(viewers, n_before):
            first = self.first_session.setdefault(viewer, k)
            if first != k:
                self.multi.extend([k] if first < 0 else [first, k])
                self.first_session[viewer] = -1
        ends, all_starts = self.ends.data, self.starts.data
        for session, t in closed:
            ends[session] = t
        self.watch.add(starts, [(k, float(all_starts[k]), t) for k, t in closed])
        self.closed_ends.extend([t for _, t in closed])
        self.n_open += len(starts) - len(closed)
        # Concurrency just after each new start: later rows are all later in time, so final.
        by_start, closed_ends = self.starts.view(), self.closed_ends.view()
        new = by_start[n_before:]
        self.concurrency.extend(np.searchsorted(by_start, new, side="right")
                                - np.searchsorted(closed_ends, new, side="right"))

    def counts(
        self, key: Any, lo: float, hi: float, edges: np.ndarray, strings: dict[str, list[str]],
    ) -> tuple[dict[str, Any], list[int]]:
        """Return ``vector.window_counts`` over ``[lo, hi]``, moving the window kept under ``key``."""
        cols = {k: c.view() for k, c in self.cols.items()}
        times = cols["time"]
        a = int(times.searchsorted(lo, side="left"))
        b = int(times.searchsorted(hi, side="right"))
        held = self.windows.get(key)
        if held is None or a < held.a or b < held.b or a > held.b:
            held = self.windows[key] = WindowCounts()
            held.a = held.b = a
        held.move(cols, a, b, {k: len(strings[k]) for k in held.tallies})
        by_name = _named(held.tallies["name"], strings["name"])
        by_platform = {p: 0 for p in PLATFORMS}
        by_platform.update(_named(held.tallies["platform"], strings["platform"]))
        metrics = {
            "totalEvents": b - a,
            "uniqueUsers": held.distinct["viewer"],
            "uniqueSessions": held.distinct["session"],
            "streamsStarted": by_name.get(STREAM_STARTED, 0),
            "eventsByType": dict(sorted(_named(held.tallies["type"], strings["type"]).items())),
            "eventsByPlatform": by_platform,
            "topEvents": top_events(by_name),  # type: ignore[arg-type]
        }
        # Bucket k holds times in [edges[k], edges[k+1]); the last one runs to hi.
        bounds = np.append(times[a:b].searchsorted(edges[1:], side="left"), b - a)
        return metrics, np.diff(bounds, prepend=0).tolist()

    def viewing(self, lo: float, now: float, edges: np.ndarray) -> tuple[dict[str, Any], list[int]]:
        """Return ``vector.viewing_at`` over ``[lo, now]`` (every replayed time is <= now)."""
        starts, ends, closed_ends = self.starts.view(), self.ends.view(), self.closed_ends.view()
        first = int(np.searchsorted(starts, lo, side="left"))
        ended = int(np.searchsorted(closed_ends, lo, side="left"))
        count = len(closed_ends) - ended + self.n_open
        if lo > 0 and now <= 2 * lo:
            watch = self.watch.total(first, ended, self.n_open, lo, now)
        else:  # clocks near the epoch: subtractions may round, so sum term by term
            overlap = ends >= lo
            watch = exact_sum(np.minimum(ends[overlap], now) - np.maximum(starts[overlap], lo))
        multi = self.multi.view()
        m_keep = ends[multi] >= lo
        m = multi[m_keep]
        m_viewers = self.viewers.view()[m]
        m_order = np.lexsort((starts[m], m_viewers))
        m_viewers = m_viewers[m_order]
        m_first = bucket_of(edges, np.maximum(starts[m], lo)[m_order])
        m_last = bucket_of(edges, np.minimum(ends[m], now)[m_order])
        m_distinct = 1 + int(np.count_nonzero(m_viewers[1:] != m_viewers[:-1])) if len(m) else 0
        first = int(np.searchsorted(starts, lo, side="right"))
        stop = int(np.searchsorted(starts, now, side="left"))
        at_lo = first - int(np.searchsorted(closed_ends, lo, side="right"))
        inner = int(self.concurrency.view()[first:stop].max()) if stop > first else 0
        metrics = {
            "totalViewers": count - len(m) + m_distinct,
            "peakConcurrentViewers": max(0, at_lo, inner),
            "totalWatchTime": round(watch, 3),
            "avgWatchTime": round(watch / count if count else 0.0, 3),
        }
        hits = _per_bucket(starts, closed_ends, edges)
        diff = (np.bincount(m_first, minlength=len(edges) + 1)
                - np.bincount(m_last + 1, minlength=len(edges) + 1))
        m_hits = np.cumsum(diff[: len(edges)])
        active = hits - m_hits + np.array(active_per_bucket(m_viewers, m_first, m_last, len(edges)), np.int64)
        return metrics, active.tolist()
