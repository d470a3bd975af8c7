"""A chunked body obeys the 512 KiB limit exactly as a sized one does (issue #15), over sockets.

Bodies are valid JSON padded with spaces to an exact size, so the only thing that differs
between the 200 and the 413 cases is the byte count.
"""

from __future__ import annotations

import json
import socket
from typing import Iterator

import pytest
import requests

from wave_mock.testing import MockServer

KEY = "chunk_key"
ADMIN = "chunk_admin"
LIMIT = 512 * 1024  # README "Limits and guarantees": 512 KiB per request


def padded_event(session: str, size: int) -> bytes:
    """A valid single event whose body is exactly ``size`` bytes (trailing spaces)."""
    body = json.dumps({"eventType": "stream", "eventName": "viewer.joined", "sessionId": session}).encode()
    return body + b" " * (size - len(body))


def post_raw(port: int, body: bytes, chunked: bool, chunk_size: int = 64 * 1024) -> tuple[int, bytes]:
    """POST ``body`` by hand (chunked or with Content-Length); return status and response body."""
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
    head = (
        f"POST /api/v1/analytics/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n"
        f"Content-Type: application/json\r\n{framing}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        try:
            sock.sendall(head)
            if chunked:
                for start in range(0, len(body), chunk_size):
                    piece = body[start : start + chunk_size]
                    sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
                sock.sendall(b"0\r\n\r\n")
            else:
                sock.sendall(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before the whole body is sent
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
    head_bytes, _, payload = data.partition(b"\r\n\r\n")
    return int(head_bytes.split(b" ", 2)[1]), payload


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(["--api-key", KEY, "--api-key", "chunk_other", "--admin-token", ADMIN, "--no-access-log"]) as running:
        yield running


def stats(server: MockServer) -> dict:
    return requests.get(f"{server.root_url}/_mock/stats", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10).json()


def stored_sessions(server: MockServer) -> list[str]:
    events = requests.get(f"{server.root_url}/_mock/events?limit=1000", headers={"Authorization": f"Bearer {KEY}"}, timeout=10)
    return [e["event"]["sessionId"] for e in events.json()["events"]]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_body_of_exactly_the_limit_is_stored(server: MockServer, chunked: bool) -> None:
    session = f"sess_limit_{chunked}"
    status, _ = post_raw(server.port, padded_event(session, LIMIT), chunked)
    assert status == 200
    assert session in stored_sessions(server)


@pytest.mark.parametrize("size", [LIMIT + 1, LIMIT + 64 * 1024, 3 * LIMIT])
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_body_over_the_limit_is_413_and_nothing_is_stored(server: MockServer, chunked: bool, size: int) -> None:
    before = stats(server)
    session = f"sess_over_{chunked}_{size}"
    status, payload = post_raw(server.port, padded_event(session, size), chunked)
    assert status == 413
    assert json.loads(payload)["error"]["code"] == "payload_too_large"
    after = stats(server)
    assert after["accepted"] == before["accepted"]  # every tenant (admin stats)
    assert after["rejected"] == before["rejected"] + 1  # journaled as a rejection, as with Content-Length
    assert session not in stored_sessions(server)


def test_chunked_body_with_a_valid_prefix_and_garbage_past_the_limit_stores_nothing(server: MockServer) -> None:
    """Today's failure: the valid first 512 KiB was stored and the rest dropped."""
    prefix = padded_event("sess_prefix_only", LIMIT)
    status, _ = post_raw(server.port, prefix + b"garbage" * 1000, chunked=True)
    assert status == 413
    assert "sess_prefix_only" not in stored_sessions(server)
