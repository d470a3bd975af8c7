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

from typing import Any

import numpy as np

from wave_mock.events import STREAM_ENDED, STREAM_STARTED, VIEWER_JOINED, VIEWER_LEFT
from wave_mock.metrics.dashboard_index import EventTimeIndex, _per_bucket
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


class LiveDashboard:
    """One tenant's dashboard state at the rows ``[first_row, end_row)`` (see the module doc)."""

    def __init__(self, first_row: int) -> None:
        self.first_row = self.end_row = first_row
        self.max_time = -np.inf
        self.cols = {k: Column(t) for k, t in (("time", "f8"), ("name", "i2"), ("type", "i2"), ("platform", "i1"),
                                              ("prev_viewer", "i8"), ("prev_session", "i8"))}
        self.last: dict[str, dict[int, int]] = {"viewer": {}, "session": {}}
        self.starts, self.ends, self.viewers = Column("f8"), Column("f8"), Column("i8")
        self.closed_ends, self.concurrency, self.multi = Column("f8"), Column("i8"), Column("i8")
        self.first_session: dict[int, int] = {}  # viewer -> its first session (-1 once in multi)
        self.open: dict[int, dict[int, int]] = {}  # stream code -> viewer -> open session
        self.live: set[int] = set()  # streams live now
        self.n_open = 0

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

    def _replay(self, snap: Snapshot, idx: np.ndarray) -> None:
        labels = snap.strings["name"]
        names = snap.cols["name"][idx]
        first = [c for c, name in enumerate(labels) if name in _FIRST]
        order = np.lexsort((idx, ~np.isin(names, first), snap.cols["time"][idx]))
        idx = idx[order]
        n_before = self.starts.n
        starts: list[float] = []
        viewers: list[int] = []
        closed: list[tuple[int, float]] = []
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
        ends = self.ends.data
        for session, t in closed:
            ends[session] = t
        self.closed_ends.extend([t for _, t in closed])
        self.n_open += len(starts) - len(closed)
        # Concurrency just after each new start: later rows are all later in time, so final.
        by_start, closed_ends = self.starts.view(), self.closed_ends.view()
        new = by_start[n_before:]
        self.concurrency.extend(np.searchsorted(by_start, new, side="right")
                                - np.searchsorted(closed_ends, new, side="right"))

    def counts_index(self) -> EventTimeIndex:
        c = self.cols
        return EventTimeIndex(c["time"].view(), c["name"].view(), c["type"].view(), c["platform"].view(),
                              c["prev_viewer"].view(), c["prev_session"].view())

    def viewing(self, lo: float, now: float, edges: np.ndarray) -> tuple[dict[str, Any], list[int]]:
        """Return ``vector.viewing_at`` over ``[lo, now]`` (every replayed time is <= now)."""
        starts, ends, closed_ends = self.starts.view(), self.ends.view(), self.closed_ends.view()
        overlap = ends >= lo
        s, e = np.maximum(starts[overlap], lo), np.minimum(ends[overlap], now)
        count = len(s)
        watch = exact_sum(e - s)
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
