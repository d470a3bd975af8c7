"""The RSGI bridge on its own, with a scripted protocol (the real server is tested over sockets
in tests/reliability/test_stalled_clients.py and test_body_limit_chunked.py)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from wave_mock.http.helpers import BODY_TIMED_OUT
from wave_mock.server.bridge import WsgiBridge


class Headers:
    def __init__(self, *pairs: tuple[str, str]) -> None:
        self.pairs = list(pairs)

    def items(self) -> list[tuple[str, str]]:
        return self.pairs


class Scope:
    method = "POST"
    path = "/api/v1/stream/caf\u00e9"
    query_string = "a=1"
    server = "127.0.0.1:8787"
    client = "127.0.0.1:50000"
    http_version = "1.1"
    scheme = "http"

    def __init__(self, *headers: tuple[str, str]) -> None:
        self.headers = Headers(*headers)


class Protocol:
    """Hands out ``chunks`` (None: never arrives) and records the answer."""

    def __init__(self, *chunks: bytes | None) -> None:
        self.chunks = list(chunks)
        self.answer: tuple[int, list[tuple[str, str]], bytes] | None = None

    def __call__(self) -> Any:
        return self._next(whole=True)

    def __aiter__(self) -> "Protocol":
        return self

    def __anext__(self) -> Any:
        return self._next(whole=False)

    def _next(self, whole: bool) -> Any:
        future = asyncio.get_running_loop().create_future()
        if whole:
            if None not in self.chunks:
                future.set_result(b"".join(c for c in self.chunks if c))
        elif self.chunks:
            chunk = self.chunks.pop(0)
            if chunk is not None:
                future.set_result(chunk)
        else:
            future.set_result(b"")
        return future

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.answer = (status, headers, body)


def echo_app(seen: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append({**environ, "body": environ["wsgi.input"].read()})
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    return app


def run(bridge: WsgiBridge, scope: Scope, protocol: Protocol) -> None:
    loop = asyncio.new_event_loop()
    try:
        bridge.__rsgi_init__(loop)
        loop.run_until_complete(bridge.__rsgi__(scope, protocol))
    finally:
        loop.close()


def test_environ_matches_pep_3333_and_body_is_whole() -> None:
    seen: list[dict[str, Any]] = []
    protocol = Protocol(b'{"a":', b"1}")
    run(WsgiBridge(echo_app(seen), 1, 5, 100),
        Scope(("content-length", "7"), ("content-length", "7"), ("x-a", "1"), ("x-a", "2"), ("content-type", "application/json")),
        protocol)
    environ = seen[0]
    assert environ["PATH_INFO"] == "/api/v1/stream/caf\u00c3\u00a9"  # UTF-8 bytes as latin-1, as WSGI wants
    assert (environ["CONTENT_LENGTH"], environ["CONTENT_TYPE"], environ["HTTP_X_A"]) == ("7", "application/json", "1,2")
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"], environ["REMOTE_ADDR"]) == ("127.0.0.1", "8787", "127.0.0.1")
    assert environ["body"] == b'{"a":1}'
    assert protocol.answer == (200, [("Content-Type", "text/plain")], b"ok")


def test_chunked_body_is_passed_sized_and_over_the_cap_unread() -> None:
    seen: list[dict[str, Any]] = []
    run(WsgiBridge(echo_app(seen), 1, 5, 10), Scope(("transfer-encoding", "chunked")), Protocol(b"12345", b"678"))
    assert (seen[0]["CONTENT_LENGTH"], seen[0]["body"], "HTTP_TRANSFER_ENCODING" in seen[0]) == ("8", b"12345678", False)
    over = Protocol(b"123456", b"789012")
    run(WsgiBridge(echo_app(seen), 1, 5, 10), Scope(("transfer-encoding", "chunked")), over)
    assert (seen[1]["CONTENT_LENGTH"], seen[1]["body"]) == ("12", b"")  # the app refuses it by size: 413
    assert ("Connection", "close") in over.answer[1]


def test_body_that_never_completes_reaches_the_app_marked_timed_out() -> None:
    seen: list[dict[str, Any]] = []
    protocol = Protocol(b"12", None)
    run(WsgiBridge(echo_app(seen), 1, 0.3, 100), Scope(("content-length", "9")), protocol)
    assert seen[0][BODY_TIMED_OUT] == 0.3
    assert ("Connection", "close") in protocol.answer[1]


def test_thread_pool_answers_the_same() -> None:
    seen: list[dict[str, Any]] = []
    protocol = Protocol(b"abc")
    run(WsgiBridge(echo_app(seen), 4, 5, 100), Scope(("content-length", "3")), protocol)
    assert seen[0]["body"] == b"abc" and protocol.answer[2] == b"ok"


def _gated_app(gate: "threading.Event", log: list[str]):  # type: ignore[no-untyped-def]
    """A slow request waits (up to 2 s) for a fast one to have been answered."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["PATH_INFO"] == "/slow":
            log.append("slow saw the fast one" if gate.wait(2) else "slow waited alone")
        else:
            gate.set()
        start_response("200 OK", [])
        return [b"ok"]

    app.is_slow_request = lambda environ: environ["PATH_INFO"] == "/slow"  # type: ignore[attr-defined]
    return app


def _slow_then_fast(app: Any) -> None:
    bridge = WsgiBridge(app, 1, 5, 100)
    slow, fast = Scope(), Scope()
    slow.method = fast.method = "GET"
    slow.path, fast.path = "/slow", "/fast"
    loop = asyncio.new_event_loop()
    try:
        bridge.__rsgi_init__(loop)

        async def both() -> None:
            await asyncio.gather(bridge.__rsgi__(slow, Protocol()), bridge.__rsgi__(fast, Protocol()))

        loop.run_until_complete(both())
    finally:
        bridge.__rsgi_del__(loop)
        loop.close()


def test_a_slow_request_runs_off_the_loop_so_others_are_answered_meanwhile() -> None:
    log: list[str] = []
    _slow_then_fast(_gated_app(threading.Event(), log))
    assert log == ["slow saw the fast one"]
    # Control: the same app without the hint runs inline, and the fast request waits behind it.
    log.clear()
    app = _gated_app(threading.Event(), log)
    del app.is_slow_request
    _slow_then_fast(app)
    assert log == ["slow waited alone"]
