"""A real `wave-mock serve` process over a socket: the docs' cURL examples, logs, banner."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Iterator

import pytest
import requests

from tests.docs_examples import DOCS_HOST, DOCS_KEY, curl
from wave_mock.auth import DEFAULT_DEV_KEY
from wave_mock.testing import MockServer

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    log = tmp_path_factory.mktemp("server") / "serve.log"
    with MockServer(log_path=log) as running:
        yield running


def run_docs_curl(path: str, server: MockServer) -> dict:
    """Run the docs' cURL example for ``path`` verbatim (read from the committed docs), with only host and key swapped."""
    command = curl(path)
    assert command.count(DOCS_HOST) == 1 and command.count(DOCS_KEY) == 1, command
    local = command.replace(DOCS_HOST, server.root_url).replace(DOCS_KEY, DEFAULT_DEV_KEY)
    result = subprocess.run(["bash", "-c", local], capture_output=True, text=True, timeout=30, check=True)
    return requests.models.complexjson.loads(result.stdout)


def test_docs_curl_examples_succeed_against_the_mock(server: MockServer) -> None:
    assert run_docs_curl("/analytics/events", server)["success"] is True
    assert run_docs_curl("/analytics/events/batch", server) == {"success": True, "accepted": 2, "rejected": 0, "errors": []}
    dashboard = run_docs_curl("/analytics/dashboards", server)
    assert dashboard["period"] == "7d" and dashboard["metrics"]["totalEvents"] == 3
    stream = run_docs_curl("/analytics/stream/str_xyz789", server)
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
    banner, requests_logged = log.split("\nGET ", 1)
    assert banner.startswith("wave-mock serving the WAVE Analytics API at http://127.0.0.1:")
    # The banner names the dev key on purpose (its UI link carries it); the access log never does.
    assert f"/_mock/ui?apiKey={DEFAULT_DEV_KEY}" in banner
    assert "GET /_mock/ui?apiKey=*** 200" in log
    assert f"apiKey={DEFAULT_DEV_KEY}" not in requests_logged


def test_non_loopback_bind_with_default_key_warns(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with MockServer(["--host", "0.0.0.0"], log_path=log):
        pass
    assert "WARNING: binding 0.0.0.0 with the public default key" in log.read_text()
