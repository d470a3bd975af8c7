"""The analytics facade the HTTP layer calls: store columns in, response bodies out.

The metric math lives in ``wave_mock.metrics`` (``vector.py`` for the columnar dashboard);
this module snapshots the store under its lock, computes without it, and memoises:

    stream memo   "sorted"    the stream's rows in replay order, with times, names, viewers
                  "replayed"  Replayed: sessions and liveness from the first k sorted rows,
                              k = how many are not in the future at the asked "now"
                  "quality"   QualityIndex: quality samples by kind, for any window
                  "viewing"   (k, ViewingIndex): the replay at k sorted for window queries,
                              so a stream query at any "now" with the same k is O(log n)
    tenant        sessions    (key, ViewingSet): every stream's sessions, indexed; the key
                              lists each stream's (version, k), so it is rebuilt only when
                              some stream changed or the clock passed a future event
    tenant memo   "dashboard queried"  set by the first dashboard after a change, which scans
                              instead of building the two indexes below; the second builds them
                  "by_time"   EventTimeIndex: the events sorted by time (until any change)
                  "replay"    (cut, live streams, ViewingSet) for clocks with the same count
                              of events not after now: a moving clock skips the stream walk
                  (now, period) -> full dashboard body (at most 8; the rest is kept)

    tenant        live        LiveDashboard (metrics/live_index.py): the dashboard's indexes,
                              extended at each read by the rows stored since, while rows come
                              in time order and none is evicted; it answers whenever the clock
                              is not behind the newest event. Dropped (False) otherwise, and
                              rebuilt (without the lock) by a second dashboard at one version.
                              The indexes and memos above serve only what it cannot.

The store bumps an index's version and clears its memo on every mutation; memos computed
without the lock are installed only if the version is still the one they were computed
from, so memoised answers always equal recomputation from scratch.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from wave_mock.storage.columns import EventTable, Snapshot
from wave_mock.events import STREAM_ENDED, VIEWER_LEFT
from wave_mock.metrics.dashboard import DASHBOARD_METRICS, Tally, UnknownMetric, compose, select
from wave_mock.metrics.sessions import Interval, replay_columns
from wave_mock.metrics.stream_index import QualityIndex, ViewingIndex, stream_body
from wave_mock.metrics.dashboard_index import EventTimeIndex, ViewingSet
from wave_mock.metrics.live_index import LiveDashboard
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
from wave_mock.storage.store import EventStore, StreamIndex, TenantIndex

# Distinct "now" values remembered per tenant; a moving clock would otherwise grow the memo.
_DASHBOARD_MEMO_SIZE = 8
_QUERIED = "dashboard queried"  # tenant memo: a dashboard was computed at this store version
_EMPTY_F = np.zeros(0, "f8")
_EMPTY_I = np.zeros(0, "i8")  # viewer hashes


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
        np.array(viewers, "i8"), timeline.live,
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


def _quality(snap: Snapshot, ordered: Sorted) -> QualityIndex:
    values = snap.cols["value"][ordered.rows - snap.base]
    return QualityIndex.build(ordered.times, ordered.names, values, snap.strings["name"])


@dataclass(slots=True)
class StreamQuery:
    """One stream query's memos, taken under the lock; ``snap`` only when something is missing."""

    view: StreamView
    k: int  # sorted rows not after now (-1 before the rows are sorted)
    quality: QualityIndex | None
    viewing: tuple[int, ViewingIndex] | None  # (k, index of the replay at k)
    snap: Snapshot | None

    @property
    def ready(self) -> bool:
        return self.quality is not None and self.viewing is not None and self.viewing[0] == self.k


def _take_query(table: EventTable, stream: StreamIndex, name: str, now: float) -> StreamQuery:
    """Capture one stream's memos under the lock, and a snapshot if they do not cover ``now``."""
    view = _take(stream, name)
    k = -1 if view.sorted is None else int(view.sorted.times.searchsorted(now, "right"))
    query = StreamQuery(view, k, stream.memo.get("quality"), stream.memo.get("viewing"), None)
    if not query.ready:
        query.snap = table.snapshot()
    return query


