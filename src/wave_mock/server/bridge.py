"""Run the WSGI app on granian's RSGI interface, so that no client can hold a Python thread.

Under granian's WSGI interface the app reads ``wsgi.input`` in its own Python thread, and
that read blocks until the client sends the bytes: a client that stops mid-body held the
only thread (issue #15). Here the body is awaited on the event loop, with a deadline and a
size cap, and the app only ever sees a complete request::

    client ─ hyper (Rust) ─ __rsgi__(scope, protocol)
                              │  await the body: deadline, cap    (a stalled client waits alone)
                              ▼
                            app(environ, start_response)          (inline, or a pool of N threads)
                              │
                            protocol.response_bytes(...)          (Rust writes it; no thread waits)

A body that misses the deadline reaches the app as ``BODY_TIMED_OUT`` (the app answers 408);
one over the cap (chunked or not) reaches it with its size and no bytes, so it is refused
with 413 exactly as a too-large ``Content-Length`` is. Either way the connection then closes.
"""

from __future__ import annotations

import asyncio
import io
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable

from wave_mock.http.helpers import BODY_CUT, BODY_TIMED_OUT

Environ = dict[str, Any]
WSGIApp = Callable[[Environ, Callable[..., Any]], Iterable[bytes]]
Answer = tuple[int, list[tuple[str, str]], bytes]

_EMPTY = b""
SLOW_THREADS = 4
_NO_BODY = frozenset(("", "0"))


