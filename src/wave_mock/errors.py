"""The error family and its one JSON renderer.

    ApiError (status 500, internal_error)
     ├── ValidationFailed       400  details: [{field, message}]
     ├── Unauthorized           401  WWW-Authenticate: Bearer
     ├── Forbidden              403
     │    ├── HostNotAllowed    403  a non-loopback Host on a loopback bind
     │    └── OriginNotAllowed  403  a CORS preflight from an origin not allowed
     ├── NotFound               404
     ├── MethodNotAllowed       405  Allow: ...
     ├── RequestTimeout         408  the body was not complete in time
     ├── TimestampConflict      409  details: [{field, message}]
     ├── PayloadTooLarge        413
     ├── UnsupportedMediaType   415
     ├── RateLimited            429  Retry-After
     ├── ServiceUnavailable     503  Retry-After
     │    └── StorageUnavailable     the --data-file refused a write; nothing was stored
     ├── BadGateway             502  (wave-mock proxy) the upstream could not be reached
     └── GatewayTimeout         504  (wave-mock proxy) the upstream did not answer in time
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field; ``field`` is a JSON path like ``events[3].sessionId``."""

    field: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class ApiError(Exception):
    """Base of every error the API returns; the status is a class attribute."""

    status = 500
    code = "internal_error"
    default_message = "An unexpected error occurred."

    def __init__(
        self,
        message: str | None = None,
        details: Iterable[FieldError] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = list(details)
        self.headers = dict(headers or {})
        super().__init__(self.message)

    def to_json(self) -> dict[str, Any]:
        """Return the body shared by every error response."""
        error: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.details:
            error["details"] = [d.to_json() for d in self.details]
        return {"error": error}


class ValidationFailed(ApiError):
    status = 400
    code = "validation_failed"
    default_message = "The request is invalid."


# What every 401 carries (RFC 6750), a real one or one asked for with ``Prefer: code=401``.
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="wave"'}


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"
    default_message = "A valid bearer API key is required: send 'Authorization: Bearer KEY'."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers=dict(BEARER_CHALLENGE))


class Forbidden(ApiError):
    status = 403
    code = "forbidden"
    default_message = "This call needs the admin token."


class HostNotAllowed(Forbidden):
    code = "host_not_allowed"


class OriginNotAllowed(Forbidden):
    code = "origin_not_allowed"


class NotFound(ApiError):
    status = 404
    code = "not_found"
    default_message = "Not found."


class MethodNotAllowed(ApiError):
    status = 405
    code = "method_not_allowed"
    default_message = "Method not allowed."

    def __init__(self, allowed: Iterable[str]) -> None:
        allow = ", ".join(sorted(set(allowed)))
        super().__init__(f"Method not allowed; allowed: {allow}.", headers={"Allow": allow})


class RequestTimeout(ApiError):
    status = 408
    code = "request_timeout"
    default_message = "The request body was not complete in time."


class TimestampConflict(ApiError):
    """Schema-valid, but the event time is outside the window the server clock accepts."""

    status = 409
    code = "timestamp_out_of_range"
    default_message = "The event timestamp is outside the accepted window (1 hour ahead, 90 days back)."


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"
    default_message = "The body is too large."


class UnsupportedMediaType(ApiError):
    status = 415
    code = "unsupported_media_type"
    default_message = "Content-Type must be application/json."


class RateLimited(ApiError):
    status = 429
    code = "rate_limited"
    default_message = "Too many requests; retry after 1 second."

    def __init__(self, message: str | None = None, retry_after: int = 1) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class ServiceUnavailable(ApiError):
    status = 503
    code = "service_unavailable"
    default_message = "The service is temporarily unavailable."

    def __init__(self, message: str | None = None, retry_after: int = 1) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class StorageUnavailable(ServiceUnavailable):
    code = "storage_unavailable"
    default_message = "The data file could not be written (is the disk full?); nothing was stored. Retry later."


class BadGateway(ApiError):
    """The contract proxy could not reach its upstream, or got no valid HTTP answer."""

    status = 502
    code = "bad_gateway"


class GatewayTimeout(ApiError):
    """The contract proxy gave up waiting for its upstream."""

    status = 504
    code = "gateway_timeout"
