"""Which requests the server runs off its event loop (see http/offload.py and server/bridge.py)."""

from __future__ import annotations

from typing import Any

import pytest

from wave_mock.app import create_app


def _environ(method: str, path: str) -> dict[str, Any]:
    return {"REQUEST_METHOD": method, "PATH_INFO": path, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8787",
            "HTTP_HOST": "127.0.0.1:8787", "wsgi.url_scheme": "http", "QUERY_STRING": ""}


@pytest.fixture(scope="module")
def is_slow() -> Any:
    return create_app({"API_KEYS": ["k"]}).is_slow_request


@pytest.mark.parametrize("path", [
    "/api/v1/analytics/dashboards", "/v1/analytics/dashboards", "/api/v1/analytics/stream/s1",
    "/api/v1/analytics/streams/s1", "/_mock/events", "/_mock/rejected", "/_mock/streams",
])
def test_reads_that_grow_with_the_data_are_slow_under_every_prefix(is_slow: Any, path: str) -> None:
    assert is_slow(_environ("GET", path))


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/api/v1/analytics/events/batch"),
    ("POST", "/api/v1/analytics/events"),
    ("POST", "/api/v1/analytics/dashboards"),  # a 405: answered at once
    ("GET", "/_mock/health"),
    ("GET", "/_mock/clock"),
    ("GET", "/no/such/path"),
])
def test_other_requests_stay_on_the_loop(is_slow: Any, method: str, path: str) -> None:
    assert not is_slow(_environ(method, path))
