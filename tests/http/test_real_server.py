"""A real `wave-mock serve` process over a socket: the docs' cURL examples, logs, banner."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Iterator

import pytest
import requests

from wave_mock.auth import DEFAULT_DEV_KEY
from wave_mock.testing import MockServer

DOCS_CURL_TRACK = """curl -s -X POST 'https://api.wave.online/api/v1/analytics/events' \\
-H 'Authorization: Bearer YOUR_API_KEY' \\
-H 'Content-Type: application/json' \\
-d '{
"eventType": "stream",
"eventName": "stream.started",
"sessionId": "sess_abc123",
"properties": {
"streamId": "str_xyz789",
"protocol": "webrtc"
},
"platform": "web"
}'"""
DOCS_CURL_BATCH = """curl -s -X POST 'https://api.wave.online/api/v1/analytics/events/batch' \\
-H 'Authorization: Bearer YOUR_API_KEY' \\
-H 'Content-Type: application/json' \\
-d '{
"events": [
{ "eventType": "stream", "eventName": "viewer.joined", "sessionId": "sess_abc123" },
{ "eventType": "stream", "eventName": "viewer.left", "sessionId": "sess_abc123" }
]
}'"""
DOCS_CURL_DASHBOARD = """curl -s -X GET 'https://api.wave.online/api/v1/analytics/dashboards?period=7d' \\
-H 'Authorization: Bearer YOUR_API_KEY'"""
DOCS_CURL_STREAM = """curl -s -X GET 'https://api.wave.online/api/v1/analytics/stream/str_xyz789?period=24h' \\
-H 'Authorization: Bearer YOUR_API_KEY'"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    log = tmp_path_factory.mktemp("server") / "serve.log"
    with MockServer(log_path=log) as running:
        yield running


def run_docs_curl(command: str, server: MockServer) -> dict:
    """Run a cURL example from the docs verbatim, with only host and key swapped."""
    local = command.replace("https://api.wave.online", server.root_url).replace("YOUR_API_KEY", DEFAULT_DEV_KEY)
    result = subprocess.run(["bash", "-c", local], capture_output=True, text=True, timeout=30, check=True)
    return requests.models.complexjson.loads(result.stdout)


def test_docs_curl_examples_succeed_against_the_mock(server: MockServer) -> None:
    assert run_docs_curl(DOCS_CURL_TRACK, server)["success"] is True
    assert run_docs_curl(DOCS_CURL_BATCH, server) == {"success": True, "accepted": 2, "rejected": 0, "errors": []}
    dashboard = run_docs_curl(DOCS_CURL_DASHBOARD, server)
    assert dashboard["period"] == "7d" and dashboard["metrics"]["totalEvents"] == 3
    stream = run_docs_curl(DOCS_CURL_STREAM, server)
    assert stream["streamId"] == "str_xyz789" and stream["isLive"] is True


def test_state_persists_between_calls_and_cors_works(server: MockServer) -> None:
    headers = {"Authorization": f"Bearer {DEFAULT_DEV_KEY}", "Origin": "http://localhost:3000"}
    before = requests.get(f"{server.base_url}/analytics/dashboards", params={"metric": "totalEvents"}, headers=headers).json()
    requests.post(f"{server.base_url}/analytics/events", json={"eventType": "ui", "eventName": "clicked", "sessionId": "s"}, headers=headers)
    after = requests.get(f"{server.base_url}/analytics/dashboards", params={"metric": "totalEvents"}, headers=headers)
    assert after.json()["metrics"]["totalEvents"] == before["metrics"]["totalEvents"] + 1
    assert after.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"


def test_garbage_gets_json_4xx_never_html(server: MockServer) -> None:
    headers = {"Authorization": f"Bearer {DEFAULT_DEV_KEY}", "Content-Type": "application/json"}
    for body in (b"\xff\xfe", b"[1,2]", b'{"a": NaN}', b"{" * 5000):
        response = requests.post(f"{server.base_url}/analytics/events", data=body, headers=headers)
        assert response.status_code == 400, body[:20]
        assert response.headers["Content-Type"] == "application/json"


def test_log_has_one_line_per_request_and_never_the_key(server: MockServer) -> None:
    requests.get(f"{server.root_url}/_mock/health")
    requests.get(f"{server.base_url}/analytics/dashboards", headers={"Authorization": "Bearer secret-looking-key"})
    requests.get(f"{server.root_url}/_mock/ui?apiKey={DEFAULT_DEV_KEY}")
    log = Path(server.log_path).read_text()
    assert "GET /_mock/health 200" in log
    assert "GET /api/v1/analytics/dashboards 401" in log
    assert "secret-looking-key" not in log
    assert f"apiKey={DEFAULT_DEV_KEY}" not in log
    banner, *_ = log.split("\n", 1)
    assert banner.startswith("wave-mock serving the WAVE Analytics API at http://127.0.0.1:")


def test_non_loopback_bind_with_default_key_warns(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with MockServer(["--host", "0.0.0.0"], log_path=log):
        pass
    assert "WARNING: binding 0.0.0.0 with the public default key" in log.read_text()
