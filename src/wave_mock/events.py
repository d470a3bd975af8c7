"""The event record shared by storage, metrics and fixtures.

A request body is validated against the spec, then turned into an ``Event``:
the fields every metric needs are lifted out once, at ingest, so that metric
code never digs through raw JSON.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import repeat
from typing import Any, Mapping, NamedTuple, Sequence

import orjson

STREAM_STARTED = "stream.started"
STREAM_ENDED = "stream.ended"
VIEWER_JOINED = "viewer.joined"
VIEWER_LEFT = "viewer.left"
PLAYBACK_STARTED = "playback.started"
PLAYBACK_REBUFFER = "playback.rebuffer"
QUALITY_CHANGED = "playback.quality_changed"
PLAYBACK_ERROR = "playback.error"

PLATFORMS = ("web", "ios", "android")
EVENT_ID_PREFIX = "evt_"


def event_id(number: int) -> str:
    """Return the id ingest gives its ``number``-th event.

    >>> event_id(42)
    'evt_000000000042'
    """
    return f"{EVENT_ID_PREFIX}{number:012d}"


class Event(NamedTuple):
    """One accepted event, as metrics and the inspection API see it.

    ``time`` is the event time in epoch seconds: the body's ``timestamp``
    (a mock-only extension) if sent, else ``received_at``. A named tuple, not a frozen
    dataclass: building one is ~10x cheaper, and ingest builds one per event.
    """

    event_id: str
    tenant: str
    time: float
    received_at: float
    name: str
    type: str
    session: str
    viewer: str
    platform: str
    stream: str | None
    value: float | None
    raw: bytes

    @property
    def body(self) -> dict[str, Any]:
        """Return the body as sent (decoded on demand: stored as bytes to save memory)."""
        return orjson.loads(self.raw)


def stream_id(body: Mapping[str, Any]) -> str | None:
    """Return ``properties.streamId`` when it is a non-empty string, else None (any body)."""
    props = body.get("properties")
    if isinstance(props, dict):
        value = props.get("streamId")
        if isinstance(value, str) and value:
            return value
    return None


# The one numeric property each playback event carries; lifted out at ingest so
# metrics never decode bodies. ``playback.error`` stores 1.0 when fatal, else 0.0.
_VALUE_PROPERTY = {
    PLAYBACK_STARTED: "startupTimeMs",
    PLAYBACK_REBUFFER: "durationMs",
    QUALITY_CHANGED: "bitrateKbps",
}
_VALUED_NAMES = frozenset([*_VALUE_PROPERTY, PLAYBACK_ERROR])


def metric_value(name: str, props: Any) -> float | None:
    """Return the metric sample an event carries, or None.

    >>> metric_value("playback.rebuffer", {"durationMs": 1500})
    1500.0
    >>> metric_value("playback.error", {"fatal": True})
    1.0
    """
    if not isinstance(props, dict):
        return None
    if name == PLAYBACK_ERROR:
        return 1.0 if props.get("fatal") is True else 0.0
    key = _VALUE_PROPERTY.get(name)
    if key is None:
        return None
    value = props.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return float(value) + 0.0  # + 0.0 turns -0.0 into 0.0, so no metric answers -0.0


# Positional construction without the generated ``__new__``'s argument handling.
_new_event = tuple.__new__


@dataclass(frozen=True, slots=True)
class EventBatch:
    """One tenant's events as one sequence per field: how batch ingest builds them and the
    store keeps them, so no per-event object sits between the request and the columns.

    ``ids`` is a ``range`` of numbers n when the ids are ``evt_{n:012d}`` (what ingest hands
    out), else the id strings.
    """

    tenant: str
    ids: range | Sequence[str]
    time: Sequence[float]
    received: Sequence[float]
    name: Sequence[str]
    type: Sequence[str]
    session: Sequence[str]
    viewer: Sequence[str]
    platform: Sequence[str]
    stream: Sequence[str | None]
    value: Sequence[float | None]
    raw: Sequence[bytes]

    @classmethod
    def of(cls, tenant: str, events: Sequence[Event]) -> "EventBatch":
        """Transpose ``events`` (all of ``tenant``) into a batch."""
        if not events:
            return cls(tenant, (), (), (), (), (), (), (), (), (), (), ())
        ids, tenants, *fields = zip(*events)
        strangers = set(tenants) - {tenant}
        if strangers:
            raise ValueError(f"events of {sorted(strangers)!r} in a batch of {tenant!r}")
        return cls(tenant, ids, *fields)

    @property
    def size(self) -> int:
        return len(self.raw)

    def event_ids(self) -> list[str]:
        if isinstance(self.ids, range):
            return list(map(event_id, self.ids))
        return list(self.ids)

    def events(self) -> list[Event]:
        """Rebuild the ``Event`` of each row (for the journal and the rare per-event reader)."""
        fields = (self.event_ids(), repeat(self.tenant), self.time, self.received, self.name, self.type,
                  self.session, self.viewer, self.platform, self.stream, self.value, self.raw)
        return [_new_event(Event, row) for row in zip(*fields)]


def make_event(
    body: Mapping[str, Any],
    *,
    event_id: str,
    tenant: str,
    time: float,
    received_at: float,
    raw: bytes | None = None,
) -> Event:
    """Build an ``Event`` from a body that already passed spec validation.

    ``raw`` is the body's compact JSON when the caller already has it (else it is encoded).
    """
    raws = None if raw is None else [raw]
    batch = make_events([body], ids=[event_id], tenant=tenant, times=[time], received=[received_at], raws=raws)
    return batch.events()[0]


def make_events(
    bodies: Sequence[Mapping[str, Any]],
    *,
    ids: range | Sequence[str],
    tenant: str,
    times: Sequence[float],
    received: Sequence[float],
    raws: Sequence[bytes] | None = None,
) -> EventBatch:
    """Build the events of ``bodies`` (already spec-valid), one pass per field.

    Per field rather than per event: batch ingest builds 100 at a time, and a call per
    event was its largest cost. Strings are not interned here: the store keeps int codes.
    """
    names = [b["eventName"] for b in bodies]
    props = [b.get("properties") for b in bodies]
    # Plain comprehensions, no call per event (that cost more than the work). The spec makes
    # ``properties`` an object and ``streamId`` a non-empty string, so no checks here.
    streams = [None if p is None else p.get("streamId") for p in props]
    values = [
        metric_value(name, p) if stream is not None and name in _VALUED_NAMES else None
        for name, p, stream in zip(names, props, streams)
    ]
    return EventBatch(
        tenant, ids, times, received, names, [b["eventType"] for b in bodies], [b["sessionId"] for b in bodies],
        viewer_keys(bodies), [b.get("platform", "web") for b in bodies], streams, values,
        list(map(compact_json, bodies)) if raws is None else raws,
    )


def viewer_keys(bodies: Sequence[Mapping[str, Any]]) -> list[str]:
    """Return who each valid body counts as a viewer of: userId, else anonymousId, else sessionId."""
    return [b.get("userId") or b.get("anonymousId") or b["sessionId"] for b in bodies]


def compact_json(body: Any) -> bytes:
    """Return ``body`` as compact JSON, in an exact-size buffer.

    orjson returns bytes over-allocated to >= 4 KiB; the copy keeps each retained event
    ~10x smaller (and is faster than keeping the big buffers).
    """
    return bytes(memoryview(orjson.dumps(body)))
