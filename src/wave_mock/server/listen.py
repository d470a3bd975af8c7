"""Bind the listening socket in the ``wave-mock serve`` process, alone on its port.

granian binds with SO_REUSEPORT, so a second server on the same port started silently
and the kernel split connections between two separate stores (issue #15). Binding here,
without SO_REUSEPORT, makes that an error, lets ``--port 0`` report the port it got, and
turns every bind failure into one line instead of a traceback.
"""

from __future__ import annotations

import errno
import socket

import requests

BACKLOG = 1024


class BindError(Exception):
    """The address could not be bound; the message is one line for the user."""


def bind(host: str, port: int, backlog: int = BACKLOG) -> socket.socket:
    """Return a listening TCP socket on ``host:port``, or raise ``BindError``."""
    family, address = _resolve(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # SO_REUSEADDR only lets a restart reuse a port whose old connections are in
        # TIME_WAIT; on Linux it never allows two listeners (SO_REUSEPORT would).
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        raise BindError(_explain(host, port, exc)) from None
    return sock


def bound_port(sock: socket.socket) -> int:
    """Return the port ``sock`` is bound to (the real one after ``--port 0``)."""
    return sock.getsockname()[1]


def _resolve(host: str, port: int) -> tuple[socket.AddressFamily, tuple]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise BindError(f"cannot listen on {host!r}: {exc.strerror}; pass an IP address or a local host name with --host") from None
    family, _, _, _, address = infos[0]
    return family, address


def _explain(host: str, port: int, exc: OSError) -> str:
    where = f"{_shown(host)}:{port}"
    if exc.errno == errno.EADDRINUSE:
        holder = "another wave-mock is already serving" if _is_wave_mock(host, port) else "another program is using"
        return f"{holder} {where}; stop it, or pick another port with --port (--port 0 picks a free one)"
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on {where} (ports below 1024 need privileges); pick another port with --port"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {where}: {host} is not an address of this machine; check --host"
    return f"cannot listen on {where}: {exc.strerror or exc}"


def _is_wave_mock(host: str, port: int) -> bool:
    """Tell whether a wave-mock answers on ``host:port`` (its health check names its shape)."""
    probe = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)
    try:
        answer = requests.get(f"http://{_shown(probe)}:{port}/_mock/health", timeout=1)
        return answer.status_code == 200 and answer.json().get("status") == "ok"
    except (requests.RequestException, ValueError, AttributeError):
        return False


def _shown(host: str) -> str:
    return f"[{host}]" if ":" in host else host
