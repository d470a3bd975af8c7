"""Serve the app with granian, a production HTTP server (chosen by measurement, see bench/).

    wave-mock serve ── binds the port (listen.py), prints it, starts granian
        └── worker process ── dies with its parent (orphan.py)
              └── RSGI bridge (bridge.py): bodies read on the event loop with a deadline
                    └── the Flask app (+ its WSGI fast path), on 1 thread or a pool
"""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
from typing import Any

from wave_mock.server.bridge import WsgiBridge
from wave_mock.server.orphan import PARENT_ENV, die_with_parent

CONFIG_ENV = "WAVE_MOCK_CONFIG"
DEFAULT_BODY_TIMEOUT = 10.0
# Connections served at once (granian holds one permit per open connection, idle or not).
MAX_CONNECTIONS = 4096
# Seconds a stopping worker gets before it is killed: a stop never waits on a stuck request.
WORKER_STOP_GRACE = 10


def app_from_env() -> WsgiBridge:
    """Build the app in the server's worker from the settings the CLI put in the environment."""
    die_with_parent(int(os.environ[PARENT_ENV]))
    import importlib
    import logging

    from wave_mock.app import create_app
    from wave_mock.http.jsonbody import MAX_BODY_BYTES

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = json.loads(os.environ[CONFIG_ENV])
    factory = create_app
    if settings.get("factory"):  # e.g. the contract proxy's create_proxy_app
        module, _, name = settings["factory"].partition(":")
        factory = getattr(importlib.import_module(module), name)
    app = factory(settings["config"])
    return WsgiBridge(app, settings["threads"], settings["body_timeout"], MAX_BODY_BYTES)


def _accept_stop_signals() -> None:
    """Let SIGTERM and SIGINT through even if whoever started us blocked or ignored them.

    A blocked mask and an ignored signal survive exec, so a launcher's (a test runner's
    threads, a supervisor) would make ``serve`` deaf to a stop until granian installs its
    handlers, and a stop sent before then was lost.
    """
    stops = {signal.SIGTERM, signal.SIGINT}
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)
    for stop in stops:
        if signal.getsignal(stop) is signal.SIG_IGN:
            signal.signal(stop, signal.SIG_DFL if stop == signal.SIGTERM else signal.default_int_handler)


def _end_a_starting_worker_on_stop_signals() -> None:
    """Make SIGTERM/SIGINT end the forked worker until granian installs its own handlers.

    The worker is forked with granian's parent handler, which only flags the parent's copy of
    the server: a stop that reached it during granian's start-up (before the app even loads)
    was swallowed, and the parent then waited for it forever. Resetting them at the fork
    itself leaves no window.
    """
    def reset() -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    os.register_at_fork(after_in_child=reset)


def serve(
    config: dict[str, Any],
    sock: socket.socket,
    threads: int,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
    factory: str | None = None,
    tls: tuple[str, str] | None = None,
) -> None:
    """Serve on the bound ``sock`` until interrupted; one worker process (the state is in memory).

    ``factory`` ("module:function") builds another WSGI app from ``config`` (default: the mock's).
    ``tls`` is (certificate, key) PEM files: granian itself then speaks HTTPS (TLS 1.2+).
    """
    from pathlib import Path

    from granian.constants import Interfaces, Loops, SSLProtocols
    from granian.http import HTTP1Settings

    _accept_stop_signals()
    _end_a_starting_worker_on_stop_signals()
    os.environ[CONFIG_ENV] = json.dumps({"config": config, "threads": threads, "body_timeout": body_timeout, "factory": factory})
    os.environ[PARENT_ENV] = str(os.getpid())
    connections = _raise_open_files_limit(MAX_CONNECTIONS)
    server = _server_on(sock)(
        "wave_mock.server:app_from_env",
        address=sock.getsockname()[0],
        port=sock.getsockname()[1],
        interface=Interfaces.RSGI,
        workers=1,
        factory=True,
        loop=Loops.asyncio,
        backpressure=connections,
        workers_kill_timeout=WORKER_STOP_GRACE,
        # Headers (and an idle keep-alive connection's next request) get the body's deadline.
        http1_settings=HTTP1Settings(header_read_timeout=int(body_timeout * 1000)),
        log_access=False,
        log_level="error",
        ssl_cert=Path(tls[0]) if tls else None,
        ssl_key=Path(tls[1]) if tls else None,
        ssl_protocol_min=SSLProtocols.tls12,
    )
    server.serve()


def _server_on(sock: socket.socket) -> type:
    """Return granian's server class, made to listen on ``sock`` instead of binding its own."""
    from granian._granian import SocketHolder
    from granian.server import MPServer

    class BoundServer(MPServer):  # type: ignore[misc, valid-type]
        def _init_shared_socket(self) -> None:
            # granian's non-Linux path: one socket, shared by the forked worker.
            sock.set_inheritable(True)
            self._ssp = None
            self._shd = SocketHolder(sock.fileno(), False, self.backlog)
            self._sfd = sock.fileno()
            self._sso = sock

    return BoundServer


def _raise_open_files_limit(wanted: int) -> int:
    """Raise the soft open-files limit towards ``wanted`` connections; return what fits."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted + 256 if hard == resource.RLIM_INFINITY else min(hard, wanted + 256)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return max(64, min(wanted, soft - 256)) if soft != resource.RLIM_INFINITY else wanted
