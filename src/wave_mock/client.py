"""An SDK-shaped Python client for the WAVE Analytics API (works against the mock or a real deployment).

Shaped like the documented ``wave_sdk``: the docs' example runs with only ``base_url`` added::

    client = WaveClient(api_key="your-api-key", base_url="http://127.0.0.1:8080/api/v1")
    client.analytics.track_event(event_type="stream", event_name="stream.started", session_id="s1")

Errors:

    WaveError                       anything the client raises
      WaveConnectionError           no HTTP response (DNS, refused, timeout)
      WaveAPIError                  an HTTP error response (status, code, message, details, retry_after)
        ValidationError             400
        AuthenticationError         401
        NotFoundError               404
        PayloadTooLargeError        413
        UnsupportedMediaTypeError   415
        RateLimitError              429 (retry_after from Retry-After)
        ServerError                 5xx
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

DEFAULT_BASE_URL = "https://api.wave.online/api/v1"


class WaveError(Exception):
    """Base class of every client error."""


class WaveConnectionError(WaveError):
    """The request got no HTTP response."""


class WaveAPIError(WaveError):
    """The API answered with an error status."""

    status = 0

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.retry_after = retry_after


class ValidationError(WaveAPIError):
    status = 400


class AuthenticationError(WaveAPIError):
    status = 401


class NotFoundError(WaveAPIError):
    status = 404


class PayloadTooLargeError(WaveAPIError):
    status = 413


class UnsupportedMediaTypeError(WaveAPIError):
    status = 415


class RateLimitError(WaveAPIError):
    status = 429


class ServerError(WaveAPIError):
    status = 500


_BY_STATUS: dict[int, type[WaveAPIError]] = {
    cls.status: cls
    for cls in (ValidationError, AuthenticationError, NotFoundError, PayloadTooLargeError,
                UnsupportedMediaTypeError, RateLimitError)
}


def parse_retry_after(value: str | None) -> float | None:
    """Parse a delta-seconds ``Retry-After`` (HTTP dates are treated as absent).

    >>> parse_retry_after("2"), parse_retry_after("-1"), parse_retry_after("Wed, 21 Oct"), parse_retry_after(None)
    (2.0, 0.0, None, None)
    """
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def error_from_response(response: requests.Response) -> WaveAPIError:
    """Build the typed error for an error response, tolerating non-JSON bodies."""
    code, message, details = "http_error", response.reason or "HTTP error", []
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        err = payload["error"]
        code = str(err.get("code", code))
        message = str(err.get("message", message))
        details = err.get("details") if isinstance(err.get("details"), list) else []
    status = response.status_code
    cls = ServerError if status >= 500 else _BY_STATUS.get(status, WaveAPIError)
    return cls(status, code, message, details, parse_retry_after(response.headers.get("Retry-After")))


class Analytics:
    """The ``client.analytics`` namespace: one method per API operation."""

    def __init__(self, client: WaveClient) -> None:
        self._client = client

    def track_event(
        self,
        event_type: str,
        event_name: str,
        session_id: str,
        properties: dict[str, Any] | None = None,
        user_id: str | None = None,
        anonymous_id: str | None = None,
        experiments: dict[str, Any] | None = None,
        platform: str | None = None,
        timestamp: str | None = None,
    ) -> dict[str, Any]:
        """Track one event; return e.g. ``{"success": True, "eventId": "evt_..."}``."""
        body: dict[str, Any] = {"eventType": event_type, "eventName": event_name, "sessionId": session_id}
        optional = {"properties": properties, "userId": user_id, "anonymousId": anonymous_id,
                    "experiments": experiments, "platform": platform, "timestamp": timestamp}
        body.update({k: v for k, v in optional.items() if v is not None})
        return self._client.request("POST", "/analytics/events", json=body)

    def track_event_batch(self, events: list[dict[str, Any]]) -> dict[str, Any]:
        """Track up to 100 API-shaped events; return ``{success, accepted, rejected, errors}``."""
        return self._client.request("POST", "/analytics/events/batch", json={"events": events})

    def track_event_batch_json(self, events_json: list[bytes]) -> dict[str, Any]:
        """Track up to 100 events given as JSON text each (e.g. fixture lines), sent without re-encoding."""
        body = b'{"events":[' + b",".join(line.rstrip(b"\n") for line in events_json) + b"]}"
        return self._client.request("POST", "/analytics/events/batch", data=body,
                                    headers={"Content-Type": "application/json"})

    def get_dashboard_metrics(self, period: str | None = None, metric: str | None = None) -> dict[str, Any]:
        """Return the dashboard body (``{"period": ..., "metrics": {...}}``)."""
        params = {k: v for k, v in (("period", period), ("metric", metric)) if v is not None}
        return self._client.request("GET", "/analytics/dashboards", params=params)

    def get_stream_analytics(self, stream_id: str, period: str | None = None) -> dict[str, Any]:
        """Return one stream's analytics body."""
        params = {"period": period} if period is not None else {}
        return self._client.request("GET", f"/analytics/stream/{quote(stream_id, safe='')}", params=params)


class WaveClient:
    """A keep-alive HTTP client for the WAVE API."""

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        self._headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
        self.analytics = Analytics(self)

    def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """Send a request; return the parsed JSON body or raise a ``WaveError``."""
        headers = {**self._headers, **kwargs.pop("headers", {})}
        try:
            response = self.session.request(
                method, self.base_url + path, headers=headers, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise WaveConnectionError(f"{method} {path} failed: {exc}") from exc
        if response.status_code >= 400:
            raise error_from_response(response)
        try:
            return response.json()
        except ValueError as exc:
            raise WaveError(f"{method} {path} returned a non-JSON body") from exc

    def close(self) -> None:
        """Close the underlying connection pool."""
        self.session.close()

    def __enter__(self) -> WaveClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
