"""No client can stall the server (issue #15): over real sockets against ``wave-mock serve``.

Each hostile client holds its connection open for the whole test; the checks are that
everyone else is answered promptly meanwhile, and that the hostile request itself ends
(408 JSON and a closed connection) once ``--body-timeout`` has passed.
"""

from __future__ import annotations

import json
import socket
import time
from contextlib import ExitStack, contextmanager
from typing import Iterator

import pytest
import requests

from wave_mock.testing import MockServer

KEY = "stall_key"
AUTH = {"Authorization": f"Bearer {KEY}"}
EVENT = {"eventType": "stream", "eventName": "viewer.joined", "sessionId": "sess_stall"}
PROMPT = 3.0  # seconds: an answer slower than this means the server was blocked
HEAD = (
    "POST /api/v1/analytics/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
    "Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
)


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return sock


def stalled_body(port: int) -> socket.socket:
    """Send the headers and half of a 200-byte body, then nothing more."""
    sock = connect(port)
    sock.sendall(HEAD.format(key=KEY, length=200).encode() + b'{"eventType": "str')
    return sock


def read_until_closed(sock: socket.socket, timeout: float) -> tuple[bytes, bool]:
    """Read until the server closes (True) or ``timeout`` passes (False)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except socket.timeout:
        return data, False
    except ConnectionResetError:
        pass
    return data, True


@contextmanager
def holding(sockets: list[socket.socket]) -> Iterator[list[socket.socket]]:
    with ExitStack() as stack:
        for sock in sockets:
            stack.callback(sock.close)
        yield sockets


def assert_others_are_served(server: MockServer) -> None:
    """Health, a real ingest and a query all answer within PROMPT seconds."""
    started = time.monotonic()
    health = requests.get(f"{server.root_url}/_mock/health", timeout=PROMPT)
    tracked = requests.post(f"{server.base_url}/analytics/events", json=EVENT, headers=AUTH, timeout=PROMPT)
    events = requests.get(f"{server.root_url}/_mock/events", headers=AUTH, timeout=PROMPT)
    assert (health.status_code, tracked.status_code, events.status_code) == (200, 200, 200)
    assert tracked.json()["eventId"] in [e["eventId"] for e in events.json()["events"]]
    assert time.monotonic() - started < PROMPT


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(["--api-key", KEY, "--body-timeout", "2", "--no-access-log"]) as running:
        yield running


def test_one_stalled_body_does_not_delay_others_with_default_options() -> None:
    """Default options: one Python thread, the 10 s deadline."""
    with MockServer(["--api-key", KEY]) as running:
        with holding([stalled_body(running.port)]):
            time.sleep(0.3)  # the stalled request has reached the server
            assert_others_are_served(running)


def test_twenty_stalled_bodies_do_not_delay_others(server: MockServer) -> None:
    with holding([stalled_body(server.port) for _ in range(20)]):
        time.sleep(0.3)
        assert_others_are_served(server)


def test_stalled_bodies_beyond_the_thread_count_do_not_delay_others() -> None:
    with MockServer(["--api-key", KEY, "--threads", "4", "--no-access-log"]) as running:
        with holding([stalled_body(running.port) for _ in range(20)]):
            time.sleep(0.3)
            assert_others_are_served(running)


def test_stalled_body_gets_408_json_and_the_connection_closes(server: MockServer) -> None:
    before = requests.get(f"{server.root_url}/_mock/stats", headers=AUTH, timeout=10).json()
    sock = stalled_body(server.port)
    with holding([sock]):
        started = time.monotonic()
        data, closed = read_until_closed(sock, timeout=8)
        waited = time.monotonic() - started
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), data[:200]
    assert json.loads(body)["error"]["code"] == "request_timeout"
    assert closed
    assert 1.5 <= waited < 5  # --body-timeout 2, swept every 0.25 s
    after = requests.get(f"{server.root_url}/_mock/stats", headers=AUTH, timeout=10).json()
    assert after["accepted"] == before["accepted"]


def test_slow_body_that_finishes_before_the_deadline_is_stored(server: MockServer) -> None:
    """Positive control of the 408: the same path succeeds when the body does arrive."""
    body = json.dumps({**EVENT, "sessionId": "sess_slow_but_fine"}).encode()
    sock = connect(server.port)
    with holding([sock]):
        sock.sendall(HEAD.format(key=KEY, length=len(body)).encode() + body[:10])
        time.sleep(0.8)
        sock.sendall(body[10:])
        sock.settimeout(5)
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    events = requests.get(f"{server.root_url}/_mock/events?sessionId=sess_slow_but_fine", headers=AUTH, timeout=10)
    assert events.json()["count"] == 1


def test_stalled_chunked_body_gets_408(server: MockServer) -> None:
    sock = connect(server.port)
    with holding([sock]):
        sock.sendall(
            f"POST /api/v1/analytics/events/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"eve\r\n".encode()
        )
        assert_others_are_served(server)
        data, closed = read_until_closed(sock, timeout=8)
    assert data.startswith(b"HTTP/1.1 408 ") and closed


def test_slow_headers_do_not_delay_others_and_are_cut_off(server: MockServer) -> None:
    """Slowloris: headers trickle in and never end; the server closes after the deadline."""
    sockets = [connect(server.port) for _ in range(20)]
    with holding(sockets):
        for sock in sockets:
            sock.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")
        assert_others_are_served(server)
        _, closed = read_until_closed(sockets[0], timeout=8)
    assert closed


def test_idle_keep_alive_connections_do_not_delay_others(server: MockServer) -> None:
    sockets = [connect(server.port) for _ in range(200)]
    with holding(sockets):
        for sock in sockets[:100]:  # half have finished one request and stay open
            sock.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert_others_are_served(server)


def test_client_that_never_reads_its_responses_does_not_delay_others(server: MockServer) -> None:
    """Pipelined requests for the spec (~60 KB each) that are never read fill the socket buffers."""
    sock = connect(server.port)
    with holding([sock]):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        request = b"GET /api/v1/openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        sock.settimeout(2)
        try:
            for _ in range(200):
                sock.sendall(request)
        except (socket.timeout, BlockingIOError):
            pass  # the server stopped reading this client: that is the point
        assert_others_are_served(server)