class WsgiBridge:
    """An RSGI application that serves the WSGI ``app`` once each request body is in."""

    def __init__(self, app: WSGIApp, threads: int, body_timeout: float, max_body: int) -> None:
        self.app = app
        self.answer_async = getattr(app, "answer_async", None)
        self.body_timeout = body_timeout
        self.max_body = max_body
        self.deadlines = Deadlines(tick=min(0.25, body_timeout / 4))
        # One thread: run the app on the loop itself (no hand-off; bench B1/B2).
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="wave-mock") if threads > 1 else None
        # ...except the requests the app calls slow (reads that grow with the data: a
        # dashboard over a million events takes up to seconds): those run on threads of
        # their own, so ingestion on the loop waits for the GIL's switch interval at most,
        # never for a whole read (bench B3d). A few threads, so one long read does not
        # queue the page's other reads behind it.
        self.is_slow = getattr(app, "is_slow_request", None)
        self.slow_pool = ThreadPoolExecutor(SLOW_THREADS, thread_name_prefix="wave-mock-slow") if self.pool is None else None
        self.base: Environ = {
            "SCRIPT_NAME": "",
            "SERVER_SOFTWARE": "wave-mock (granian)",
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
            "wsgi.multithread": threads > 1,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.deadlines.start(loop)

    def __rsgi_del__(self, loop: Any) -> None:
        for pool in (self.pool, self.slow_pool):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        environ = self.environ(scope)
        complete = await self.read_body(environ, protocol)
        # An app that can answer on the loop itself (the proxy's forwards: only the upstream is
        # awaited) saves the hand-off to a thread; anything else it declines runs as WSGI.
        answer = await self.answer_async(environ) if self.answer_async is not None and complete else None
        if answer is not None:
            status, headers, payload = answer
        else:
            pool = self.pool or (self.slow_pool if self.is_slow is not None and self.is_slow(environ) else None)
            if pool is None:
                status, headers, payload = self.call(environ)
            else:
                status, headers, payload = await asyncio.get_running_loop().run_in_executor(pool, self.call, environ)
        if not complete:
            headers.append(("Connection", "close"))  # unread bytes are left: this connection is done
        protocol.response_bytes(status, headers, payload)

    def environ(self, scope: Any) -> Environ:
        """Build the WSGI environ granian's WSGI interface would (PEP 3333 strings)."""
        environ = dict(self.base)
        server_host, _, server_port = scope.server.rpartition(":")
        environ["REQUEST_METHOD"] = scope.method
        environ["PATH_INFO"] = scope.path.encode("utf-8").decode("latin-1")
        environ["QUERY_STRING"] = scope.query_string
        environ["SERVER_NAME"] = server_host
        environ["SERVER_PORT"] = server_port
        environ["SERVER_PROTOCOL"] = "HTTP/" + scope.http_version
        environ["REMOTE_ADDR"] = scope.client.rpartition(":")[0]
        environ["wsgi.url_scheme"] = scope.scheme
        for name, value in scope.headers.items():
            key = _environ_key(name)
            if key not in environ:
                environ[key] = value
            elif key.startswith("HTTP_"):  # repeated headers join, as in granian's WSGI
                environ[key] = f"{environ[key]},{value}"
        return environ

    async def read_body(self, environ: Environ, protocol: Any) -> bool:
        """Put the body in ``wsgi.input``; tell whether all of it was read."""
        length = environ.get("CONTENT_LENGTH", "")
        # An HTTP/2 body may come without a length: read it as a stream, like a chunked one.
        chunked = "HTTP_TRANSFER_ENCODING" in environ or (not length and environ["SERVER_PROTOCOL"] == "HTTP/2")
        if not chunked and (length in _NO_BODY or not length.isdigit() or int(length) > self.max_body):
            environ["wsgi.input"] = io.BytesIO(_EMPTY)  # none, or refused by its declared size unread
            return length in _NO_BODY
        deadline = self.deadlines.after(self.body_timeout)
        try:
            body, size = await (self._chunks(protocol, deadline) if chunked else self._whole(protocol, deadline))
        except TimeoutError:
            environ[BODY_TIMED_OUT] = self.body_timeout
            environ["wsgi.input"] = io.BytesIO(_EMPTY)
            return False
        except Exception:  # granian's protocol error: the client ended before the whole body
            environ[BODY_CUT] = True
            environ["wsgi.input"] = io.BytesIO(_EMPTY)
            return False
        # The app sees a sized body: de-chunked, as a buffering proxy would pass it on.
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["CONTENT_LENGTH"] = str(size)
        environ["wsgi.input"] = io.BytesIO(body)
        return size == len(body)

    async def _whole(self, protocol: Any, deadline: float) -> tuple[bytes, int]:
        body = await self.deadlines.wait(protocol(), deadline)
        return body, len(body)

    async def _chunks(self, protocol: Any, deadline: float) -> tuple[bytes, int]:
        """Read a chunked body; past the cap, stop and report the size seen with no bytes."""
        parts: list[bytes] = []
        size = 0
        chunks = protocol.__aiter__()
        while chunk := await self.deadlines.wait(chunks.__anext__(), deadline):
            size += len(chunk)
            if size > self.max_body:
                return _EMPTY, size
            parts.append(chunk)
        return b"".join(parts), size

    def call(self, environ: Environ) -> Answer:
        """Run the WSGI app and collect its whole answer."""
        answer: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            answer[:] = [int(status.split(" ", 1)[0]), list(headers)]

        result = self.app(environ, start_response)
        try:
            payload = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return answer[0], answer[1], payload


def _environ_key(name: str) -> str:
    if name == "content-type":
        return "CONTENT_TYPE"
    if name == "content-length":
        return "CONTENT_LENGTH"
    return "HTTP_" + name.upper().replace("-", "_")


class Deadlines:
    """Cancel awaited futures that outlive their deadline, with one timer for all of them.

    A per-request ``asyncio.timeout`` cost more than the body read itself (~45 us against
    ~4 us on the bench VM); here a request pays two dict operations, and a sweep every
    ``tick`` seconds cancels what is overdue (so a deadline fires up to ``tick`` late).
    """

    def __init__(self, tick: float) -> None:
        self.tick = tick
        self.pending: dict[Any, float] = {}
        self.expired: set[Any] = set()
        self.loop: asyncio.AbstractEventLoop | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        loop.call_later(self.tick, self._sweep)

    def after(self, seconds: float) -> float:
        """Return the loop time ``seconds`` from now."""
        loop = self.loop or asyncio.get_running_loop()
        return loop.time() + seconds

    async def wait(self, future: Any, deadline: float) -> Any:
        """Await ``future``; raise TimeoutError if it is still pending at ``deadline``."""
        self.pending[future] = deadline
        try:
            return await future
        except asyncio.CancelledError:
            if future in self.expired:
                raise TimeoutError from None
            raise
        finally:
            del self.pending[future]
            self.expired.discard(future)

    def _sweep(self) -> None:
        assert self.loop is not None
        now = self.loop.time()
        for future, deadline in list(self.pending.items()):
            if deadline <= now:
                self.expired.add(future)
                future.cancel()
        self.loop.call_later(self.tick, self._sweep)
