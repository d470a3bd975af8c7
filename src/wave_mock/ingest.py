"""Validate and store events: the domain behind trackEvent and trackEventBatch."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import orjson

from wave_mock.storage.durable.database import DataFile, DataFileError
from wave_mock.errors import FieldError, PayloadTooLarge, StorageUnavailable, TimestampConflict, ValidationFailed
from wave_mock.events import Event, EventBatch, compact_json, event_id, make_event, make_events
from wave_mock.http.jsonbody import MAX_EVENT_BYTES
from wave_mock.storage.packed import compact_objects
from wave_mock.realism.lag import IngestLag
from wave_mock.spec import Spec
from wave_mock.storage.store import EventStore
from wave_mock.timeutil import format_rfc3339, parse_rfc3339

MAX_FUTURE_SECONDS = 3600
MAX_AGE_SECONDS = 90 * 86400
TOO_NEW = "must not be more than 1 hour in the future"
TOO_OLD = "must not be older than 90 days"
TIME_WINDOW_MESSAGES = (TOO_NEW, TOO_OLD)
BODY_PREVIEW_BYTES = 4096


class EventIds:
    """Hand out unique, ordered event ids; thread-safe."""

    def __init__(self, start: int = 1) -> None:
        # next() on itertools.count is atomic under the GIL, so no lock (a lock here was
        # the top cost of batch ingest with 16 server threads).
        self._counter = itertools.count(start)

    def next(self) -> str:
        return event_id(next(self._counter))

    def take(self, count: int) -> range | list[str]:
        """Return ``count`` fresh ids: the range of their numbers, as ``EventBatch`` keeps them.

        islice over a count runs in C without releasing the GIL, so the numbers are
        consecutive; should that ever not hold, the ids come back as strings.
        """
        numbers = list(itertools.islice(self._counter, count))
        if numbers and numbers[-1] - numbers[0] == count - 1:
            return range(numbers[0], numbers[-1] + 1)
        return list(map(event_id, numbers))


@dataclass
class Ingestor:
    """Turn request bodies into stored events for one app."""

    spec: Spec
    store: EventStore
    now: Callable[[str], float]  # a tenant's current time (each tenant has its own clock)
    ids: EventIds = field(default_factory=EventIds)
    data: DataFile | None = None
    lag: IngestLag | None = None  # mock-only --ingest-lag

    def store_events(self, batch: EventBatch) -> None:
        """Make ``batch`` durable (with ``--data-file``), then visible (after ``--ingest-lag``); 503 if the disk refuses."""
        if self.data is None:
            self._show(batch)
        elif batch.size:
            self._durably(self.data.commit, batch, lambda: self._show(batch))

    def _show(self, batch: EventBatch) -> None:
        if self.lag is None:
            self.store.append_batch(batch)
        else:
            self.lag.hold(batch, self.store)

    def release_due(self) -> None:
        """Make visible the events whose ingest lag has passed; call before reading the store."""
        if self.lag is not None:
            self.lag.release(self.store)

    def reset(self, tenant: str | None) -> None:
        """Forget a tenant (or everyone), durably; held (lagging) events too."""
        if self.data is None:
            self._forget(tenant)
        else:
            self._durably(self.data.reset, tenant, lambda: self._forget(tenant))

    def _forget(self, tenant: str | None) -> None:
        if self.lag is None:
            self.store.reset(tenant)
            return
        with self.lag.lock:  # no held batch may reach the store between the two
            self.lag.forget(tenant)
            self.store.reset(tenant)

    @staticmethod
    def _durably(write: Callable[..., None], what: Any, apply: Callable[[], None]) -> None:
        try:
            write(what, apply)
        except DataFileError as error:
            raise StorageUnavailable(retry_after=2) from error

    def track(self, tenant: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Store one event, or raise 400/413 after journaling the rejection."""
        received_at = self.now(tenant)
        errors = event_errors(self.spec, body, received_at)
        if errors:
            self.reject(tenant, "trackEvent", body, errors)
            if all(e.message in TIME_WINDOW_MESSAGES for e in errors):
                raise TimestampConflict(details=errors)
            raise ValidationFailed("The event is invalid.", errors)
        raw = compact_json(body)
        if len(raw) > MAX_EVENT_BYTES:
            problem = FieldError("", f"is larger than {MAX_EVENT_BYTES} bytes")
            self.reject(tenant, "trackEvent", body, [problem])
            raise PayloadTooLarge(f"The event is larger than {MAX_EVENT_BYTES} bytes (32 KiB).")
        batch = make_events([body], ids=self.ids.take(1), tenant=tenant, times=[event_time(body, received_at)],
                            received=[received_at], raws=[raw])
        self.store_events(batch)
        return {"success": True, "eventId": batch.event_ids()[0]}

    def track_batch(self, tenant: str, body: Mapping[str, Any], encoded: bytes | None = None) -> dict[str, Any]:
        """Store the valid events of a batch; report the invalid ones.

        ``encoded`` is ``orjson.dumps(body)`` when the caller has it (the body parser makes
        it to check for duplicate keys): the events' bodies are then cut from it, not
        encoded again.
        """
        received_at = self.now(tenant)
        envelope = self.spec.operations["trackEventBatch"].body
        problems = envelope.errors(body) if envelope else []
        if problems:
            self.reject(tenant, "trackEventBatch", body, problems)
            raise ValidationFailed("The batch is invalid; nothing was stored.", problems)
        clean = self._build_clean_batch(tenant, body["events"], received_at, _items_json(body, encoded))
        if clean is not None:
            self.store_events(clean)
            return {"success": True, "accepted": clean.size, "rejected": 0, "errors": []}
        accepted: list[Event] = []
        errors: list[dict[str, Any]] = []
        for index, item in enumerate(body["events"]):
            item_errors = self._item_errors(tenant, item, index, received_at, accepted)
            errors.extend({"index": index, **e.to_json()} for e in item_errors)
        self.store_events(EventBatch.of(tenant, accepted))
        rejected = len(body["events"]) - len(accepted)
        return {"success": bool(accepted), "accepted": len(accepted), "rejected": rejected, "errors": errors}

    def _build_clean_batch(
        self, tenant: str, items: list[Any], received_at: float, items_json: bytes | None = None
    ) -> EventBatch | None:
        """Build all of a batch's events when every item passes; None when any fails.

        The common case, checked a whole batch at a time (bench B2). A batch with a bad item
        goes item by item through ``_item_errors`` instead, which describes the problems;
        both ways store the same events (tests/test_ingest_paths.py).
        """
        if not self.spec.event_list_validator.is_valid(items):
            return None
        times = event_times(items, received_at)
        if times is None:
            return None
        raws = compact_objects(items, items_json)
        if len(raws.data) > MAX_EVENT_BYTES and raws.longest() > MAX_EVENT_BYTES:
            return None
        return make_events(items, ids=self.ids.take(len(items)), tenant=tenant, times=times,
                           received=[received_at] * len(items), raws=raws)

    def _item_errors(
        self, tenant: str, item: Any, index: int, received_at: float, accepted: list[Event]
    ) -> list[FieldError]:
        prefix = f"events[{index}]"
        errors = event_errors(self.spec, item, received_at, prefix)
        if not errors:
            event = self.build(tenant, item, received_at)
            if len(event.raw) <= MAX_EVENT_BYTES:
                accepted.append(event)
                return []
            errors = [FieldError(prefix, f"is larger than {MAX_EVENT_BYTES} bytes")]
        self.reject(tenant, "trackEventBatch", item, errors, index=index)
        return errors

    def build(self, tenant: str, body: Mapping[str, Any], received_at: float) -> Event:
        """Build one valid body's ``Event`` with the next id."""
        return make_event(
            body, event_id=self.ids.next(), tenant=tenant, time=event_time(body, received_at), received_at=received_at
        )

    def reject(
        self,
        tenant: str,
        operation: str,
        body: Any,
        errors: list[FieldError],
        index: int | None = None,
    ) -> None:
        """Journal a rejected request or event for the inspection API."""
        self.store.record_rejection(
            tenant,
            {
                "receivedAt": format_rfc3339(self.now(tenant)),
                "operation": operation,
                "index": index,
                "body": body_preview(body),
                "errors": [e.to_json() for e in errors],
            },
        )


