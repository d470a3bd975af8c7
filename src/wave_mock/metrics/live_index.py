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
from wave_mock.metrics.exact import Dyadic, fraction_bits, scaled
from wave_mock.metrics.keymap import MISSING, KeyMap
from wave_mock.metrics.dashboard import top_events
from wave_mock.metrics.dashboard_index import _per_bucket, _previous_same
from wave_mock.metrics.vector import active_per_bucket, bucket_of, exact_sum
from wave_mock.storage.columns import Snapshot

_FIRST = (VIEWER_LEFT, STREAM_ENDED)  # at equal times these replay first
_LIFECYCLE = frozenset((VIEWER_JOINED, VIEWER_LEFT, STREAM_STARTED, STREAM_ENDED))  # the rows the replay reads


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


class ExactWatch:
    """Exact sums for the watch time over any ``[lo, now]``, as integers scaled by ``2**bits``.

    As ``ViewingIndex.watch_seconds``: when ``now <= 2 * lo`` every clipped duration is an
    exact subtraction, and the clipped starts of the sessions meeting W are the starts from
    lo on (all of them meet W) plus lo once per session from before lo still open at lo. So
    the sum is two prefix sums that only append: starts in session (= start) order, and
    closed ends in end order.
    """

    def __init__(self) -> None:
        self.bits = 0
        self.starts = [0]  # prefix sums of every start, session order
        self.ends = [0]  # prefix sums of closed ends, end order

    def add(self, starts: list[float], ends: list[float]) -> None:
        """Take new sessions' starts and the ends of sessions just closed."""
        splits = (Dyadic(np.asarray(starts, "f8")), Dyadic(np.asarray(ends, "f8")))
        need = max(split.fraction_bits() for split in splits)
        if need > self.bits:
            d, self.bits = need - self.bits, need
            self.starts = [v << d for v in self.starts]
            self.ends = [v << d for v in self.ends]
        for sums, split in zip((self.starts, self.ends), splits):
            sums.extend(accumulate(_scaled_ints(split, self.bits), initial=sums[-1]))
            del sums[-len(split.values) - 1]  # accumulate repeats the initial value

    def total(self, first: int, ended: int, count: int, n_open: int, lo: float, now: float) -> float:
        """Return fsum of the clipped durations of the ``count`` sessions meeting ``[lo, now]``:
        ``first`` sessions start before lo, ``ended`` closed ones end before lo."""
        n, n_closed = len(self.starts) - 1, len(self.ends) - 1
        bits = max(self.bits, fraction_bits(lo), fraction_bits(now))
        total = (self.ends[n_closed] - self.ends[ended] - self.starts[n] + self.starts[first]) << (bits - self.bits)
        total += n_open * scaled(now, bits) - (count - (n - first)) * scaled(lo, bits)
        return total / (1 << bits)


def _scaled_ints(split: Dyadic, bits: int) -> list[int]:
    """Return the values times ``2**bits`` as Python ints, exactly (numpy does the scaling when it fits)."""
    fits = split.scaled(bits)
    return fits.tolist() if fits is not None else [scaled(v, bits) for v in split.values.tolist()]


_NONE = 2**31 - 1  # "no next row"; positions are int32 (4 bytes an event less, each)


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


_PIECE = 32768  # rows taken in at a time, when their order allows it


def _pieces(times: np.ndarray) -> list[tuple[int, int]]:
    """Split rows into runs of about ``_PIECE`` that may be taken in one after the other.

    Rows already in time order are cut where the time rises strictly, so each run is later
    than the one before (as later appends are) and gives what one pass over all would.
    Numpy holds the GIL for each whole operation; over a million rows that was ~100 ms
    during which ingestion on the server's other thread waited (issue 19).
    """
    n = len(times)
    if n <= _PIECE or not bool(np.all(times[1:] >= times[:-1])):
        return [(0, n)]
    cuts = np.unique(np.searchsorted(times, times[_PIECE::_PIECE], side="left"))
    bounds = [0, *[int(c) for c in cuts if c > 0], n]
    return list(zip(bounds[:-1], bounds[1:]))


