"""The event record shared by storage, metrics and fixtures.

A request body is validated against the spec, then turned into an ``Event``:
the fields every metric needs are lifted out once, at ingest, so that metric
code never digs through raw JSON.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, NamedTuple

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


def viewer_key(body: Mapping[str, Any]) -> str:
    """Return ``userId``, else ``anonymousId``, else ``sessionId``.

    >>> viewer_key({"sessionId": "s1", "anonymousId": "a1"})
    'a1'
    """
    return body.get("userId") or body.get("anonymousId") or body["sessionId"]


def stream_id(body: Mapping[str, Any]) -> str | None:
    """Return ``properties.streamId`` when it is a non-empty string, else None."""
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
    return float(value)


# Positional construction without the generated ``__new__``'s argument handling.
_new_event = tuple.__new__


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
    Strings are not interned here: the store keeps int codes, not these objects.
    """
    stream = stream_id(body)
    value = metric_value(body["eventName"], body["properties"]) if stream else None
    if raw is None:
        # orjson returns bytes over-allocated to >= 4 KiB; an exact-size copy keeps each
        # retained event ~10x smaller.
        raw = bytes(memoryview(orjson.dumps(body)))
    return _new_event(Event, (
        event_id, tenant, time, received_at, body["eventName"], body["eventType"], body["sessionId"],
        viewer_key(body), body.get("platform", "web"), stream, value, raw,
    ))
