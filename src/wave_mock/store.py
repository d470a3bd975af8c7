"""In-memory event storage: per-tenant, indexed by stream and by hour, FIFO-bounded.

    EventStore
      _arrival              every event, oldest arrival first (global FIFO bound)
      TenantIndex           per tenant
        arrival             the tenant's events, oldest arrival first
        streams[id]         StreamIndex: that stream's events, arrival order
        hours[h]            HourIndex: events with floor(time / 3600) == h
        counters            accepted / rejected / evicted

Each index has a ``memo`` dict for derived data (sorted events, sessions, tallies)
that analytics fills in. Every mutation clears the memos it touches, so a memo
can never outlive the data it was computed from.

One re-entrant lock guards everything. Readers that walk indexes take it with
``store.locked()`` so they never see a half-applied batch.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any, Sequence

from wave_mock.events import Event

HOUR = 3600


class StreamIndex:
    """One stream's events in arrival order, plus derived data."""

    __slots__ = ("events", "memo")

    def __init__(self) -> None:
        self.events: deque[Event] = deque()
        self.memo: dict[Any, Any] = {}


class HourIndex:
    """Events whose time falls in one clock hour, in arrival order, plus derived data."""

    __slots__ = ("events", "memo")

    def __init__(self) -> None:
        self.events: deque[Event] = deque()
        self.memo: dict[Any, Any] = {}


class TenantIndex:
    """Everything stored for one tenant."""

    __slots__ = ("arrival", "streams", "hours", "memo", "accepted", "rejected", "evicted")

    def __init__(self) -> None:
        self.arrival: deque[Event] = deque()
        self.streams: dict[str, StreamIndex] = {}
        self.hours: dict[int, HourIndex] = {}
        self.memo: dict[Any, Any] = {}
        self.accepted = 0
        self.rejected = 0
        self.evicted = 0

    def add(self, event: Event) -> None:
        """Index one event."""
        self.arrival.append(event)
        self.memo.clear()
        if event.stream is not None:
            stream = self.streams.get(event.stream)
            if stream is None:
                stream = self.streams[event.stream] = StreamIndex()
            stream.events.append(event)
            stream.memo.clear()
        hour = hour_of(event.time)
        bucket = self.hours.get(hour)
        if bucket is None:
            bucket = self.hours[hour] = HourIndex()
        bucket.events.append(event)
        bucket.memo.clear()

    def drop_oldest(self, event: Event) -> None:
        """Unindex ``event``, which must be this tenant's oldest arrival."""
        # The globally oldest event is also the oldest in each index it belongs to,
        # because every index keeps arrival order: popleft is exact and O(1).
        self.arrival.popleft()
        self.memo.clear()
        self.evicted += 1
        if event.stream is not None:
            stream = self.streams[event.stream]
            stream.events.popleft()
            stream.memo.clear()
            if not stream.events:
                del self.streams[event.stream]
        hour = hour_of(event.time)
        bucket = self.hours[hour]
        bucket.events.popleft()
        bucket.memo.clear()
        if not bucket.events:
            del self.hours[hour]


def hour_of(t: float) -> int:
    """Return the clock-hour number of epoch time ``t``."""
    return int(t // HOUR)


def _matches(
    e: Event,
    event_name: str | None,
    event_type: str | None,
    stream_id: str | None,
    session_id: str | None,
    user_id: str | None,
    since: float | None,
) -> bool:
    if event_name is not None and e.name != event_name:
        return False
    if event_type is not None and e.type != event_type:
        return False
    if stream_id is not None and e.stream != stream_id:
        return False
    if session_id is not None and e.session != session_id:
        return False
    if since is not None and e.time < since:
        return False
    # The viewer key equals userId whenever one was sent; decode only those candidates.
    return user_id is None or (e.viewer == user_id and e.body.get("userId") == user_id)


class EventStore:
    """Thread-safe in-memory store of accepted events and rejected-request journal."""

    def __init__(self, max_events: int = 1_000_000, max_rejected: int = 10_000) -> None:
        self.max_events = max_events
        self.max_rejected = max_rejected
        self._lock = threading.RLock()
        self._tenants: dict[str, TenantIndex] = {}
        self._arrival: deque[Event] = deque()
        self._rejected: deque[tuple[str, dict[str, Any]]] = deque(maxlen=max_rejected)

    def locked(self) -> threading.RLock:
        """Return the store lock; hold it while reading indexes (``with store.locked():``)."""
        return self._lock

    def _tenant(self, tenant: str) -> TenantIndex:
        index = self._tenants.get(tenant)
        if index is None:
            index = self._tenants[tenant] = TenantIndex()
        return index

    def append(self, tenant: str, events: Sequence[Event]) -> None:
        """Store a batch for ``tenant``: all of it, or none of it."""
        for event in events:
            if event.tenant != tenant:
                raise ValueError(f"event {event.event_id} belongs to {event.tenant!r}, not {tenant!r}")
        if not events:
            return
        with self._lock:
            index = self._tenant(tenant)
            for event in events:
                index.add(event)
                self._arrival.append(event)
            index.accepted += len(events)
            self._evict()

    def _evict(self) -> None:
        while len(self._arrival) > self.max_events:
            oldest = self._arrival.popleft()
            self._tenants[oldest.tenant].drop_oldest(oldest)

    def record_rejection(self, tenant: str, entry: dict[str, Any]) -> None:
        """Journal one rejected event or request (oldest entries fall off past the cap)."""
        with self._lock:
            self._rejected.append((tenant, entry))
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
        """Return up to ``limit`` matching events, newest arrival first."""
        with self._lock:
            index = self._tenants.get(tenant)
            if index is None or limit <= 0:
                return []
            if stream_id is not None:
                stream = index.streams.get(stream_id)
                source: deque[Event] = stream.events if stream else deque()
            else:
                source = index.arrival
            out: list[Event] = []
            for e in reversed(source):
                if _matches(e, event_name, event_type, stream_id, session_id, user_id, since):
                    out.append(e)
                    if len(out) >= limit:
                        break
            return out

    def rejected(self, tenant: str, limit: int = 100) -> list[dict[str, Any]]:
        """Return up to ``limit`` journal entries of ``tenant``, newest first."""
        with self._lock:
            out: list[dict[str, Any]] = []
            for owner, entry in reversed(self._rejected):
                if owner == tenant:
                    out.append(entry)
                    if len(out) >= limit:
                        break
            return out

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
                self._arrival.clear()
                self._rejected.clear()
                return
            if self._tenants.pop(tenant, None) is None:
                return
            self._arrival = deque(e for e in self._arrival if e.tenant != tenant)
            kept = [(t, entry) for t, entry in self._rejected if t != tenant]
            self._rejected = deque(kept, maxlen=self.max_rejected)

    def has_stream(self, tenant: str, stream_id: str) -> bool:
        """Return whether ``tenant`` has any stored event for ``stream_id``."""
        with self._lock:
            index = self._tenants.get(tenant)
            return index is not None and stream_id in index.streams

    def tenants(self) -> list[str]:
        """Return the tenants with stored events or counters, sorted."""
        with self._lock:
            return sorted(self._tenants)

    def tenant_index(self, tenant: str) -> TenantIndex | None:
        """Return a tenant's indexes (hold ``locked()`` while using them)."""
        return self._tenants.get(tenant)

    def __len__(self) -> int:
        """Return the number of stored events across tenants."""
        return len(self._arrival)
