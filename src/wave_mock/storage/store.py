"""In-memory event storage: per-tenant columns, indexed by stream, FIFO-bounded.

    EventStore
      _runs                 (tenant, count) runs in arrival order (global FIFO bound)
      TenantIndex           per tenant
        table               EventTable: the tenant's events as numpy columns, oldest arrival first
        streams[id]         StreamIndex: absolute row numbers of that stream's events, arrival order
        staged, dropping    appends and evictions queued until the next flush (any read flushes)
        counters            accepted / rejected / evicted

Events are stored as columns, not ``Event`` objects (a third of the memory); ``events()``
rebuilds ``Event`` objects on demand. Each index has a ``version`` that every mutation bumps
and a ``memo`` dict for derived data that analytics fills in, keyed by that version, so a
memo can never outlive the data it was computed from.

One re-entrant lock guards everything. Readers hold it only to take snapshots
(``TenantIndex.table.snapshot()``, ``StreamIndex.rows.view()``): stored rows are never
rewritten, so the heavy work can run without the lock.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from typing import Any, Sequence

import numpy as np

from wave_mock.storage.columns import EventTable, Grow
from wave_mock.events import Event, EventBatch

# Queued appends or evictions that trigger a flush without waiting for a reader: bounds the
# queue's memory and a reader's wait, and is large enough that numpy's per-call cost and
# the per-stream index updates (most of 1,000 streams per flush in bench B2) vanish per event.
_FLUSH_ROWS = 8192


class StreamIndex:
    """One stream's row numbers in arrival order, plus derived data."""

    __slots__ = ("rows", "version", "memo")

    def __init__(self) -> None:
        self.rows = Grow()
        self.version = 0
        self.memo: dict[Any, Any] = {}

    def changed(self, stamp: int) -> None:
        """Take the tenant's new version as ours and forget derived data.

        Stamps from the tenant's counter, not a per-stream count: a stream evicted to nothing
        and sent again is a new ``StreamIndex``, and must not repeat an old version.
        """
        self.version = stamp
        self.memo.clear()


class TenantIndex:
    """Everything stored for one tenant.

    Writes are queued: appended rows are staged in the table and evictions counted
    (``dropping``) until enough pile up or a reader comes; a numpy write costs the same
    for one row as for thousands, so single-event requests must not pay it each. The
    stream indexes are brought up to date only for readers (``indexed_end`` marks how far
    they reach): grouping a million rows by stream once is far cheaper than grouping a few
    thousand at a time, and a write-only load never pays it. Every reader flushes first
    (the store does it under the lock), so queries never see a queue.
    """

    __slots__ = ("table", "streams", "memo", "sessions", "version", "accepted", "rejected", "evicted",
                 "dropping", "indexed_end", "live", "live_lock")

    def __init__(self, tenant: str, reserve: int = 1024) -> None:
        self.table = EventTable(tenant, reserve)
        self.streams: dict[str, StreamIndex] = {}
        self.memo: dict[Any, Any] = {}
        # Analytics' pre-sorted sessions of every stream; not cleared on change because its
        # key names the stream versions it was built from (see analytics.py).
        self.sessions: Any = None
        # Analytics' LiveDashboard (None: none yet; False: dropped), extended by each read
        # from the rows it has not seen; it checks eviction and order itself.
        self.live: Any = None
        # Held by the reader that builds or extends ``live`` outside the store lock (ingest never
        # takes it): readers take turns, writers go on.
        self.live_lock = threading.Lock()
        self.version = 0
        self.accepted = 0
        self.rejected = 0
        self.evicted = 0
        self.dropping = 0  # evicted, still in the columns or staged
        self.indexed_end = 0  # absolute row: the stream indexes hold every live row below it

    def add(self, batch: EventBatch) -> None:
        """Queue a batch of events for storing."""
        self.table.stage(batch)
        self._changed()
        if self.table.staged_rows >= _FLUSH_ROWS:
            self._write()

    def drop_oldest(self, count: int) -> None:
        """Queue the removal of this tenant's ``count`` oldest arrivals."""
        self.dropping += count
        self.evicted += count
        self._changed()
        if self.dropping >= _FLUSH_ROWS:
            self._write()

    def flush(self, streams: bool = True) -> None:
        """Apply queued writes and (``streams``) bring the stream indexes up to date (call under the store lock)."""
        self._write()
        if streams:
            self._index_streams()

    def _write(self) -> None:
        """Commit staged rows, then drop queued evictions.

        Appends add at the new end and evictions take from the old end, so applying all
        queued appends before all queued evictions leaves the same rows as arrival order.
        """
        self.table.commit()
        if self.dropping:
            count, self.dropping = self.dropping, 0
            self._unindex(count)

    def _index_streams(self) -> None:
        start, end = self.indexed_end, self.table.end_row
        if start >= end:
            return
        self.indexed_end = end
        # Group the new rows by stream: a stable sort keeps each group in arrival order.
        codes = self.table.stream_codes(start, end)
        order = np.argsort(codes, kind="stable")
        ordered = codes[order]
        bounds = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
        starts, ends = [0, *bounds.tolist()], [*bounds.tolist(), len(ordered)]
        rows = order + start
        names = self.table.strings["stream"].values
        for code, lo, hi in zip(ordered[starts].tolist(), starts, ends):
            if code < 0:
                continue
            stream = self.streams.get(names[code])
            if stream is None:
                stream = self.streams[names[code]] = StreamIndex()
            stream.rows.extend(rows[lo:hi])
            stream.changed(self.version)

    def _unindex(self, count: int) -> None:
        # Every index keeps arrival order, so the oldest rows are a prefix of each; rows at
        # or past ``indexed_end`` were never indexed.
        first = self.table.first_row
        codes = self.table.drop_oldest(count)[: max(0, self.indexed_end - first)]
        self.indexed_end = max(self.indexed_end, self.table.first_row)
        self._changed()
        names = self.table.strings["stream"].values
        present = codes[codes >= 0]
        for code, n in zip(*np.unique(present, return_counts=True)):
            name = names[int(code)]
            stream = self.streams[name]
            stream.rows.drop(int(n))
            stream.changed(self.version)
            if not len(stream.rows):
                del self.streams[name]

    def _changed(self) -> None:
        self.version += 1
        self.memo.clear()

    def __len__(self) -> int:
        return len(self.table) + self.table.staged_rows - self.dropping


