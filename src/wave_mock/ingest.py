"""Validate and store events: the domain behind trackEvent and trackEventBatch."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import orjson

from wave_mock.errors import FieldError, PayloadTooLarge, TimestampConflict, ValidationFailed
from wave_mock.events import Event, make_event
from wave_mock.journal import Journal
from wave_mock.jsonbody import MAX_EVENT_BYTES
from wave_mock.spec import Spec
from wave_mock.store import EventStore
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
        return f"evt_{next(self._counter):012d}"


@dataclass
class Ingestor:
    """Turn request bodies into stored events for one app."""

    spec: Spec
    store: EventStore
    now: Callable[[], float]
    ids: EventIds = field(default_factory=EventIds)
    journal: Journal | None = None

    def store_events(self, tenant: str, events: list[Event]) -> None:
        """Make ``events`` durable (with ``--data-file``), then visible."""
        if self.journal is not None:
            self.journal.append(events)
        self.store.append(tenant, events)

    def reset(self, tenant: str | None) -> None:
        """Forget a tenant (or everyone), durably."""
        if self.journal is not None:
            self.journal.record_reset(tenant)
        self.store.reset(tenant)

    def track(self, tenant: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Store one event, or raise 400/413 after journaling the rejection."""
        received_at = self.now()
        errors = event_errors(self.spec, body, received_at)
        if errors:
            self.reject(tenant, "trackEvent", body, errors)
            if all(e.message in TIME_WINDOW_MESSAGES for e in errors):
                raise TimestampConflict(details=errors)
            raise ValidationFailed("The event is invalid.", errors)
        event = self.build(tenant, body, received_at)
        if len(event.raw) > MAX_EVENT_BYTES:
            problem = FieldError("", f"is larger than {MAX_EVENT_BYTES} bytes")
            self.reject(tenant, "trackEvent", body, [problem])
            raise PayloadTooLarge(f"The event is larger than {MAX_EVENT_BYTES} bytes (32 KiB).")
        self.store_events(tenant, [event])
        return {"success": True, "eventId": event.event_id}

    def track_batch(self, tenant: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Store the valid events of a batch; report the invalid ones."""
        received_at = self.now()
        envelope = self.spec.operations["trackEventBatch"].body
        problems = envelope.errors(body) if envelope else []
        if problems:
            self.reject(tenant, "trackEventBatch", body, problems)
            raise ValidationFailed("The batch is invalid; nothing was stored.", problems)
        accepted: list[Event] = []
        errors: list[dict[str, Any]] = []
        for index, item in enumerate(body["events"]):
            item_errors = self._item_errors(tenant, item, index, received_at, accepted)
            errors.extend({"index": index, **e.to_json()} for e in item_errors)
        self.store_events(tenant, accepted)
        rejected = len(body["events"]) - len(accepted)
        return {"success": bool(accepted), "accepted": len(accepted), "rejected": rejected, "errors": errors}

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
        timestamp = body.get("timestamp")
        time = parse_rfc3339(timestamp) if timestamp is not None else received_at
        return make_event(
            body, event_id=self.ids.next(), tenant=tenant, time=time or received_at, received_at=received_at
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
                "receivedAt": format_rfc3339(self.now()),
                "operation": operation,
                "index": index,
                "body": body_preview(body),
                "errors": [e.to_json() for e in errors],
            },
        )


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


def body_preview(body: Any) -> Any:
    """Keep small bodies as they are and cut big ones to a string preview."""
    try:
        encoded = orjson.dumps(body)
    except TypeError:
        return repr(body)[:BODY_PREVIEW_BYTES]
    if len(encoded) <= BODY_PREVIEW_BYTES:
        return body
    return encoded[:BODY_PREVIEW_BYTES].decode("utf-8", "replace") + "…"
