"""Which requests the server runs off its event loop: the reads whose cost grows with the data.

On the default single server thread, the app runs on the event loop, so a dashboard read
over a million events (up to seconds) held every ingest request back for as long. These
reads run on a thread of their own instead (``server/bridge.py``); everything else stays
on the loop, with no hand-off.
"""

from __future__ import annotations

from typing import Any, Callable

from flask import Flask
from werkzeug.exceptions import HTTPException

SLOW_ENDPOINTS = frozenset({
    "api.getDashboardMetrics", "api.getStreamAnalytics",
    "admin.listEvents", "admin.listRejected", "admin.listStreams",
})


def slow_request_test(app: Flask) -> Callable[[dict[str, Any]], bool]:
    """Return a test of whether a WSGI environ asks for one of ``SLOW_ENDPOINTS`` (routed as the app would)."""
    url_map = app.url_map

    def is_slow_request(environ: dict[str, Any]) -> bool:
        if environ.get("REQUEST_METHOD") != "GET":
            return False
        try:
            endpoint, _ = url_map.bind_to_environ(environ).match()
        except HTTPException:  # no such route (404/405) or a redirect: answered fast, on the loop
            return False
        return endpoint in SLOW_ENDPOINTS

    return is_slow_request
