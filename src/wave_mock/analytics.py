"""The analytics facade the HTTP layer calls: store columns in, response bodies out.

The metric math lives in ``wave_mock.metrics`` (``vector.py`` for the columnar dashboard);
this module snapshots the store under its lock, computes without it, and memoises:

    stream memo   "sorted"    the stream's rows in replay order, with times, names, viewers
                  "replayed"  Replayed: sessions and liveness from the first k sorted rows,
                              k = how many are not in the future at the asked "now"
    tenant        sessions    (key, SessionSet): every stream's sessions, pre-sorted; the key
                              lists each stream's (version, k), so it is rebuilt only when
                              some stream changed or the clock passed a future event
    tenant memo   (now, period) -> full dashboard body

The store bumps an index's version and clears its memo on every mutation; memos computed
without the lock are installed only if the version is still the one they were computed
from, so memoised answers always equal recomputation from scratch.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from wave_mock.columns import Snapshot
from wave_mock.events import STREAM_ENDED, VIEWER_LEFT
from wave_mock.metrics.dashboard import DASHBOARD_METRICS, Tally, UnknownMetric, compose, select
from wave_mock.metrics.sessions import Interval, Session, Timeline, replay_columns
from wave_mock.metrics.stream import stream_metrics
from wave_mock.metrics.vector import SessionSet, viewing_at, window_counts
from wave_mock.metrics.windows import (
    DASHBOARD_PERIODS,
    STREAM_PERIODS,
    bucket_size,
    bucket_starts,
    period_seconds,
    rfc3339,
    window,
)
from wave_mock.store import EventStore, StreamIndex, TenantIndex

# Distinct "now" values remembered per tenant; a moving clock would otherwise grow the memo.
_DASHBOARD_MEMO_SIZE = 8
_EMPTY_F = np.zeros(0, "f8")
_EMPTY_I = np.zeros(0, "i4")


@dataclass(frozen=True, slots=True)
class Sorted:
    """One stream's rows in replay order (time, leaves/ends first, then arrival)."""

    rows: np.ndarray
    times: np.ndarray
    names: np.ndarray
    viewers: np.ndarray


@dataclass(frozen=True, slots=True)
class Replayed:
    """A stream replayed from its first ``k`` sorted rows: sessions (end inf = open) and liveness."""

    k: int
    starts: np.ndarray
    ends: np.ndarray
    viewers: np.ndarray
    live: tuple[Interval, ...]

    @property
    def is_live(self) -> bool:
        return bool(self.live) and self.live[-1].end is None

    def timeline(self) -> Timeline:
        """Return the sessions as a ``Timeline`` (viewer keys are the store's int codes)."""
        sessions = [Session(v, s, None if e == np.inf else e)
                    for v, s, e in zip(self.viewers.tolist(), self.starts.tolist(), self.ends.tolist())]
        sessions.sort(key=lambda s: (s.start, s.viewer))
        return Timeline(tuple(sessions), self.live)


@dataclass(slots=True)
class StreamView:
    """What a query took from one stream under the lock, and what it derived without it."""

    name: str
    index: StreamIndex
    version: int
    rows: np.ndarray
    sorted: Sorted | None
    replayed: Replayed | None


def _sort(snap: Snapshot, rows: np.ndarray) -> Sorted:
    """Order a stream's rows for replay.

    Ties at equal time and kind are broken by arrival, not event_id: their order never
    changes a number (docs/metrics.md), and it avoids sorting strings.
    """
    idx = rows - snap.base
    times = snap.cols["time"][idx]
    names = snap.cols["name"][idx]
    firsts = [code for code, name in enumerate(snap.strings["name"]) if name in (VIEWER_LEFT, STREAM_ENDED)]
    kind = ~np.isin(names, firsts)  # False (0) sorts first
    order = np.lexsort((rows, kind, times))
    return Sorted(rows[order], times[order], names[order], snap.cols["viewer"][idx][order])


def _replay(snap: Snapshot, ordered: Sorted, k: int) -> Replayed:
    labels = snap.strings["name"]
    names = [labels[c] for c in ordered.names[:k].tolist()]
    timeline = replay_columns(names, ordered.viewers[:k].tolist(), ordered.times[:k].tolist())
    sessions = timeline.sessions
    if not sessions:
        return Replayed(k, _EMPTY_F, _EMPTY_F, _EMPTY_I, timeline.live)
    viewers, starts, ends = zip(*sessions)
    return Replayed(
        k, np.array(starts, "f8"), np.array([np.inf if e is None else e for e in ends], "f8"),
        np.array(viewers, "i4"), timeline.live,
    )


def _derive(snap: Snapshot, view: StreamView, now: float) -> Replayed:
    """Fill in the view's sorted rows and its replay at ``now`` (memos when still valid)."""
    if view.sorted is None:
        view.sorted = _sort(snap, view.rows)
    k = int(np.searchsorted(view.sorted.times, now, side="right"))
    if view.replayed is None or view.replayed.k != k:
        view.replayed = _replay(snap, view.sorted, k)
    return view.replayed


