"""``X-Request-Id`` on every answer, and a bounded per-tenant log of recent WAVE exchanges.

``Stamp`` is the outermost WSGI middleware, so the id reaches every answer: the fast
path, Flask views, 404s, preflights, the inspection API and the ``Guard``'s refusals.

The exchange log backs ``GET /_mock/events?format=har``. It keeps only references to what
the finished request already holds (its environ, the answer's headers and bytes); turning
a record into a ``har.Exchange`` happens at export time. The byte bound counts the bodies
only; each record adds about 5 KB on top (tracemalloc, a fast-path POST). Only
authenticated WAVE requests are recorded (the views put the tenant on the environ), so a
request belongs to exactly one tenant; the inspection page's own are not.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable, NamedTuple

from wave_mock.har import Exchange
from wave_mock.http.helpers import BODY_KEY, TENANT_KEY, Environ, StartResponse

WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]
REQUEST_ID = "X-Request-Id"
MAX_INCOMING_ID = 128  # a client's own id is echoed when it is this short and printable
DEFAULT_EXCHANGES = 1000  # per tenant; ``serve --exchanges``
MAX_TENANT_BYTES = 32 * 1024 * 1024  # bodies kept per tenant, so 1,000 full batches cannot fill memory
# The inspection page marks its own requests (``X-Wave-Mock-Inspector``): they are answered but
# not logged, so a page left open does not fill the log of what the app sent.
INSPECTOR_ENVIRON = "HTTP_X_WAVE_MOCK_INSPECTOR"


class Record(NamedTuple):
    """One exchange as the middleware saw it (cheap to build; converted at export)."""

    started: float  # the tenant's clock when it was answered
    environ: Environ  # the finished request's WSGI environ
    status: str
    response_headers: list[tuple[str, str]]
    response_body: bytes
    duration_ms: float
    size: int  # bytes of both bodies, for the log's byte bound


# Positional construction without the generated ``__new__``'s argument handling (as events.py does).
_new_record = tuple.__new__


@dataclass
class _Ring:
    records: deque[Record]
    size: int = 0


class ExchangeLog:
    """The last ``limit`` exchanges of each tenant, and at most ``max_bytes`` of bodies."""

    def __init__(self, limit: int = DEFAULT_EXCHANGES, max_bytes: int = MAX_TENANT_BYTES) -> None:
        self.limit = limit
        self.max_bytes = max_bytes
        self._rings: dict[str, _Ring] = {}
        self._lock = threading.Lock()

    def add(self, tenant: str, record: Record) -> None:
        with self._lock:
            ring = self._rings.get(tenant)
            if ring is None:
                ring = self._rings[tenant] = _Ring(deque())
            records = ring.records
            records.append(record)
            ring.size += record.size
            while len(records) > self.limit or (ring.size > self.max_bytes and len(records) > 1):
                ring.size -= records.popleft().size

    def exchanges(self, tenant: str) -> list[Exchange]:
        """Return ``tenant``'s kept exchanges, oldest first."""
        with self._lock:
            ring = self._rings.get(tenant)
            records = list(ring.records) if ring else []
        return [to_exchange(r) for r in records]

    def clear(self, tenant: str | None) -> None:
        """Forget one tenant's exchanges, or every tenant's."""
        with self._lock:
            if tenant is None:
                self._rings.clear()
            else:
                self._rings.pop(tenant, None)


def has_request_id(headers: Iterable[tuple[str, str]]) -> bool:
    """Tell whether an answer already carries an ``X-Request-Id`` (one relayed from elsewhere)."""
    return any(name.lower() == "x-request-id" for name, _ in headers)


class Stamp:
    """WSGI middleware: add ``X-Request-Id`` to every answer; log authenticated WAVE exchanges."""

    def __init__(self, app: WSGIApp, log: ExchangeLog | None, now: Callable[[str], float]) -> None:
        self.app = app
        self.log = log
        self.now = now  # a tenant's clock, so HAR times agree with the events' times
        # A per-process prefix keeps ids unique across restarts; the counter keeps them cheap.
        self.prefix = f"req_{os.urandom(4).hex()}_"
        self.counter = itertools.count(1)

    def request_id(self, environ: Environ) -> str:
        """The client's own id when it is safe to echo, else a new one."""
        return _incoming(environ.get("HTTP_X_REQUEST_ID")) or self.prefix + str(next(self.counter))

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        request_id = self.request_id(environ)
        if self.log is None:

            def stamp(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                # An answer relayed from elsewhere (the proxy's upstream) keeps its own id.
                if not has_request_id(headers):
                    headers.append((REQUEST_ID, request_id))
                return start_response(status, headers, exc_info)

            return self.app(environ, stamp)
        return self.recorded(environ, start_response, request_id, self.log)

    def recorded(self, environ: Environ, start_response: StartResponse, request_id: str, log: ExchangeLog) -> Iterable[bytes]:
        """Serve and, for an authenticated WAVE request, keep the exchange."""
        answer: list[Any] = []

        def stamp(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers.append((REQUEST_ID, request_id))
            answer[:] = (status, headers)
            return start_response(status, headers, exc_info)

        started = time.perf_counter()
        result = self.app(environ, stamp)
        tenant = environ.get(TENANT_KEY)
        if tenant is None or INSPECTOR_ENVIRON in environ:
            return result
        payload = _drain(result)
        duration = (time.perf_counter() - started) * 1000
        # The environ itself, not a copy of its headers: the request is over, and copying
        # was the largest part of this middleware's cost (bench/b_exchanges.py).
        size = len(environ.get(BODY_KEY, b"")) + len(payload)
        log.add(tenant, _new_record(Record, (self.now(tenant), environ, answer[0], answer[1], payload, duration, size)))
        return [payload]


_SIZED = ("CONTENT_TYPE", "CONTENT_LENGTH")


def _incoming(value: str | None) -> str | None:
    """Return the client's own request id when it is safe to echo, else None."""
    if value and len(value) <= MAX_INCOMING_ID and value.isascii() and value.isprintable():
        return value
    return None


def _drain(result: Iterable[bytes]) -> bytes:
    try:
        return b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


def to_exchange(record: Record) -> Exchange:
    """Build the shared ``har.Exchange`` from a record (at export time, not per request)."""
    environ = record.environ
    host = environ.get("HTTP_HOST", "localhost")
    query = environ.get("QUERY_STRING", "")
    path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")  # PEP 3333 strings
    code, _, text = record.status.partition(" ")
    headers = [(_header_name(k), v) for k, v in environ.items() if k.startswith("HTTP_") or k in _SIZED]
    return Exchange(
        started=record.started,
        method=environ["REQUEST_METHOD"],
        url=f"{environ.get('wsgi.url_scheme', 'http')}://{host}{path}{'?' + query if query else ''}",
        request_headers=headers,
        request_body=environ.get(BODY_KEY, b""),
        status=int(code),
        response_headers=record.response_headers,
        response_body=record.response_body,
        duration_ms=record.duration_ms,
        status_text=text.title(),
    )


def _header_name(key: str) -> str:
    return key.removeprefix("HTTP_").replace("_", "-").title()
