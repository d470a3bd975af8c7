"""Start a real ``wave-mock serve`` process on a free port, for tests and the contract kit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Sequence

import requests


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MockServer:
    """A ``wave-mock serve`` subprocess; use as a context manager.

    >>> with MockServer(["--api-key", "k1"]) as server:  # doctest: +SKIP
    ...     server.base_url
    'http://127.0.0.1:PORT/api/v1'

    Subclasses start other servers the same way by overriding ``command``, ``health_path``
    and ``cwd`` (tests/targets/ starts a deployment-like target).
    """

    health_path = "/_mock/health"  # answers 200 once the server is up
    cwd: Path | None = None  # where the command runs (None: here)

    def __init__(self, args: Sequence[str] = (), port: int | None = None, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self.args = list(args)
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def scheme(self) -> str:
        """``https`` when the server was given ``--tls-cert``."""
        return "https" if "--tls-cert" in self.args else "http"

    @property
    def root_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/api/v1"

    def command(self) -> list[str]:
        """Return the command line that starts the server."""
        return [sys.executable, "-m", "wave_mock", "serve", "--port", str(self.port), *self.args]

    def start(self, timeout: float = 30.0) -> "MockServer":
        """Start the process and wait until ``health_path`` answers."""
        command = self.command()
        output = self.log_path.open("ab") if self.log_path else subprocess.DEVNULL
        # A new session, so stop() reaches the server's worker processes too.
        self.process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=dict(os.environ), start_new_session=True, cwd=self.cwd
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}: {' '.join(command)}")
            try:
                if self._health() == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"{' '.join(command[:4])} did not answer on port {self.port} within {timeout}s")

    def _health(self) -> int:
        with warnings.catch_warnings():
            # Only "is it up": a TLS test checks the certificate itself (urllib3 warns on verify=False).
            warnings.simplefilter("ignore")
            return requests.get(f"{self.root_url}{self.health_path}", timeout=1, verify=False).status_code

    def stop(self, kill: bool = False) -> None:
        """Stop the process (SIGKILL when ``kill``)."""
        if self.process is None or self.process.poll() is not None:
            return
        group = os.getpgid(self.process.pid)
        os.killpg(group, signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait()
        _wait_for_group_exit(group)

    def __enter__(self) -> "MockServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _wait_for_group_exit(group: int, timeout: float = 10.0) -> None:
    """Wait until no process of ``group`` is left (the server's workers hold the port)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    try:
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        pass