_SCAN_ROWS = 65536  # rows filtered at a time, newest first, by ``_newest``


def _newest(index: TenantIndex, rows: np.ndarray, limit: int | None, filters: tuple[Any, ...]) -> np.ndarray:
    """Return the ``rows`` that match ``filters`` (see ``_select``), newest first: up to ``limit``
    of them (None: all), filtering a block at a time from the newest, so the inspection
    page's "latest 200" costs 200 rows, not the whole table, under the store lock."""
    found: list[np.ndarray] = []
    count, end = 0, len(rows)
    while end > 0 and (limit is None or count < limit):
        start = max(0, end - _SCAN_ROWS)
        block = _select(index, rows[start:end], *filters)[::-1]
        found.append(block)
        count, end = count + len(block), start
    out = np.concatenate(found) if found else rows[:0]
    return out if limit is None else out[:limit]


def _select(
    index: TenantIndex,
    rows: np.ndarray,
    event_name: str | None,
    event_type: str | None,
    session_id: str | None,
    user_id: str | None,
    since: float | None,
) -> np.ndarray:
    """Return the rows (absolute numbers) whose columns match the filters."""
    table = index.table
    idx = rows - table.base
    mask = np.ones(len(rows), bool)
    for key, value in (("name", event_name), ("type", event_type), ("session", session_id), ("viewer", user_id)):
        if value is None:
            continue
        code = table.lookup(key, value)
        if code is None:
            return rows[:0]
        mask &= table.cols[key][idx] == code
    if since is not None:
        mask &= table.cols["time"][idx] >= since
    return rows[mask]


_RESERVE_ROWS = 1 << 22  # at most ~4M rows reserved per tenant up front (a few hundred MB of address space)


