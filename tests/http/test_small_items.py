"""Issue #15, item 9: the access-log mask, keys refused at start, '/' in a streamId, and the
errors the HTTP server itself sends. Expected strings are written by hand."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from wave_mock.http.accesslog import masked
from wave_mock.testing import MockServer

KEY = "log_secret_k1"
SERVE = [sys.executable, "-m", "wave_mock", "serve"]


# --- the access-log mask ------------------------------------------------------------------------

@pytest.mark.parametrize(
    "full_path,expected",
    [
        ("/_mock/ui?apiKey=abc", "/_mock/ui?apiKey=***"),
        ("/_mock/ui?ap%69Key=abc", "/_mock/ui?ap%69Key=***"),
        ("/_mock/ui?AP%49KEY=abc", "/_mock/ui?AP%49KEY=***"),
        ("/_mock/ui?%61%70%69%4b%65%79=abc", "/_mock/ui?%61%70%69%4b%65%79=***"),
        ("/_mock/ui?api_key=abc&api-key=def&API.KEY=ghi", "/_mock/ui?api_key=***&api-key=***&API.KEY=***"),
        ("/_mock/ui?apiKey=a&x=1&apiKey=b", "/_mock/ui?apiKey=***&x=1&apiKey=***"),
        ("/_mock/ui?api+key=abc", "/_mock/ui?api+key=***"),
        ("/_mock/ui?access_token=t&admin%5Ftoken=u", "/_mock/ui?access_token=***&admin%5Ftoken=***"),
        ("/_mock/ui?apiKey", "/_mock/ui?apiKey"),
        ("/_mock/events?sessionId=s1&limit=5", "/_mock/events?sessionId=s1&limit=5"),
    ],
)
def test_secret_parameters_are_masked_in_every_spelling(full_path: str, expected: str) -> None:
    assert masked(full_path) == expected


def test_configured_keys_are_masked_wherever_they_appear() -> None:
    assert masked("/x?q=log_secret_k1", [KEY]) == "/x?q=***"
    assert masked("/x?q=log%5Fsecret%5Fk1", [KEY]) == "/x?q=***"
    assert masked("/api/v1/analytics/stream/log_secret_k1", [KEY]) == "/api/v1/analytics/stream/***"
    assert masked("/x?q=other", [KEY]) == "/x?q=other"  # positive control: nothing else changes


def test_control_characters_cannot_forge_log_lines() -> None:
    assert masked("/a\nGET /forged 200") == "/a\\nGET /forged 200"


def test_real_server_log_never_shows_an_encoded_key(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with MockServer(["--api-key", KEY], log_path=log) as server:
        for query in ("ap%69Key=" + KEY, "APIKEY=" + KEY, "q=" + KEY, "apiKey=x&apiKey=" + KEY):
            requests.get(f"{server.root_url}/_mock/ui?{query}", timeout=10)
        requests.get(f"{server.root_url}/_mock/health?marker=visible", timeout=10)
        time.sleep(0.5)
    text = log.read_text()
    assert "GET /_mock/health?marker=visible 200" in text  # the log works: positive control
    assert text.count("GET /_mock/ui?") == 4
    banner, access_log = text.split("\nGET ", 1)
    assert f"API key(s):  {KEY}" in banner  # only the banner names it (its key list and UI link)
    assert KEY not in access_log


# --- keys that can never authenticate -----------------------------------------------------------

@pytest.mark.parametrize(
    "args,words",
    [
        (["--api-key", ""], ["--api-key", "empty"]),
        (["--api-key", "clé"], ["--api-key", "non-ASCII"]),
        (["--api-key", "two words"], ["--api-key", "whitespace"]),
        (["--api-key", "tab\there"], ["--api-key", "whitespace"]),
        (["--api-key", "bell\x07"], ["--api-key", "control"]),
        (["--api-key", "ok_key", "--admin-token", "adm in"], ["--admin-token", "whitespace"]),
    ],
)
def test_unusable_keys_are_refused_at_start_with_one_line(args: list[str], words: list[str]) -> None:
    result = subprocess.run([*SERVE, "--port", "0", *args], capture_output=True, text=True, timeout=60, start_new_session=True)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in lines[0]


def test_usable_odd_key_starts_and_authenticates() -> None:
    """Positive control: punctuation is fine."""
    odd = "k:with/sym=bols+~.!"
    with MockServer(["--api-key", odd]) as server:
        answer = requests.get(f"{server.root_url}/_mock/stats", headers={"Authorization": f"Bearer {odd}"}, timeout=10)
        assert answer.status_code == 200


# --- '/' in a streamId ---------------------------------------------------------------------------

def event(stream: str) -> dict:
    return {"eventType": "stream", "eventName": "viewer.joined", "sessionId": "sess_slash", "properties": {"streamId": stream}}


def test_slash_in_stream_id_is_refused_at_ingest_and_the_rest_works() -> None:
    with MockServer(["--api-key", KEY, "--no-access-log"]) as server:
        auth = {"Authorization": f"Bearer {KEY}"}
        single = requests.post(f"{server.base_url}/analytics/events", json=event("live/main"), headers=auth, timeout=10)
        assert single.status_code == 400
        assert single.json()["error"]["details"] == [
            {"field": "properties.streamId", "message": "must not contain '/' (no /analytics/stream/{streamId} URL could name it)"}
        ]
        batch = requests.post(f"{server.base_url}/analytics/events/batch",
                              json={"events": [event("a/b"), event("live_main")]}, headers=auth, timeout=10).json()
        assert (batch["accepted"], batch["rejected"]) == (1, 1)
        assert batch["errors"][0]["field"] == "events[0].properties.streamId"
        stored = requests.get(f"{server.root_url}/_mock/events", headers=auth, timeout=10).json()
        assert [e["event"]["properties"]["streamId"] for e in stored["events"]] == ["live_main"]
        assert requests.get(f"{server.base_url}/analytics/stream/live_main", headers=auth, timeout=10).status_code == 200
        encoded = requests.get(f"{server.base_url}/analytics/stream/live%2Fmain", headers=auth, timeout=10)
        assert encoded.status_code == 404 and encoded.json()["error"]["code"] == "not_found"


# --- errors raised by the HTTP server itself ------------------------------------------------------

def raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        out = b""
        try:
            while chunk := sock.recv(65536):
                out += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    return out


@pytest.mark.parametrize(
    "request_bytes,status",
    [
        (b"GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n", 400),
        (b"GET /_mock/health?" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414),
        (b"GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(200)) + b"\r\n", 431),
        (b"POST /api/v1/analytics/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n", 400),
    ],
    ids=["bad header", "over-long URL", "too many headers", "bad Content-Length"],
)
def test_http_server_errors_are_4xx_and_close_the_connection(request_bytes: bytes, status: int) -> None:
    """Documented in README: granian answers these itself, with an empty body (no JSON possible)."""
    with MockServer(["--no-access-log"]) as server:
        answer = raw(server.port, request_bytes)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(f"HTTP/1.1 {status} ".encode()), head
        assert b"connection: close" in head.lower()
        assert body == b"" or body.startswith(b'{"error"')
        assert requests.get(f"{server.root_url}/_mock/health", timeout=10).status_code == 200
