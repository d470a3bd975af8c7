"""Requests refused before any route, for the WAVE API and the inspection API alike.

``Guard`` wraps the whole WSGI app (the fast path included), so one rule holds for
every request:

- a body the server stopped waiting for (``BODY_TIMED_OUT``, set by server/bridge.py)
  gets 408, and one the client cut short (``BODY_CUT``) gets 400;
- on a loopback bind, a ``Host`` that is not a loopback name gets 403 (``browser.py``).
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterable, Mapping

import orjson

from wave_mock.http.browser import is_loopback_host
from wave_mock.errors import ApiError, FieldError, HostNotAllowed, RequestTimeout, ValidationFailed
from wave_mock.http.helpers import BODY_CUT, BODY_TIMED_OUT, Environ, StartResponse, answer_raw
from wave_mock.state import MockState

WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]


class Guard:
    """WSGI middleware: refuse what no route may see, pass the rest to ``app``."""

    def __init__(self, app: WSGIApp, mock_state: MockState, config: Mapping[str, Any]) -> None:
        self.app = app
        self.state = mock_state
        self.config = config

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        error = self.refusal(environ)
        if error is None:
            return self.app(environ, start_response)
        payload = orjson.dumps(error.to_json())
        return answer_raw(self.state, self.config, environ, start_response, error.status, payload, error.headers, time.perf_counter(), None)

    def refusal(self, environ: Environ) -> ApiError | None:
        """Return the error that refuses this request, or None to serve it."""
        if environ.get(BODY_CUT):
            return ValidationFailed(
                "The body ended before its Content-Length.", [FieldError("Content-Length", "does not match the body")]
            )
        waited = environ.get(BODY_TIMED_OUT)
        if waited is not None:
            return RequestTimeout(f"The request body was not complete within {waited:g} s; send it in one go.")
        host = environ.get("HTTP_HOST")
        if self.config["CHECK_HOST"] and host and not is_loopback_host(host):
            return HostNotAllowed(
                f"Host {host!r} is not a loopback name. This mock listens on loopback and answers only "
                "localhost, *.localhost, 127.0.0.1 or [::1] (DNS-rebinding protection); "
                "to serve other names, bind another interface with --host."
            )
        return None
