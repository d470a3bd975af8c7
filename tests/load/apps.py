"""Small servers to point ``wave-mock load`` at (in the manner of Schemathesis' test apps)."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import requests
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response


@dataclass
class ThrottlingProxy:
    """Forward to a real mock, but answer every ``every``-th batch POST with 429 and ``Retry-After``
    (and, with ``hide_mock``, hide the mock's ``/_mock`` API so that it looks like a deployment).

    Records when each batch body was throttled and when it came back, to check the wait.
    """

    upstream: str  # the mock's root URL
    every: int = 3  # 0: never throttle
    hide_mock: bool = False  # answer /_mock/* with 404, like a real deployment
    retry_after: str = "1"
    batches: int = 0
    throttled: int = 0
    waits: list[float] = field(default_factory=list)  # seconds between a 429 and the same body's retry
    _pending: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        body = request.get_data()
        if self.hide_mock and request.path.startswith("/_mock"):
            return Response(b'{"error":{"status":404}}', 404, mimetype="application/json")(environ, start_response)
        if self.every and request.method == "POST" and request.path.endswith("/events/batch"):
            digest = hashlib.sha256(body).hexdigest()
            with self._lock:
                self.batches += 1
                if digest in self._pending:
                    self.waits.append(time.monotonic() - self._pending.pop(digest))
                elif self.batches % self.every == 0:
                    self.throttled += 1
                    self._pending[digest] = time.monotonic()
                    error = b'{"error":{"status":429,"code":"rate_limited","message":"slow down","details":[]}}'
                    return Response(error, 429, {"Retry-After": self.retry_after},
                                    mimetype="application/json")(environ, start_response)
        upstream = requests.request(request.method, self.upstream + request.full_path.rstrip("?"), data=body,
                                    headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
                                    timeout=30)
        return Response(upstream.content, upstream.status_code,
                        {"Content-Type": upstream.headers.get("Content-Type", "application/json")})(environ, start_response)


def serve_in_thread(app: Any, port: int) -> BaseWSGIServer:
    """Serve ``app`` on 127.0.0.1:``port`` from a daemon thread; call ``shutdown()`` when done."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