def _take(index: StreamIndex, name: str) -> StreamView:
    """Capture one stream under the lock."""
    return StreamView(name, index, index.version, index.rows.view(),
                      index.memo.get("sorted"), index.memo.get("replayed"))


def _install(views: list[StreamView]) -> None:
    """Memoise derived data whose stream has not changed since (call under the lock)."""
    for view in views:
        if view.index.version == view.version:
            view.index.memo["sorted"] = view.sorted
            view.index.memo["replayed"] = view.replayed


def stream_analytics(
    store: EventStore, tenant: str, stream_id: str, now: float, period: str
) -> dict[str, Any] | None:
    """Return the stream analytics body, or None when the tenant never sent that stream."""
    win = window(now, period_seconds(period, STREAM_PERIODS))
    with store.locked():
        index = store.tenant_index(tenant)
        stream = index.streams.get(stream_id) if index is not None else None
        if index is None or stream is None:
            return None
        snap = index.table.snapshot()
        view = _take(stream, stream_id)
    replayed = _derive(snap, view, now)
    with store.locked():
        _install([view])
    ordered = view.sorted
    assert ordered is not None
    first = int(np.searchsorted(ordered.times, win.start, side="left"))
    inside = snap.events(ordered.rows[first : replayed.k])
    return stream_metrics(stream_id, period, replayed.timeline(), inside, now, win)


def _session_set(views: list[StreamView], held: tuple[Any, SessionSet] | None) -> tuple[Any, SessionSet]:
    """Return every stream's sessions pre-sorted, reusing ``held`` when no stream changed."""
    key = tuple((v.name, v.version, v.replayed.k) for v in views if v.replayed is not None)
    if held is not None and held[0] == key:
        return held
    parts = [v.replayed for v in views if v.replayed is not None and len(v.replayed.starts)]
    if not parts:
        return key, SessionSet.build(_EMPTY_F, _EMPTY_F, _EMPTY_I)
    return key, SessionSet.build(
        np.concatenate([p.starts for p in parts]), np.concatenate([p.ends for p in parts]),
        np.concatenate([p.viewers for p in parts]),
    )


def _dashboard(
    snap: Snapshot, views: list[StreamView], held: tuple[Any, SessionSet] | None, now: float, period: str
) -> tuple[dict[str, Any], tuple[Any, SessionSet]]:
    seconds = DASHBOARD_PERIODS[period]
    win = window(now, seconds)
    starts = bucket_starts(win, bucket_size(seconds))
    edges = np.array(starts, "f8")
    s = snap.strings
    counts, event_counts = window_counts(snap.cols, win.start, win.end, edges, s["name"], s["type"], s["platform"])
    live = sum(_derive(snap, view, now).is_live for view in views)
    sessions = _session_set(views, held)
    viewing, active = viewing_at(sessions[1], win.start, now, edges)
    metrics = {**counts, "liveStreams": live, **viewing}
    metrics["timeseries"] = [
        {"start": rfc3339(start), "events": n, "activeViewers": a} for start, n, a in zip(starts, event_counts, active)
    ]
    return {"period": period, "metrics": {name: metrics[name] for name in DASHBOARD_METRICS}}, sessions


def _empty_dashboard(now: float, period: str) -> dict[str, Any]:
    seconds = DASHBOARD_PERIODS[period]
    win = window(now, seconds)
    starts = bucket_starts(win, bucket_size(seconds))
    return compose(period, Tally(), starts, [0] * len(starts), [], now, win)


def _memoise(index: TenantIndex, key: Any, body: dict[str, Any]) -> None:
    if len(index.memo) >= _DASHBOARD_MEMO_SIZE:
        index.memo.clear()
    index.memo[key] = body


def dashboard_metrics(
    store: EventStore, tenant: str, now: float, period: str, metric: str | None = None
) -> dict[str, Any]:
    """Return the dashboard body; ``metric`` keeps one key (``UnknownMetric`` if invalid)."""
    period_seconds(period, DASHBOARD_PERIODS)
    if metric is not None and metric not in DASHBOARD_METRICS:
        raise UnknownMetric(metric)
    key = ("dashboard", now, period)
    with store.locked():
        index = store.tenant_index(tenant)
        body = index.memo.get(key) if index is not None else None
        if index is not None and body is None:
            version = index.version
            snap = index.table.snapshot()
            views = [_take(stream, name) for name, stream in index.streams.items()]
            held = index.sessions
    if index is None:
        body = _empty_dashboard(now, period)
    elif body is None:
        body, sessions = _dashboard(snap, views, held, now, period)
        with store.locked():
            _install(views)
            if index.version == version:
                index.sessions = sessions
                _memoise(index, key, body)
    # A deep copy per call, so a caller that edits the body cannot corrupt the memo.
    return {"period": body["period"], "metrics": copy.deepcopy(select(body["metrics"], metric))}
