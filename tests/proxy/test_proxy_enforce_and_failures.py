"""Enforce mode, and an upstream that is down or slow."""

from __future__ import annotations

import socket
import threading
import time
from typing import Iterator

import pytest
import requests

from wave_mock.testing import MockServer, free_port

from .conftest import AUTH, KEY, ProxyServer

GOOD = {"eventType": "ui", "eventName": "good.one", "sessionId": "sess_1"}
BAD = {"eventType": "ui", "eventName": "bad.one"}  # no sessionId


def test_enforce_mode_refuses_bad_events_before_the_upstream() -> None:
    with MockServer(["--api-key", KEY, "--no-access-log"]) as mock, ProxyServer(mock.base_url, ["--mode", "enforce"]) as proxy:
        bad = requests.post(f"{proxy.base_url}/analytics/events", json=BAD, headers=AUTH, timeout=10)
        batch = requests.post(f"{proxy.base_url}/analytics/events/batch", json={"events": [GOOD, BAD]}, headers=AUTH, timeout=10)
        good = requests.post(f"{proxy.base_url}/analytics/events", json=GOOD, headers=AUTH, timeout=10)
        upstream_saw = requests.get(f"{mock.root_url}/_mock/events", headers=AUTH, timeout=10).json()
        upstream_refused = requests.get(f"{mock.root_url}/_mock/rejected", headers=AUTH, timeout=10).json()
    assert bad.status_code == 400
    assert bad.json()["error"]["details"] == [{"field": "sessionId", "message": "is required"}]
    assert batch.status_code == 400
    assert batch.json()["error"]["details"] == [{"field": "events[1].sessionId", "message": "is required"}]
    assert good.status_code == 200  # positive control: a good event goes through
    assert [e["event"]["eventName"] for e in upstream_saw["events"]] == ["good.one"]
    assert upstream_refused["count"] == 0


def test_upstream_down_gives_a_quick_502() -> None:
    closed = free_port()
    with ProxyServer(f"http://127.0.0.1:{closed}/api/v1") as proxy:
        started = time.monotonic()
        reply = requests.post(f"{proxy.base_url}/analytics/events", json=GOOD, headers=AUTH, timeout=10)
        took = time.monotonic() - started
    assert reply.status_code == 502 and reply.json()["error"]["code"] == "bad_gateway"
    assert took < 3
    assert reply.headers["X-Request-Id"].startswith("req_")  # the proxy's own answer carries an id too


@pytest.fixture()
def silent_upstream() -> Iterator[int]:
    """A server that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_slow_upstream_gives_a_504_and_stalls_no_one_else(silent_upstream: int) -> None:
    # More waiting forwards (12) than the proxy has threads (2): forwards hold no thread while
    # they wait (the upstream is awaited on the event loop), so health is still answered at once.
    with ProxyServer(f"http://127.0.0.1:{silent_upstream}/api/v1", ["--timeout", "2", "--threads", "2"]) as proxy:
        results: list[tuple[int, float]] = []

        def call() -> None:
            started = time.monotonic()
            reply = requests.post(f"{proxy.base_url}/analytics/events", json=GOOD, headers=AUTH, timeout=10)
            results.append((reply.status_code, time.monotonic() - started))

        threads = [threading.Thread(target=call) for _ in range(12)]
        for t in threads:
            t.start()
        time.sleep(0.5)  # all twelve are waiting on the upstream now
        asked = time.monotonic()
        health = requests.get(f"{proxy.root_url}/_mock/health", timeout=5)
        health_took = time.monotonic() - asked
        for t in threads:
            t.join()
    assert health.status_code == 200 and health.json()["mode"] == "proxy"
    assert health_took < 1.0  # well before the first 504 (2 s)
    assert [status for status, _ in results] == [504] * 12
    assert max(took for _, took in results) < 5
