"""Make the server's worker process die with the ``wave-mock serve`` process.

granian runs the app in a child process. When the parent was killed with SIGKILL (or
by the OOM killer), that child was re-parented to init and kept serving the port from
its memory, and appending to ``--data-file`` (issue #15). The worker asks the kernel
for SIGKILL when its parent dies (Linux ``PR_SET_PDEATHSIG``), and elsewhere watches
its parent pid. SIGKILL is safe here: a 2xx is only sent once an event is durable.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PARENT_ENV = "WAVE_MOCK_PARENT_PID"
PR_SET_PDEATHSIG = 1
POLL_SECONDS = 0.5


def die_with_parent(parent_pid: int) -> None:
    """Arrange for this process to end as soon as ``parent_pid`` is gone."""
    if not (sys.platform.startswith("linux") and _set_pdeathsig()):
        threading.Thread(target=_watch, args=(parent_pid,), name="wave-mock-parent-watch", daemon=True).start()
    # The parent may have died before the request above was made.
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGKILL)


def _set_pdeathsig() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(POLL_SECONDS)
    os.kill(os.getpid(), signal.SIGKILL)