class LiveDashboard:
    """One tenant's dashboard state at the rows ``[first_row, end_row)`` (see the module doc)."""

    def __init__(self, first_row: int) -> None:
        self.first_row = self.end_row = first_row
        self.max_time = -np.inf
        self.cols = {k: Column(t) for k, t in (("time", "f8"), ("name", "i2"), ("type", "i2"), ("platform", "i1"),
                                              ("prev_viewer", "i4"), ("prev_session", "i4"),
                                              ("next_viewer", "i4"), ("next_session", "i4"))}
        self.windows: dict[Any, WindowCounts] = {}  # per period
        self.last = {"viewer": KeyMap(), "session": KeyMap()}  # key -> position of its latest event
        self.starts, self.ends, self.viewers = Column("f8"), Column("f8"), Column("i8")
        self.closed_ends, self.concurrency, self.multi = Column("f8"), Column("i8"), Column("i8")
        self.first_session = KeyMap()  # viewer -> its first session (-1 once in multi)
        self.open: dict[int, dict[int, int]] = {}  # stream code -> viewer -> open session
        self.live: set[int] = set()  # streams live now
        self.n_open = 0
        self.watch = ExactWatch()

    @classmethod
    def build(cls, snap: Snapshot, first_row: int | None = None) -> LiveDashboard | None:
        live = cls(snap.base if first_row is None else first_row)
        return live if live.extend(snap, first_row) else None

    def extend(self, snap: Snapshot, first_row: int | None = None) -> bool:
        """Take in the rows stored since; False when the index cannot (the caller drops it).

        ``snap`` holds the rows from ``snap.base`` to the newest: all the table's live rows,
        or (with ``first_row``, the table's oldest live row) a copied tail from at most
        ``end_row`` on.
        """
        if (snap.base if first_row is None else first_row) != self.first_row or snap.base > self.end_row:
            return False  # evicted rows: the replay would change from the start
        lo = self.end_row - snap.base
        times = snap.cols["time"][lo:]
        if not len(times):
            return True
        if not self._later(snap, times) or self.cols["time"].n + len(times) >= _NONE:
            return False
        for a, b in _pieces(times):
            idx = np.argsort(times[a:b], kind="stable") + lo + a
            self._events(snap, idx)
            self._replay(snap, idx)
        self.end_row = snap.base + len(snap)
        self.max_time = float(times.max())
        return True

    def _later(self, snap: Snapshot, times: np.ndarray) -> bool:
        """Return whether rows with these times replay after every row taken in.

        A row at the newest time already in may follow unless it is a leave or an end,
        which replays before the rows at its time (and would close sessions whose
        concurrency is already counted).
        """
        earliest = float(times.min())
        if earliest != self.max_time:
            return earliest > self.max_time
        firsts = [c for c, name in enumerate(snap.strings["name"]) if name in _FIRST]
        names = snap.cols["name"][len(snap) - len(times) :]
        return not np.isin(names[times == earliest], firsts).any()

    def _events(self, snap: Snapshot, idx: np.ndarray) -> None:
        cols, base = self.cols, self.cols["time"].n
        for key in ("time", "name", "type", "platform"):
            cols[key].extend(snap.cols[key][idx])
        positions = np.arange(base, base + len(idx))
        for key in ("viewer", "session"):
            last = self.last[key]
            keys = snap.cols[key][idx]
            # Within the rows: numpy; the first of each key looks up the rows before.
            prev = _previous_same(keys).astype(np.int64)
            firsts = np.flatnonzero(prev < 0)
            prev[prev >= 0] += base
            found = last.get(keys[firsts])
            prev[firsts] = np.where(found == MISSING, -1, found)
            nexts = np.full(len(idx), -1, np.int64)
            nexts[prev[prev >= base] - base] = positions[prev >= base]
            ends = np.flatnonzero(nexts < 0)
            last.set(keys[ends], positions[ends])
            cols[f"prev_{key}"].extend(prev)
            cols[f"next_{key}"].extend(np.full(len(idx), _NONE))
            has = prev >= 0
            cols[f"next_{key}"].data[prev[has]] = positions[has]

    def _replay(self, snap: Snapshot, idx: np.ndarray) -> None:
        labels = snap.strings["name"]
        # Only session and stream lifecycle rows about a stream replay: most rows are neither,
        # so filter them in numpy before the Python loop.
        lifecycle = [c for c, name in enumerate(labels) if name in _LIFECYCLE]
        idx = idx[np.isin(snap.cols["name"][idx], lifecycle) & (snap.cols["stream"][idx] >= 0)]
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
        known = self.first_session.get(np.array(viewers, np.int64)).tolist()
        firsts: dict[int, int] = {}  # this batch's writes
        multi: list[int] = []
        for k, (viewer, first) in enumerate(zip(viewers, known), n_before):
            first = firsts.get(viewer, first)
            if first == MISSING:
                firsts[viewer] = k
                continue
            multi.extend([k] if first < 0 else [first, k])
            firsts[viewer] = -1
        self.multi.extend(multi)
        self.first_session.set(np.fromiter(firsts, np.int64, len(firsts)),
                               np.fromiter(firsts.values(), np.int64, len(firsts)))
        ends = self.ends.data
        for session, t in closed:
            ends[session] = t
        self.watch.add(starts, [t for _, t in closed])
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
            watch = self.watch.total(first, ended, count, self.n_open, lo, now)
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
