"""Which requests the server runs off its event loop (see server/bridge.py)."""

from __future__ import annotations

import pytest

from wave_mock.app import create_app
from wave_mock.http.api import is_slow_request


@pytest.mark.parametrize("path", ["/api/v1/analytics/dashboards", "/v1/analytics/dashboards", "/api/v1/analytics/dashboards/"])
def test_dashboard_reads_are_slow_under_every_prefix(path: str) -> None:
    assert is_slow_request({"REQUEST_METHOD": "GET", "PATH_INFO": path})


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/api/v1/analytics/events/batch"),
    ("GET", "/api/v1/analytics/stream/s1"),
    ("POST", "/api/v1/analytics/dashboards"),
    ("GET", "/_mock/events"),
])
def test_other_requests_stay_on_the_loop(method: str, path: str) -> None:
    assert not is_slow_request({"REQUEST_METHOD": method, "PATH_INFO": path})


def test_the_app_hands_the_hint_to_the_server() -> None:
    assert create_app({"API_KEYS": ["k"]}).is_slow_request is is_slow_request
