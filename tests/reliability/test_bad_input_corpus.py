"""A corpus of bad requests: each gets a clear JSON 4xx, nothing is stored, the server keeps serving."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from typing import Iterator

import pytest
import requests

from wave_mock.testing import MockServer

KEY = "corpus-key"
OTHER_KEY = "corpus-other-key"  # a second tenant: bad input must not land there either
ADMIN = "corpus-admin"  # sees every tenant's counts in /_mock/stats
AUTH = {"Authorization": f"Bearer {KEY}"}
JSON = {**AUTH, "Content-Type": "application/json"}
EVENTS = "/api/v1/analytics/events"
BATCH = "/api/v1/analytics/events/batch"
DASH = "/api/v1/analytics/dashboards"
STREAM = "/api/v1/analytics/stream/"
VALID = {"eventType": "stream", "eventName": "viewer.joined", "sessionId": "s1"}


@dataclass(frozen=True)
class Bad:
    kind: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))
    status: int = 400


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


def _with(**changes: object) -> bytes:
    return _json({**VALID, **changes})


def _nested(depth: int) -> bytes:
    return b'{"eventType":"a","eventName":"b","sessionId":"c","properties":' + b'{"a":' * depth + b"1" + b"}" * depth + b"}"


CORPUS = [
    Bad("malformed json", "POST", EVENTS, b'{"eventType": stream}'),
    Bad("truncated json", "POST", EVENTS, _with()[:-5]),
    Bad("empty body", "POST", EVENTS, b""),
    Bad("whitespace body", "POST", EVENTS, b"   \n"),
    Bad("top-level array", "POST", EVENTS, b"[]"),
    Bad("top-level string", "POST", EVENTS, b'"event"'),
    Bad("top-level number", "POST", EVENTS, b"42"),
    Bad("top-level null", "POST", EVENTS, b"null"),
    Bad("NaN", "POST", EVENTS, b'{"eventType":"a","eventName":"b","sessionId":"c","properties":{"x":NaN}}'),
    Bad("Infinity", "POST", EVENTS, b'{"eventType":"a","eventName":"b","sessionId":"c","properties":{"x":Infinity}}'),
    Bad("duplicate keys", "POST", EVENTS, b'{"eventType":"a","eventName":"b","sessionId":"c","eventType":"d"}'),
    Bad("invalid utf-8", "POST", EVENTS, b'{"eventType":"\xff\xfe","eventName":"b","sessionId":"c"}'),
    Bad("lone surrogate", "POST", EVENTS, b'{"eventType":"\\ud800","eventName":"b","sessionId":"c"}'),
    Bad("missing content type", "POST", EVENTS, _with(), dict(AUTH), 415),
    Bad("text/plain", "POST", EVENTS, _with(), {**AUTH, "Content-Type": "text/plain"}, 415),
    Bad("form", "POST", EVENTS, b"eventType=a&eventName=b", {**AUTH, "Content-Type": "application/x-www-form-urlencoded"}, 415),
    Bad("xml", "POST", EVENTS, b"<event/>", {**AUTH, "Content-Type": "application/xml"}, 415),
    Bad("null required field", "POST", EVENTS, _with(sessionId=None)),
    Bad("wrong type eventType", "POST", EVENTS, _with(eventType=1)),
    Bad("wrong type eventName", "POST", EVENTS, _with(eventName=[])),
    Bad("wrong type sessionId", "POST", EVENTS, _with(sessionId={})),
    Bad("wrong type properties", "POST", EVENTS, _with(properties="x")),
    Bad("wrong type userId", "POST", EVENTS, _with(userId=7)),
    Bad("wrong type anonymousId", "POST", EVENTS, _with(anonymousId=True)),
    Bad("wrong type experiments", "POST", EVENTS, _with(experiments=[1])),
    Bad("wrong type platform", "POST", EVENTS, _with(platform=1)),
    Bad("wrong type timestamp", "POST", EVENTS, _with(timestamp=1700000000)),
    Bad("wrong type streamId", "POST", EVENTS, _with(properties={"streamId": 5})),
    Bad("empty strings", "POST", EVENTS, _with(eventType="", eventName="", sessionId="")),
    Bad("deeply nested properties", "POST", EVENTS, _nested(20_000)),
    Bad("nesting past the encoder's limit", "POST", EVENTS, _nested(300)),
    Bad("nesting in a batch", "POST", BATCH, b'{"events":[' + _nested(600) + b"]}"),
    Bad("integer beyond 64 bits", "POST", EVENTS, b'{"eventType":"a","eventName":"b","sessionId":"c","properties":{"x":18446744073709551616}}'),
    Bad("number that underflows", "POST", EVENTS, b'{"eventType":"a","eventName":"b","sessionId":"c","properties":{"x":1e-400}}'),
    Bad("number that overflows", "POST", BATCH, b'{"events":[{"eventType":"a","eventName":"b","sessionId":"c","properties":{"x":1e400}}]}'),
    Bad("clock in year 9999", "POST", "/_mock/clock", _json({"now": "9999-12-31T23:59:59Z"})),
    Bad("clock in year 0001", "POST", "/_mock/clock", _json({"now": "0001-01-01T00:00:00Z"})),
    Bad("huge string", "POST", EVENTS, _with(properties={"x": "y" * 40_000}), status=413),
    Bad("body over limit", "POST", BATCH, _json({"events": [{**VALID, "properties": {"x": "y" * 30_000}}] * 20}), status=413),
    Bad("batch of 0", "POST", BATCH, _json({"events": []})),
    Bad("batch of 101", "POST", BATCH, _json({"events": [VALID] * 101})),
    Bad("batch of 10000", "POST", BATCH, _json({"events": [{"e": 1}] * 10_000})),
    Bad("events not an array", "POST", BATCH, _json({"events": VALID})),
    Bad("events holds non-objects", "POST", BATCH, _json({"events": [VALID, 1, "x", None]})),
    Bad("batch unknown envelope field", "POST", BATCH, _json({"events": [VALID], "extra": 1})),
    Bad("bad period", "GET", DASH + "?period=2w", None, dict(AUTH)),
    Bad("repeated period", "GET", DASH + "?period=1d&period=7d", None, dict(AUTH)),
    Bad("unknown metric", "GET", DASH + "?metric=revenue", None, dict(AUTH)),
    Bad("garbage metric", "GET", DASH + "?metric=%00%ff%20", None, dict(AUTH)),
    Bad("stream bad period", "GET", STREAM + "s1?period=1d", None, dict(AUTH)),
    Bad("stream path traversal", "GET", STREAM + "../../etc/passwd", None, dict(AUTH), 404),
    Bad("stream encoded slash", "GET", STREAM + "a%2Fb", None, dict(AUTH), 404),
    Bad("stream 10k id", "GET", STREAM + "s" * 10_000, None, dict(AUTH)),
    Bad("stream unicode id unknown", "GET", STREAM + "%F0%9F%8E%A5-live", None, dict(AUTH), 404),
    Bad("stream broken percent-encoding", "GET", STREAM + "%E0%A4%A", None, dict(AUTH), 404),
    Bad("undeclared method PUT", "PUT", EVENTS, _with(), status=405),
    Bad("undeclared method DELETE", "DELETE", DASH, None, dict(AUTH), 405),
    Bad("undeclared method PATCH", "PATCH", STREAM + "s1", None, dict(AUTH), 405),
    Bad("unknown path", "GET", "/api/v1/analytics/nope", None, dict(AUTH), 404),
    Bad("unknown root path", "GET", "/admin.php", None, dict(AUTH), 404),
    Bad("no auth", "POST", EVENTS, _with(), {"Content-Type": "application/json"}, 401),
    Bad("unknown key", "POST", EVENTS, _with(), {"Authorization": "Bearer nope", "Content-Type": "application/json"}, 401),
]


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(["--api-key", KEY, "--api-key", OTHER_KEY, "--admin-token", ADMIN, "--no-access-log"]) as running:
        yield running


def _stored(server: MockServer) -> dict[str, int]:
    """Return what is stored, everywhere: every tenant's accepted events and the global totals."""
    stats = requests.get(f"{server.root_url}/_mock/stats", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10).json()
    everywhere = {f"tenant {name}": counts["accepted"] for name, counts in stats["tenants"].items()}
    return {**everywhere, "global accepted": stats["accepted"], "global evicted": stats["evicted"]}