def _complete(query: StreamQuery, now: float) -> None:
    """Derive what the memos lacked (without the lock)."""
    snap, view = query.snap, query.view
    assert snap is not None
    replayed = _derive(snap, view, now)
    assert view.sorted is not None
    query.k = replayed.k
    if query.quality is None:
        query.quality = _quality(snap, view.sorted)
    if query.viewing is None or query.viewing[0] != query.k:
        index = ViewingIndex.build(replayed.starts, replayed.ends, replayed.viewers, replayed.live)
        query.viewing = (query.k, index)


def stream_analytics(
    store: EventStore, tenant: str, stream_id: str, now: float, period: str
) -> dict[str, Any] | None:
    """Return the stream analytics body, or None when the tenant never sent that stream.

    Warm, this is a few bisects over the stream's memoised indexes, whatever its size and
    wherever the clock is; the indexes are rebuilt when the stream changes, or (the
    viewing one) when the clock passes one of its future-dated events.
    """
    win = window(now, period_seconds(period, STREAM_PERIODS))
    with store.locked():
        index = store.tenant_index(tenant)
        stream = index.streams.get(stream_id) if index is not None else None
        if index is None or stream is None:
            return None
        query = _take_query(index.table, stream, stream_id, now)
    if not query.ready:
        _complete(query, now)
        with store.locked():
            _install([query.view])
            if stream.version == query.view.version:
                stream.memo["quality"], stream.memo["viewing"] = query.quality, query.viewing
    assert query.quality is not None and query.viewing is not None
    return stream_body(stream_id, period, query.viewing[1], query.quality, now, win)


