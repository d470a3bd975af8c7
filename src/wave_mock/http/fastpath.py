"""A raw-WSGI fast path for trackEvent and trackEventBatch (bench B1/B2, issue #7).

Flask's request context, URL matching, before/after hooks and Response objects were
about half the cost of single-event ingest. ``FastPath`` answers the two ingest
operations straight from the WSGI environ with the same helpers the Flask views use
(auth, the rate limit, body checks, rejection journal, CORS, access log, error JSON), so both paths
give byte-identical answers (tests/http/test_fastpath.py). Anything less plain goes
to Flask unchanged: other routes and methods, OPTIONS, ``Prefer``, injected faults,
query strings, chunked or unsized bodies.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, Iterable, Mapping

import orjson

from wave_mock.http.api import ALIAS_PREFIXES, BASE_PATH, body_or_journal
from wave_mock.auth import bearer_token
from wave_mock.errors import ApiError
from wave_mock.http.helpers import TENANT_KEY, Environ, StartResponse, answer_raw, body_reader
from wave_mock.http.jsonbody import parse_encoded
from wave_mock.state import MockState

WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

# PATH_INFO -> operationId; Flask routes these exact paths only (no trailing slash),
# under the documented prefix and the wave-sdk compatibility ones.
OPERATIONS = {
    f"{prefix}{path}": operation_id
    for prefix in (BASE_PATH, *ALIAS_PREFIXES)
    for path, operation_id in (("/analytics/events", "trackEvent"), ("/analytics/events/batch", "trackEventBatch"))
}


class FastPath:
    """WSGI middleware: serve plain ingest requests itself, pass the rest to ``app``."""

    def __init__(self, app: WSGIApp, mock_state: MockState, config: Mapping[str, Any]) -> None:
        self.app = app
        self.state = mock_state
        self.config = config
        # Flask's app.logger is logging.getLogger(app.name); unexpected errors go there too.
        self.error_log = logging.getLogger("wave_mock")

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        operation_id = OPERATIONS.get(environ.get("PATH_INFO", ""))
        if operation_id is None or not self.takes(environ):
            return self.app(environ, start_response)
        return self.serve(operation_id, environ, start_response)

    def takes(self, environ: Environ) -> bool:
        """Tell whether a request to an ingest path is plain enough to skip Flask."""
        length = environ.get("CONTENT_LENGTH") or ""
        faults = self.state.faults
        return (
            environ.get("REQUEST_METHOD") == "POST"
            and length.isascii()
            and length.isdigit()
            and "HTTP_PREFER" not in environ
            and "HTTP_TRANSFER_ENCODING" not in environ
            and not environ.get("QUERY_STRING")
            and faults.latency_ms <= 0
            and faults.error_rate <= 0
        )

    def serve(self, operation_id: str, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """Authenticate, ingest and answer as the Flask view and its hooks would."""
        started = time.perf_counter()
        tenant: str | None = None
        headers: dict[str, str] = {}
        try:
            tenant = environ[TENANT_KEY] = self.state.keys.tenant_for(bearer_token(environ.get("HTTP_AUTHORIZATION")))
            if self.state.limiter is not None:
                self.state.limiter.admit(tenant)
            status, body = 200, self.ingest(operation_id, tenant, environ)
        except ApiError as error:
            status, body, headers = error.status, error.to_json(), error.headers
        except Exception:
            self.error_log.exception("unexpected error")
            error = ApiError()
            status, body = error.status, error.to_json()
        return answer_raw(self.state, self.config, environ, start_response, status, orjson.dumps(body), headers, started, tenant)

    def ingest(self, operation_id: str, tenant: str, environ: Environ) -> dict[str, Any]:
        """Parse the body (journaling a malformed one) and hand it to the ingestor."""
        ingestor = self.state.ingestor
        length = int(environ["CONTENT_LENGTH"])
        read = body_reader(environ, length)
        content_type = environ.get("CONTENT_TYPE")
        if operation_id == "trackEvent":
            return ingestor.track(tenant, body_or_journal(ingestor, tenant, operation_id, length, content_type, read))
        body, encoded = body_or_journal(ingestor, tenant, operation_id, length, content_type, read, parse_encoded)
        return ingestor.track_batch(tenant, body, encoded)
