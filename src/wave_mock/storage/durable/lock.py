"""One server per data file: an exclusive ``flock`` on the sidecar ``FILE.lock``.

flock, not SQLite's own POSIX locks: the CLI takes the lock before the HTTP server forks
its worker, and a forked worker shares the lock (same open file), so the file stays locked
while either process lives. The kernel drops it when both are gone, ``kill -9`` included.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class DataFileInUse(Exception):
    """Another process holds the data file's lock."""


def lock_path(data_file: str | Path) -> Path:
    return Path(f"{data_file}.lock")


def acquire(data_file: str | Path) -> int:
    """Lock ``data_file`` for this process and its forks; return the lock's fd.

    Raises ``DataFileInUse`` naming the holder's pid when another server has it.
    """
    path = lock_path(data_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise DataFileInUse(
            f"{data_file} is in use by another wave-mock server (pid {holder}); "
            "stop it or choose another --data-file"
        ) from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except OSError:
        pass  # the pid only words the refusal; a full disk must not stop the lock
    return fd


def adopt(fd: int, data_file: str | Path) -> int:
    """Return ``fd`` if it is the lock of ``data_file`` inherited from our parent, else lock anew."""
    try:
        held, expected = os.fstat(fd), os.stat(lock_path(data_file))
    except OSError:
        return acquire(data_file)
    if (held.st_dev, held.st_ino) != (expected.st_dev, expected.st_ino):
        return acquire(data_file)
    return fd


def release(fd: int) -> None:
    os.close(fd)