def _all_sessions(views: list[StreamView]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return every stream's replayed sessions as (starts, ends, viewers)."""
    parts = [v.replayed for v in views if v.replayed is not None and len(v.replayed.starts)]
    if not parts:
        return _EMPTY_F, _EMPTY_F, _EMPTY_I
    return (np.concatenate([p.starts for p in parts]), np.concatenate([p.ends for p in parts]),
            np.concatenate([p.viewers for p in parts]))


def _viewing_set(views: list[StreamView], held: tuple[Any, ViewingSet] | None) -> tuple[Any, ViewingSet]:
    """Return every stream's sessions indexed, reusing ``held`` when no stream changed."""
    key = tuple((v.name, v.version, v.replayed.k) for v in views if v.replayed is not None)
    if held is not None and held[0] == key:
        return held
    return key, ViewingSet.build(*_all_sessions(views))


@dataclass(slots=True)
class DashboardQuery:
    """What a dashboard query took under the lock, and what it derived without it.

    ``replay`` is (cut, live streams, sessions) for the clocks with the same ``cut`` (events
    not after now, tenant-wide): between two events' times every stream's replay is the
    same, so a moving clock skips the per-stream walk. ``views`` only when that misses.
    """

    version: int
    scan: bool  # the first dashboard since the store changed: build no index (see _dashboard_scan)
    snap: Snapshot
    by_time: EventTimeIndex | None
    replay: tuple[int, int, ViewingSet] | None
    views: list[StreamView] | None
    held: tuple[Any, ViewingSet] | None


def _take_dashboard(index: TenantIndex, now: float) -> DashboardQuery:
    """Capture the tenant's memos under the lock; the streams only if the replay memo misses."""
    by_time, replay = index.memo.get("by_time"), index.memo.get("replay")
    scan = by_time is None and _QUERIED not in index.memo
    query = DashboardQuery(index.version, scan, index.table.snapshot(), by_time, replay, None, index.sessions)
    if by_time is None or replay is None or replay[0] != by_time.cut(now):
        query.replay = None
        query.views = [_take(stream, name) for name, stream in index.streams.items()]
    return query


def _complete_dashboard(query: DashboardQuery, now: float) -> tuple[EventTimeIndex, tuple[int, int, ViewingSet]]:
    """Derive what the memos lacked (without the lock)."""
    snap = query.snap
    by_time = query.by_time or EventTimeIndex.build(snap.cols)
    if query.replay is not None:
        return by_time, query.replay
    assert query.views is not None
    live = sum(_derive(snap, view, now).is_live for view in query.views)
    query.held = _viewing_set(query.views, query.held)
    return by_time, (by_time.cut(now), live, query.held[1])


def _compute_dashboard(query: DashboardQuery, now: float, period: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the body and the memos worth keeping for this store version."""
    if query.scan:
        assert query.views is not None
        return _dashboard_scan(query.snap, query.views, now, period), {_QUERIED: True}
    by_time, replay = _complete_dashboard(query, now)
    return _dashboard(query.snap, by_time, replay, now, period), {"by_time": by_time, "replay": replay}


def _dashboard(
    snap: Snapshot, by_time: EventTimeIndex, replay: tuple[int, int, ViewingSet], now: float, period: str
) -> dict[str, Any]:
    seconds = DASHBOARD_PERIODS[period]
    win = window(now, seconds)
    size = bucket_size(seconds)
    starts = bucket_starts(win, size)
    edges = np.array(starts, "f8")
    s = snap.strings
    counts, event_counts = by_time.counts(win.start, win.end, edges, s["name"], s["type"], s["platform"])
    viewing, active = replay[2].viewing(win.start, now, edges, size)
    return _body(period, {**counts, "liveStreams": replay[1], **viewing}, starts, event_counts, active)


def _dashboard_scan(snap: Snapshot, views: list[StreamView], now: float, period: str) -> dict[str, Any]:
    """Compute the dashboard from the columns and the streams' replays, building no index.

    For the first dashboard after a change. Under steady ingest every dashboard is one, and
    the indexes (~0.7 s to build at 1M events) would die at the next append, while this
    costs ~0.2 s. A second dashboard at the same store version builds them.
    """
    seconds = DASHBOARD_PERIODS[period]
    win = window(now, seconds)
    starts = bucket_starts(win, bucket_size(seconds))
    edges = np.array(starts, "f8")
    s = snap.strings
    counts, event_counts = window_counts(snap.cols, win.start, win.end, edges, s["name"], s["type"], s["platform"])
    live = sum(_derive(snap, view, now).is_live for view in views)
    viewing, active = viewing_at(SessionSet.build(*_all_sessions(views)), win.start, now, edges)
    return _body(period, {**counts, "liveStreams": live, **viewing}, starts, event_counts, active)


def _body(period: str, metrics: dict[str, Any], starts: list[float], events: Any, active: Any) -> dict[str, Any]:
    metrics["timeseries"] = [
        {"start": rfc3339(start), "events": n, "activeViewers": a} for start, n, a in zip(starts, events, active)
    ]
    return {"period": period, "metrics": {name: metrics[name] for name in DASHBOARD_METRICS}}


def _empty_dashboard(now: float, period: str) -> dict[str, Any]:
    seconds = DASHBOARD_PERIODS[period]
    win = window(now, seconds)
    starts = bucket_starts(win, bucket_size(seconds))
    return compose(period, Tally(), starts, [0] * len(starts), [], now, win)


def _memoise(index: TenantIndex, key: Any, body: dict[str, Any]) -> None:
    # Evict bodies only: the per-version indexes in the same memo outlive any one clock.
    bodies = [k for k in index.memo if isinstance(k, tuple) and k[0] == "dashboard"]
    if len(bodies) >= _DASHBOARD_MEMO_SIZE:
        for old in bodies:
            del index.memo[old]
    index.memo[key] = body


def _live_snapshot(
    index: TenantIndex, known: int, now: float
) -> tuple[LiveDashboard, dict[str, list[str]], bool] | None:
    """Bring the tenant's LiveDashboard up to date for a read at ``now`` (call under the store
    lock, holding ``index.live_lock``); return it, the labels of its codes, and whether it
    holds every stored row (see ``_rows_for``; ``known``: the rows before the read).

    None when it does not apply: none was built, rows came out of time order or were
    evicted (it is then dropped), or the clock is behind the newest event.
    """
    live = index.live
    if not isinstance(live, LiveDashboard):
        return None
    snap, whole = _rows_for(index.table.snapshot(), live.end_row, known, now)
    if not live.extend(snap):
        index.live = live = False
    if not live or now < live.max_time:
        return None
    return live, snap.strings, whole


def _rows_for(snap: Snapshot, first: int, known: int, now: float) -> tuple[Snapshot, bool]:
    """Return the rows from absolute row ``first`` on that a read at ``now`` takes in, and
    whether they are all of them.

    Every row stored before the read (below ``known``); of those stored since, the ones
    before the first row later than ``now``: ingestion goes on during the read, stamping
    rows after the read's clock, and one of those would make the live index decline. The
    result is the store as it was at one moment during the read.
    """
    start = max(known, first, snap.base) - snap.base
    later = np.flatnonzero(snap.cols["time"][start:] > now)
    if not len(later):
        return snap, True
    cut = start + int(later[0])
    return replace(snap, cols={key: col[:cut] for key, col in snap.cols.items()}), False


_LIVE_COLUMNS = ("time", "name", "type", "platform", "viewer", "session", "stream")  # what LiveDashboard reads
_COPY_ROWS = 1 << 17  # rows copied per hold of the store lock


def _copy_rows(
    store: EventStore, index: TenantIndex, start: int, known: int, now: float
) -> tuple[Snapshot, int] | None:
    """Copy the columns LiveDashboard reads of rows ``start`` on (see ``_rows_for``), a block per
    hold of the store lock; return them and the table's oldest live row (None: ``start`` was evicted).

    Copies, not views: while a reader holds a view, a table that grows must move into fresh
    memory instead of growing in place, and ingestion waited ~150 ms for that at a million rows.
    """
    parts: list[dict[str, np.ndarray]] = []
    row = start
    while True:
        with store.locked():
            index.flush(streams=False)
            table = index.table
            if table.first_row > start:
                return None
            snap = table.snapshot()
            stop = min(table.end_row, row + _COPY_ROWS)
            part = {key: snap.cols[key][row - snap.base : stop - snap.base].copy() for key in _LIVE_COLUMNS}
            first_row, strings, end = snap.base, snap.strings, table.end_row
            del snap
        parts.append(part)
        row = stop
        if row == end or (row > known and bool((part["time"] > now).any())):
            break
    cols = {key: np.concatenate([part[key] for part in parts]) for key in _LIVE_COLUMNS}
    # No bodies: the live index reads only these columns.
    rows = Snapshot(tenant=index.table.tenant, cols=cols, base=start, bodies=None,  # type: ignore[arg-type]
                    odd_ids={}, strings=strings)
    return _rows_for(rows, start, known, now)[0], first_row


def _live_body(live: LiveDashboard, strings: dict[str, list[str]], now: float, period: str) -> dict[str, Any]:
    """Return the dashboard body from an up-to-date LiveDashboard (holding ``index.live_lock``;
    not the store lock: ingestion goes on, and only this reader's lock guards ``live``).

    The cost is a few bisects and the rows that entered or left the window.
    """
    seconds = DASHBOARD_PERIODS[period]
    win = window(now, seconds)
    starts = bucket_starts(win, bucket_size(seconds))
    edges = np.array(starts, "f8")
    counts, event_counts = live.counts(seconds, win.start, win.end, edges, strings)
    viewing, active = live.viewing(win.start, now, edges)
    return _body(period, {**counts, "liveStreams": len(live.live), **viewing}, starts, event_counts, active)


def _wants_live(index: TenantIndex) -> bool:
    # Dropped ones are rebuilt by a second dashboard at one store version, as the full
    # engine's indexes are: rows that keep coming out of order would otherwise rebuild it each time.
    return index.live is None or (index.live is False and _QUERIED in index.memo)


def _catch_up_live(store: EventStore, index: TenantIndex, known: int, now: float) -> None:
    """Bring the tenant's LiveDashboard up to date without the store lock (hold ``index.live_lock``).

    Build it if the tenant wants one: the first build replays every stored event (seconds
    at 1M). Otherwise take in the rows stored since the last read (a refresh every 2 s
    during a load brings tens of thousands). Ingestion waits for neither: the rows are
    copied a block at a time (``_copy_rows``), and those stored meanwhile are taken in by
    the read, under the lock. ``known`` and ``now``: see ``_rows_for``.
    """
    with store.locked():
        index.flush(streams=False)
        live, build = index.live, _wants_live(index)
        start = index.table.first_row if build else getattr(live, "end_row", 0)
    if not build and not isinstance(live, LiveDashboard):
        return
    copied = _copy_rows(store, index, start, known, now)
    if copied is None:
        live = None
    elif build:
        live = LiveDashboard.build(*copied)
    elif not live.extend(*copied):
        live = None
    with store.locked():
        if build and _wants_live(index):
            index.live = live if live is not None else False
        elif not build and live is None:
            index.live = False


def dashboard_metrics(
    store: EventStore, tenant: str, now: float, period: str, metric: str | None = None
) -> dict[str, Any]:
    """Return the dashboard body; ``metric`` keeps one key (``UnknownMetric`` if invalid)."""
    period_seconds(period, DASHBOARD_PERIODS)
    if metric is not None and metric not in DASHBOARD_METRICS:
        raise UnknownMetric(metric)
    key = ("dashboard", now, period)
    while True:
        with store.locked():
            index = store.tenant_index(tenant, streams=False)
            known = index.table.end_row if index is not None else 0
        if index is None:
            return _reply(_empty_dashboard(now, period), metric)
        answer = _read_live(store, tenant, index, key, known, now, period)
        if answer is not None:
            break
    body, query = answer
    if body is None:
        body = _read_full(store, index, query, key, now, period)
    return _reply(body, metric)


def _read_live(
    store: EventStore, tenant: str, index: TenantIndex, key: Any, known: int, now: float, period: str
) -> tuple[dict[str, Any] | None, DashboardQuery | None] | None:
    """Answer from the memo or the live index: (body, None), or (None, the full engine's query).

    None when the tenant was reset meanwhile (read again). ``known``: see ``_rows_for``.
    """
    with index.live_lock:
        _catch_up_live(store, index, known, now)
        with store.locked():
            if store.tenant_index(tenant, streams=False) is not index:
                return None
            body, version = index.memo.get(key), index.version
            held = _live_snapshot(index, known, now) if body is None else None
            if body is None and held is None:
                index.flush()
                return None, _take_dashboard(index, now)
        if held is not None:
            live, strings, whole = held
            body = _live_body(live, strings, now, period)
            with store.locked():
                if whole and index.version == version:  # else the body is not the rows stored now
                    _memoise(index, key, body)
    return body, None


def _read_full(
    store: EventStore, index: TenantIndex, query: DashboardQuery, key: Any, now: float, period: str
) -> dict[str, Any]:
    """Answer with the full engine (outside the lock), keeping its indexes for the next read."""
    body, memos = _compute_dashboard(query, now, period)
    with store.locked():
        if query.views is not None:
            _install(query.views)
        if index.version == query.version:
            index.memo.update(memos)
            if query.views is not None and not query.scan:
                index.sessions = query.held
            _memoise(index, key, body)
    return body


def _reply(body: dict[str, Any], metric: str | None) -> dict[str, Any]:
    # A deep copy per call, so a caller that edits the body cannot corrupt the memo.
    return {"period": body["period"], "metrics": copy.deepcopy(select(body["metrics"], metric))}
