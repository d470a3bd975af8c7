"""The shadow store: every event the upstream accepted, kept in a wave-mock ``EventStore``.

The store, the ingest rules and the metric engines are wave-mock's own (imported, not
copied); what the shadow computes is therefore what wave-mock's documented semantics
(docs/metrics.md) give for the same events. Each API key is a tenant, as on the mock.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import orjson

from wave_mock.analytics import UnknownMetric, dashboard_metrics, stream_analytics
from wave_mock.auth import tenant_of
from wave_mock.errors import ApiError, FieldError
from wave_mock.ingest import Ingestor
from wave_mock.proxy.clock import UpstreamClock
from wave_mock.spec import Spec
from wave_mock.storage.store import EventStore
from wave_mock.timeutil import format_rfc3339


class Shadow:
    """What the upstream accepted, and wave-mock's numbers for it."""

    def __init__(self, spec: Spec, clock: UpstreamClock, max_events: int = 1_000_000) -> None:
        self.store = EventStore(max_events=max_events)
        self.clock = clock
        self.keys: dict[str, str] = {}  # tenant -> key, to read that key's upstream clock
        self.last_write: dict[str, float] = {}  # tenant -> monotonic time of its last accepted write
        self.lock = threading.Lock()
        self.ingestor = Ingestor(spec=spec, store=self.store, now=lambda tenant: clock.now(self.keys[tenant]))
        self.refused = 0  # accepted upstream, refused by wave-mock's rules

    def tenant(self, key: str) -> str:
        tenant = tenant_of(key)
        self.keys.setdefault(tenant, key)
        return tenant

    def accept(self, key: str, operation: str, body: Any, answer: Any, contract: dict[str, Any]) -> list[str]:
        """Store what the upstream accepted; return the new events' ids (when ``contract`` has violations)."""
        tenant = self.tenant(key)
        items, rejected = _accepted_items(operation, body, answer)
        for index, error in rejected:
            self.journal(tenant, operation, body["events"][index] if 0 <= index < len(body["events"]) else None,
                         [error], contract, index)
        with self.lock:
            before = self.store.stats(tenant)["accepted"] if contract["violations"] else 0
            try:
                if operation == "trackEvent":
                    self.ingestor.track(tenant, body)
                elif items:
                    self.ingestor.track_batch(tenant, {"events": items})
            except ApiError:
                self.refused += 1
            self.last_write[tenant] = time.monotonic()
            added = self.store.stats(tenant)["accepted"] - before if contract["violations"] else 0
            return [e.event_id for e in self.store.events(tenant, limit=added)] if added > 0 else []

    def journal(self, tenant: str, operation: str, body: Any, errors: list[FieldError], contract: dict[str, Any],
                index: int | None = None) -> None:
        """Keep a request the upstream (or the proxy, in enforce mode) refused, for the inspection page."""
        self.store.record_rejection(tenant, {
            "receivedAt": format_rfc3339(time.time()), "operation": operation, "index": index,
            "body": body, "errors": [e.to_json() for e in errors], "contract": contract,
        })

    def stream(self, key: str, stream_id: str, period: str, now: float) -> dict[str, Any] | None:
        return stream_analytics(self.store, self.tenant(key), stream_id, now, period)

    def dashboard(self, key: str, period: str, metric: str | None, now: float) -> dict[str, Any] | None:
        try:
            return dashboard_metrics(self.store, self.tenant(key), now, period, metric)
        except (UnknownMetric, ValueError, KeyError):
            return None

    def settled_in(self, key: str, settle: float) -> float:
        """Seconds until the upstream should have settled after this key's last write (0: settled)."""
        last = self.last_write.get(self.tenant(key))
        return 0.0 if last is None else max(0.0, last + settle - time.monotonic())

    def reset(self, key: str) -> None:
        with self.lock:
            self.store.reset(self.tenant(key))


def _accepted_items(operation: str, body: Any, answer: Any) -> tuple[list[Any], list[tuple[int, FieldError]]]:
    """Return a batch's items the upstream accepted, and the ones its answer names as rejected.

    An answer that lists ``errors[].index`` (as wave-mock does) says which; otherwise every
    item is taken, and wave-mock's own rules refuse the invalid ones.
    """
    if operation != "trackEventBatch" or not isinstance(body, dict) or not isinstance(body.get("events"), list):
        return [], []
    errors = answer.get("errors") if isinstance(answer, dict) else None
    rejected: dict[int, FieldError] = {}
    for error in errors if isinstance(errors, list) else []:
        if isinstance(error, dict) and isinstance(error.get("index"), int):
            rejected.setdefault(error["index"], FieldError(str(error.get("field", "")), str(error.get("message", ""))))
    items = [item for index, item in enumerate(body["events"]) if index not in rejected]
    return items, sorted(rejected.items())


def parse_json(raw: bytes) -> Any:
    """Parse a body, or None when it is not JSON."""
    try:
        return orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        return None