@pytest.mark.parametrize("key", [KEY, OTHER_KEY])
def test_the_stores_nothing_check_sees_an_event_stored_in_any_tenant(server: MockServer, key: str) -> None:
    # Positive control for the corpus: the same snapshot changes when one event is stored.
    before = _stored(server)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    assert requests.post(server.root_url + EVENTS, data=_with(), headers=headers, timeout=10).status_code == 200
    after = _stored(server)
    assert after != before
    assert after["global accepted"] == before["global accepted"] + 1
    assert sum(v for k, v in after.items() if k.startswith("tenant ")) == sum(
        v for k, v in before.items() if k.startswith("tenant ")) + 1


def test_corpus_has_at_least_40_kinds() -> None:
    assert len({case.kind for case in CORPUS}) >= 40


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.kind)
def test_bad_input_gets_json_4xx_and_stores_nothing(server: MockServer, case: Bad) -> None:
    before = _stored(server)
    response = requests.request(case.method, server.root_url + case.path, data=case.body, headers=case.headers, timeout=30)
    assert response.status_code == case.status, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["status"] == case.status and error["message"]
    assert _stored(server) == before
    assert requests.get(f"{server.root_url}/_mock/health", timeout=10).status_code == 200


def _raw_request(server: MockServer, request: bytes, half_close: bool = True) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        if half_close:  # signals the end of a body shorter than its Content-Length
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_content_length_shorter_than_body_is_a_400(server: MockServer) -> None:
    body = _with()
    head = f"POST {EVENTS} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\nContent-Type: application/json\r\nContent-Length: {len(body) - 10}\r\nConnection: close\r\n\r\n"
    reply = _raw_request(server, head.encode() + body)
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]
    assert b'"validation_failed"' in reply


def test_content_length_longer_than_body_never_stores(server: MockServer) -> None:
    before = _stored(server)
    body = _with()
    head = f"POST {EVENTS} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\nContent-Type: application/json\r\nContent-Length: {len(body) + 50}\r\nConnection: close\r\n\r\n"
    reply = _raw_request(server, head.encode() + body)
    assert not reply.startswith(b"HTTP/1.1 5") and not reply.startswith(b"HTTP/1.1 200"), reply[:200]
    assert _stored(server) == before


def test_header_injection_does_not_split_the_response(server: MockServer) -> None:
    reply = _raw_request(
        server,
        f"GET {DASH}?period=7d%0d%0aSet-Cookie:%20x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\nConnection: close\r\n\r\n".encode(),
        half_close=False,
    )
    assert reply.startswith(b"HTTP/1.1 400")
    assert b"\r\nset-cookie" not in reply.lower()
