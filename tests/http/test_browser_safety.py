"""Host checks and CORS (issue #15): unit cases with the Flask client, then a real server."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from wave_mock.app import create_app
from wave_mock.http.browser import CorsPolicy, is_loopback_host
from wave_mock.testing import MockServer

KEY = "browser_key"
AUTH = {"Authorization": f"Bearer {KEY}"}
EVENT = {"eventType": "stream", "eventName": "viewer.joined", "sessionId": "sess_browser"}


@pytest.mark.parametrize(
    "host",
    ["localhost", "LOCALHOST:8787", "localhost.", "app.localhost:5173", "127.0.0.1", "127.0.0.1:8787",
     "127.1.2.3:80", "[::1]", "[::1]:8787", "[::ffff:127.0.0.1]:1"],
)
def test_loopback_hosts_are_loopback(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize(
    "host",
    ["evil.test", "evil.test:8787", "localhost.evil.test", "127.0.0.1.nip.io", "10.0.0.1", "[::2]", "[::1",
     "127.0.0.1:80x", "localhost:", "0.0.0.0", "", "[::1]junk"],
)
def test_other_hosts_are_not(host: str) -> None:
    assert not is_loopback_host(host)


def client(**config: Any):  # type: ignore[no-untyped-def]
    return create_app({"API_KEYS": [KEY], **config}).test_client()


@pytest.mark.parametrize("path,method", [("/_mock/health", "GET"), ("/api/v1/analytics/events", "POST"),
                                         ("/api/v1/analytics/events/batch", "POST"), ("/_mock/reset", "POST"),
                                         ("/_mock/ui", "GET"), ("/nowhere", "GET")])
def test_foreign_host_gets_403_json_on_every_path(path: str, method: str) -> None:
    answer = client().open(path, method=method, json=EVENT, headers={**AUTH, "Host": "rebind.evil.test:8787"})
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "host_not_allowed"


def test_foreign_host_stores_nothing_and_loopback_host_does() -> None:
    app = create_app({"API_KEYS": [KEY]})
    c = app.test_client()
    assert c.post("/api/v1/analytics/events", json=EVENT, headers={**AUTH, "Host": "evil.test"}).status_code == 403
    assert c.post("/api/v1/analytics/events", json=EVENT, headers={**AUTH, "Host": "localhost:8787"}).status_code == 200
    assert c.get("/_mock/stats", headers=AUTH).get_json()["accepted"] == 1


def test_host_check_off_when_bound_beyond_loopback() -> None:
    answer = client(CHECK_HOST=False).get("/_mock/health", headers={"Host": "mock.example.com"})
    assert answer.status_code == 200


def preflight(c, origin: str, asked: str = "", **extra: str):  # type: ignore[no-untyped-def]
    headers = {"Origin": origin, "Access-Control-Request-Method": "POST", **extra}
    if asked:
        headers["Access-Control-Request-Headers"] = asked
    return c.options("/api/v1/analytics/events", headers=headers)


def test_preflight_grants_the_headers_it_asks_for() -> None:
    answer = preflight(client(), "http://localhost:5173", "authorization, content-type, x-request-id")
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    allowed = {h.strip().lower() for h in answer.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "x-request-id"} <= allowed


def test_preflight_without_asked_headers_allows_the_usual_ones() -> None:
    answer = preflight(client(), "http://127.0.0.1:3000")
    assert answer.headers["Access-Control-Allow-Headers"] == "Authorization, Content-Type, Prefer"


def test_preflight_with_a_malformed_header_list_falls_back_to_the_usual_ones() -> None:
    answer = preflight(client(), "http://localhost:5173", "x-ok, bad header; (injected)")
    assert answer.headers["Access-Control-Allow-Headers"] == "Authorization, Content-Type, Prefer"


def test_private_network_preflight_is_granted_to_allowed_origins_only() -> None:
    granted = preflight(client(), "http://localhost:5173", **{"Access-Control-Request-Private-Network": "true"})
    assert granted.headers["Access-Control-Allow-Private-Network"] == "true"
    refused = preflight(client(), "https://evil.test", **{"Access-Control-Request-Private-Network": "true"})
    assert refused.status_code == 403 and "Access-Control-Allow-Private-Network" not in refused.headers


def test_default_cors_allows_loopback_origins_only() -> None:
    c = client()
    for origin in ("http://localhost:5173", "https://app.localhost", "http://127.0.0.1:8080", "http://[::1]:3000"):
        assert c.get("/_mock/health", headers={"Origin": origin}).headers.get("Access-Control-Allow-Origin") == origin
    for origin in ("https://evil.test", "http://localhost.evil.test", "null", "file://", "http://10.0.0.2:5173"):
        answer = c.get("/_mock/health", headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in answer.headers, origin
        assert preflight(c, origin).status_code == 403


def test_cors_origin_list_replaces_the_default() -> None:
    c = client(CORS_ORIGINS=["https://app.test", "http://localhost:5173/"])
    assert c.get("/_mock/health", headers={"Origin": "https://app.test"}).headers["Access-Control-Allow-Origin"] == "https://app.test"
    assert c.get("/_mock/health", headers={"Origin": "http://localhost:5173"}).headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "Access-Control-Allow-Origin" not in c.get("/_mock/health", headers={"Origin": "http://localhost:3000"}).headers
    assert "Access-Control-Allow-Origin" not in c.get("/_mock/health", headers={"Origin": "https://app.test.evil"}).headers
    # The mock's own page calls it from its own origin, which stays allowed.
    own = c.get("/_mock/health", headers={"Origin": "http://localhost:8787", "Host": "localhost:8787"})
    assert own.headers["Access-Control-Allow-Origin"] == "http://localhost:8787"


def test_any_origin_on_request() -> None:
    c = client(CORS_ORIGINS=["*"])
    assert c.get("/_mock/health", headers={"Origin": "https://anything.test"}).headers["Access-Control-Allow-Origin"] == "https://anything.test"
    assert c.get("/_mock/health").headers["Access-Control-Allow-Origin"] == "*"


def test_policy_normalises_case_and_trailing_slash() -> None:
    assert CorsPolicy(["HTTPS://App.Test/"]).allows("https://app.test")


# --- over a real socket ----------------------------------------------------------------------


def test_real_server_refuses_foreign_host_on_fast_and_flask_paths_and_serves_loopback_names() -> None:
    with MockServer(["--api-key", KEY, "--no-access-log"]) as server:
        url = f"{server.base_url}/analytics/events"
        foreign = {**AUTH, "Host": "evil.test"}
        fast = requests.post(url, json=EVENT, headers=foreign, timeout=10)
        flask = requests.get(f"{server.root_url}/_mock/events", headers=foreign, timeout=10)
        assert (fast.status_code, flask.status_code) == (403, 403)
        assert fast.json()["error"]["code"] == flask.json()["error"]["code"] == "host_not_allowed"
        for host in ("localhost", f"localhost:{server.port}", f"127.0.0.1:{server.port}", f"[::1]:{server.port}"):
            assert requests.post(url, json=EVENT, headers={**AUTH, "Host": host}, timeout=10).status_code == 200, host
        stats = requests.get(f"{server.root_url}/_mock/stats", headers=AUTH, timeout=10).json()
        assert stats["accepted"] == 4


def test_real_server_preflight_for_x_request_id_then_the_request() -> None:
    with MockServer(["--api-key", KEY, "--no-access-log"]) as server:
        url = f"{server.base_url}/analytics/events"
        origin = "http://localhost:5173"
        allowed = requests.options(url, headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                                 "Access-Control-Request-Headers": "authorization,content-type,x-request-id"}, timeout=10)
        assert allowed.status_code == 204
        assert "x-request-id" in allowed.headers["Access-Control-Allow-Headers"].lower()
        sent = requests.post(url, json=EVENT, headers={**AUTH, "Origin": origin, "X-Request-Id": "r1"}, timeout=10)
        assert sent.status_code == 200 and sent.headers["Access-Control-Allow-Origin"] == origin


def test_real_server_cors_origin_option_restricts_and_star_opens() -> None:
    with MockServer(["--api-key", KEY, "--cors-origin", "https://app.test", "--no-access-log"]) as server:
        health = f"{server.root_url}/_mock/health"
        assert requests.get(health, headers={"Origin": "https://app.test"}, timeout=10).headers["Access-Control-Allow-Origin"] == "https://app.test"
        assert "Access-Control-Allow-Origin" not in requests.get(health, headers={"Origin": "http://localhost:5173"}, timeout=10).headers
        # The fast path (POST /analytics/events) applies the same rule.
        fast = requests.post(f"{server.base_url}/analytics/events", json=EVENT, headers={**AUTH, "Origin": "https://evil.test"}, timeout=10)
        assert fast.status_code == 200 and "Access-Control-Allow-Origin" not in fast.headers
    with MockServer(["--api-key", KEY, "--cors-origin", "*", "--no-access-log"]) as server:
        answer = requests.get(f"{server.root_url}/_mock/health", headers={"Origin": "https://evil.test"}, timeout=10)
        assert answer.headers["Access-Control-Allow-Origin"] == "https://evil.test"


def test_real_server_bound_beyond_loopback_answers_any_host() -> None:
    with MockServer(["--host", "0.0.0.0", "--api-key", KEY, "--no-access-log"]) as server:
        answer = requests.get(f"{server.root_url}/_mock/health", headers={"Host": "mock.example.com"}, timeout=10)
        assert answer.status_code == 200
