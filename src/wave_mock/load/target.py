"""What the load tool asks a wave-mock target beyond the WAVE API: is it one, its counts, its clock.

Every call is scoped to the run's API key (the mock's clock and stats are per key).
"""

from __future__ import annotations

from typing import Any

from wave_mock.client import WaveClient, WaveError


class MockTarget:
    """The ``/_mock`` side of a wave-mock whose API is at ``base_url`` (``.../api/v1``)."""

    def __init__(self, api_key: str, base_url: str, timeout: float = 10.0) -> None:
        # The shared client, rooted above /api/v1 so that its paths are /_mock/...
        self.client = WaveClient(api_key=api_key, base_url=base_url.rstrip("/").removesuffix("/api/v1"),
                                 timeout=timeout)

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return self.client.request(method, path, **kwargs)

    def is_mock(self) -> bool:
        """Return True when the target answers ``/_mock/health`` like wave-mock."""
        try:
            body = self._call("GET", "/_mock/health")
        except WaveError:
            return False
        return isinstance(body, dict) and body.get("status") == "ok" and "now" in body

    def accepted(self) -> int:
        """Return how many events the key's tenant has stored (``/_mock/stats``)."""
        return int(self._call("GET", "/_mock/stats")["accepted"])

    def freeze(self, now: str) -> None:
        """Freeze the key's clock at ``now`` (RFC 3339)."""
        self._call("POST", "/_mock/clock", json={"now": now})

    def has_event(self, body: dict[str, Any]) -> bool:
        """Return True when an event with exactly this body is stored (to settle an in-doubt batch)."""
        params = {"sessionId": body.get("sessionId"), "eventName": body.get("eventName"), "limit": 1000}
        listed = self._call("GET", "/_mock/events", params=params).get("events", [])
        return any(item.get("event") == body for item in listed)
