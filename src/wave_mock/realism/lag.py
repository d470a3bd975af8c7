"""Mock-only ``--ingest-lag``: accepted events reach the analytics reads seconds later.

A real deployment ingests asynchronously: a POST gets 200 and the event shows up in the
metrics a few seconds after. ``IngestLag`` holds each accepted batch for ``seconds`` of
real time, then hands it to the store in arrival order; a batch stays one unit, so its
events become visible together, as without the lag.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from wave_mock.events import Event, EventBatch
from wave_mock.storage.store import EventStore


@dataclass(frozen=True)
class Pending:
    """An accepted event not yet visible to analytics, and the real seconds until it is."""

    event: Event
    visible_in: float


@dataclass
class IngestLag:
    """Hold accepted batches for ``seconds`` of real time before the store sees them.

    ``ticks`` is a real-seconds source (``Clock.ticks``, monotonic): the lag is about time
    elapsed since receipt, which freezing or advancing the mock clock does not change.
    """

    seconds: float
    ticks: Callable[[], float]
    # (due tick, batch), oldest first; due ticks never decrease, so release pops a prefix.
    _held: deque[tuple[float, EventBatch]] = field(default_factory=deque, init=False)
    # Held across "release into the store" so batches reach it in arrival order, and by
    # readers that list pending and stored events together, so none shows up twice.
    lock: threading.RLock = field(default_factory=threading.RLock, init=False)

    def hold(self, batch: EventBatch, store: EventStore) -> None:
        """Queue ``batch``; release what is due meanwhile, so an unread queue stays short."""
        if not batch.size:
            return
        with self.lock:
            self._held.append((self.ticks() + self.seconds, batch))
            self._release(store)

    def release(self, store: EventStore) -> None:
        """Move every batch whose lag has passed into ``store``, oldest first."""
        try:
            if self._held[0][0] > self.ticks():
                return  # the common case, answered without the lock
        except IndexError:  # nothing held (or another thread just released the last batch)
            return
        with self.lock:
            self._release(store)

    def _release(self, store: EventStore) -> None:
        now, held = self.ticks(), self._held
        while held and held[0][0] <= now:
            store.append_batch(held.popleft()[1])

    def pending(self, tenant: str) -> list[Pending]:
        """Return ``tenant``'s held events, newest arrival first."""
        now = self.ticks()
        with self.lock:
            batches = [(due, batch) for due, batch in self._held if batch.tenant == tenant]
        return [Pending(event, max(0.0, due - now)) for due, batch in reversed(batches) for event in reversed(batch.events())]

    def inspect(self, store: EventStore, tenant: str, limit: int, **filters: Any) -> tuple[list[Pending], list[Event]]:
        """Return up to ``limit`` of ``tenant``'s events matching ``filters``, held ones first.

        Held events arrived after every stored one, so held-then-stored is newest first.
        ``filters`` are ``EventStore.events``'s keyword filters.
        """
        with self.lock:  # nothing moves from held to stored while both are read
            held = [p for p in self.pending(tenant) if _matches(p.event, filters)][:limit]
            return held, store.events(tenant, limit=limit - len(held), **filters)

    def count(self, tenant: str | None = None) -> int:
        """Return how many events are held, for one tenant or all."""
        with self.lock:
            return sum(batch.size for _, batch in self._held if tenant is None or batch.tenant == tenant)

    def tenants(self) -> set[str]:
        """Return the tenants with held events."""
        with self.lock:
            return {batch.tenant for _, batch in self._held}

    def forget(self, tenant: str | None) -> None:
        """Drop the held events of one tenant, or of everyone (a reset)."""
        with self.lock:
            kept = [] if tenant is None else [(due, b) for due, b in self._held if b.tenant != tenant]
            self._held = deque(kept)


# How each of ``EventStore.events``'s filters reads an event (a plain version, for the few held ones).
_FILTERS: dict[str, Callable[[Event], Any]] = {
    "event_name": lambda e: e.name,
    "event_type": lambda e: e.type,
    "stream_id": lambda e: e.stream,
    "session_id": lambda e: e.session,
    "user_id": lambda e: e.body.get("userId"),
}


def _matches(event: Event, filters: dict[str, Any]) -> bool:
    """Apply ``EventStore.events``'s keyword filters (None: any) to one event."""
    since = filters.get("since")
    if since is not None and event.time < since:
        return False
    return all(value is None or _FILTERS[key](event) == value for key, value in filters.items() if key != "since")