_EVENTS_KEY = b'{"events":'


def _items_json(body: Mapping[str, Any], encoded: bytes | None) -> bytes | None:
    """Return ``orjson.dumps(body["events"])`` cut from ``encoded``, when it is a plain slice."""
    if encoded is None or len(body) != 1 or not encoded.startswith(_EVENTS_KEY):
        return None
    return encoded[len(_EVENTS_KEY) : -1]  # orjson writes {"events":<items>} and nothing more


def event_errors(spec: Spec, body: Any, now: float, prefix: str = "") -> list[FieldError]:
    """Return the problems of one event: the spec's schema, then the time window."""
    errors = spec.event_validator.errors(body, prefix)
    if errors or not isinstance(body, dict) or "timestamp" not in body:
        return errors
    field_name = f"{prefix}.timestamp" if prefix else "timestamp"
    moment = parse_rfc3339(body["timestamp"])
    if moment is None:
        return [FieldError(field_name, "must be an RFC 3339 date-time, e.g. 2026-11-27T10:00:00Z")]
    if moment > now + MAX_FUTURE_SECONDS:
        return [FieldError(field_name, TOO_NEW)]
    if moment < now - MAX_AGE_SECONDS:
        return [FieldError(field_name, TOO_OLD)]
    return []


def event_time(body: Mapping[str, Any], received_at: float) -> float:
    """Return a valid body's event time: its ``timestamp`` if sent, else when it arrived."""
    timestamp = body.get("timestamp")
    return received_at if timestamp is None else parse_rfc3339(timestamp) or received_at


def event_times(items: list[dict[str, Any]], now: float) -> list[float] | None:
    """Return each valid item's event time, or None if any ``timestamp`` is out of the window."""
    stamps = [item.get("timestamp") for item in items]
    if stamps.count(None) == len(stamps):
        return [now] * len(items)  # the common case: no timestamps, nothing to check
    lowest, highest = now - MAX_AGE_SECONDS, now + MAX_FUTURE_SECONDS
    times = [now if stamp is None else parse_rfc3339(stamp) for stamp in stamps]
    if all(t is not None and lowest <= t <= highest for t in times):
        return times  # type: ignore[return-value]
    return None


def body_preview(body: Any) -> Any:
    """Keep small bodies as they are and cut big ones to a string preview."""
    try:
        encoded = orjson.dumps(body)
    except TypeError:
        return repr(body)[:BODY_PREVIEW_BYTES]
    if len(encoded) <= BODY_PREVIEW_BYTES:
        return body
    return encoded[:BODY_PREVIEW_BYTES].decode("utf-8", "replace") + "…"
