"""Local worker processes: each in its own process group, stopped by group, never outliving the master."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM if the master dies, even by SIGKILL (Linux; elsewhere a no-op)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


@dataclass
class LocalWorkers:
    """``count`` ``wave-mock load --worker`` processes connected to a master on this machine."""

    count: int
    master_port: int
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> LocalWorkers:
        command = [sys.executable, "-m", "wave_mock", "load", "--worker", "--master-host", "127.0.0.1",
                   "--master-port", str(self.master_port)]
        for _ in range(self.count):
            self.processes.append(subprocess.Popen(
                command, stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_die_with_parent))
        return self

    def exited(self) -> list[int]:
        """Return the pids of workers that have exited."""
        return [p.pid for p in self.processes if p.poll() is not None]

    def stop(self, grace: float = 5.0) -> None:
        """Wait briefly for a clean exit (the master sent quit), then kill each worker's process group."""
        deadline = time.monotonic() + grace
        for proc in self.processes:
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.01))
            except subprocess.TimeoutExpired:
                pass
        for proc in self.processes:
            _kill_group(proc)

    def __enter__(self) -> LocalWorkers:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group led by a still-running ``proc`` and reap it.

    Only while it runs: once reaped, its pid (and so the group id) may belong to someone else.
    """
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