class EventStore:
    """Thread-safe in-memory store of accepted events and, per tenant, rejected requests."""

    def __init__(self, max_events: int = 1_000_000, max_rejected: int = 10_000) -> None:
        self.max_events = max_events
        self.max_rejected = max_rejected
        self._lock = threading.RLock()
        self._tenants: dict[str, TenantIndex] = {}
        # Runs of consecutive arrivals of one tenant: [tenant, count]. A batch is one run,
        # so the global FIFO costs nothing per event.
        self._runs: deque[list[Any]] = deque()
        self._count = 0
        # One bounded list per tenant, so one tenant's bad traffic never pushes out another's.
        # Tenants are the configured keys (an unknown key is a 401, never recorded), so
        # the lists number at most the keys: at most keys x max_rejected entries in all.
        self._rejected: dict[str, deque[dict[str, Any]]] = {}

    def locked(self) -> threading.RLock:
        """Return the store lock; hold it while taking snapshots (``with store.locked():``)."""
        return self._lock

    def _tenant(self, tenant: str) -> TenantIndex:
        index = self._tenants.get(tenant)
        if index is None:
            # Room for every event the store may hold, once the tenant is big (address space,
            # not memory: see EventTable).
            # A quarter more than that, as growth would leave: once full, evictions free the
            # front, and the live rows move back only every max_events / 4 rows.
            reserve = min(int(1.25 * self.max_events) + _FLUSH_ROWS, _RESERVE_ROWS)
            index = self._tenants[tenant] = TenantIndex(tenant, reserve)
        return index

    def append(self, tenant: str, events: Sequence[Event]) -> None:
        """Store ``events`` for ``tenant``: all of them, or none of them."""
        self.append_batch(EventBatch.of(tenant, events))

    def append_batch(self, batch: EventBatch) -> None:
        """Store a batch: all of it, or none of it."""
        count, tenant = batch.size, batch.tenant
        if not count:
            return
        with self._lock:
            index = self._tenant(tenant)
            index.add(batch)
            index.accepted += count
            runs = self._runs
            if runs and runs[-1][0] == tenant:
                runs[-1][1] += count
            else:
                runs.append([tenant, count])
            self._count += count
            if self._count > self.max_events:
                self._evict()

    def _evict(self) -> None:
        excess = self._count - self.max_events
        while excess > 0:
            run = self._runs[0]
            count = min(run[1], excess)
            self._tenants[run[0]].drop_oldest(count)
            run[1] -= count
            if not run[1]:
                self._runs.popleft()
            self._count -= count
            excess -= count

    def record_rejection(self, tenant: str, entry: dict[str, Any]) -> None:
        """Journal one rejected event or request (the tenant's oldest entries fall off past the cap)."""
        with self._lock:
            entries = self._rejected.get(tenant)
            if entries is None:
                entries = self._rejected[tenant] = deque(maxlen=self.max_rejected)
            entries.append(entry)
            self._tenant(tenant).rejected += 1

    def events(
        self,
        tenant: str,
        *,
        event_name: str | None = None,
        event_type: str | None = None,
        stream_id: str | None = None,
        session_id: str | None = None,
        user_id: str | None = None,
        since: float | None = None,
        limit: int = 100,
    ) -> list[Event]:
        """Return up to ``limit`` matching events, newest arrival first.

        The rows are chosen and copied out under the lock; the events are rebuilt after it
        (thousands of them take tens of ms, which ingestion need not wait for).
        """
        with self._lock:
            index = self.tenant_index(tenant)
            if index is None or limit <= 0 or not len(index):
                return []
            table = index.table
            filters = (event_name, event_type, session_id, user_id, since)
            # Hashed filters find candidates that the bodies then confirm: take them all.
            wanted = limit if user_id is None and session_id is None else None
            if stream_id is not None:
                stream = index.streams.get(stream_id)
                if stream is None:
                    return []
                rows = _newest(index, stream.rows.view(), wanted, filters)
            else:
                rows = _newest(index, np.arange(table.first_row, table.end_row, dtype="i8"), wanted, filters)
            picked = table.snapshot().gather(rows)
        if user_id is None and session_id is None:
            return picked.events()
        out: list[Event] = []
        # The columns hold hashes of these, and the viewer key equals userId only when one
        # was sent: the rows are candidates, checked on the bodies a page at a time.
        for start in range(0, len(picked), limit):
            for e in picked.page(start, start + limit).events():
                if (session_id is None or e.session == session_id) and (
                    user_id is None or e.body.get("userId") == user_id
                ):
                    out.append(e)
                    if len(out) >= limit:
                        return out
        return out

    def rejected(self, tenant: str, limit: int = 100) -> list[dict[str, Any]]:
        """Return up to ``limit`` journal entries of ``tenant``, newest first."""
        with self._lock:
            entries = self._rejected.get(tenant, ())
            return list(itertools.islice(reversed(entries), max(0, limit)))

    def stats(self, tenant: str | None = None) -> dict[str, int]:
        """Return accepted, rejected, evicted and total counts for one tenant or all."""
        with self._lock:
            if tenant is None:
                indexes = list(self._tenants.values())
            else:
                indexes = [self._tenants[tenant]] if tenant in self._tenants else []
            accepted = sum(i.accepted for i in indexes)
            rejected = sum(i.rejected for i in indexes)
            evicted = sum(i.evicted for i in indexes)
            return {"total": accepted + rejected, "accepted": accepted, "rejected": rejected, "evicted": evicted}

    def reset(self, tenant: str | None) -> None:
        """Forget one tenant's events, journal and counters, or everything."""
        with self._lock:
            if tenant is None:
                self._tenants.clear()
                self._runs.clear()
                self._count = 0
                self._rejected.clear()
                return
            self._rejected.pop(tenant, None)
            index = self._tenants.pop(tenant, None)
            if index is None:
                return
            # A fresh TenantIndex replaces the old one, whose arrays readers may still hold.
            self._runs = deque(run for run in self._runs if run[0] != tenant)
            self._count -= len(index)

    def has_stream(self, tenant: str, stream_id: str) -> bool:
        """Return whether ``tenant`` has any stored event for ``stream_id``."""
        with self._lock:
            index = self.tenant_index(tenant)
            return index is not None and stream_id in index.streams

    def stream_counts(self, tenant: str) -> dict[str, int]:
        """Return how many stored events each of ``tenant``'s streams has, by stream id (sorted)."""
        with self._lock:
            index = self.tenant_index(tenant)
            if index is None:
                return {}
            return {stream_id: len(index.streams[stream_id].rows) for stream_id in sorted(index.streams)}

    def tenants(self) -> list[str]:
        """Return the tenants with stored events or counters, sorted."""
        with self._lock:
            return sorted(self._tenants)

    def tenant_index(self, tenant: str, streams: bool = True) -> TenantIndex | None:
        """Return a tenant's indexes, queued events flushed (hold ``locked()`` while reading them).

        ``streams=False`` leaves the stream indexes behind (grouping many new rows by stream
        takes long): for readers that do not use them, such as the live dashboard.
        """
        with self._lock:
            index = self._tenants.get(tenant)
            if index is not None:
                index.flush(streams)
            return index

    def __len__(self) -> int:
        """Return the number of stored events across tenants."""
        return self._count
