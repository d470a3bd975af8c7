"""Safety from the browser: which Host names and which origins the mock answers.

The mock listens on localhost with a public default key, so any page a developer visits
could otherwise read and reset it (issue #15):

- **Host.** On a loopback bind a request must name a loopback host (``localhost``,
  ``*.localhost``, ``127.0.0.0/8``, ``[::1]``, any port), else 403. A DNS-rebinding page
  reaches 127.0.0.1 under its own name, which this refuses (Vite and Jupyter do the same).
- **CORS.** Only allowed origins get ``Access-Control-Allow-Origin``: by default loopback
  origins (a dev server on ``http://localhost:5173``), or the ``--cors-origin`` list
  (``*`` for any). A preflight grants the headers it asks for.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Iterable, Mapping
from urllib.parse import urlsplit

ANY_ORIGIN = "*"
DEFAULT_ALLOWED_HEADERS = "Authorization, Content-Type, Prefer"
BASE_HEADERS = {
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": DEFAULT_ALLOWED_HEADERS,
    "Access-Control-Expose-Headers": "Retry-After, WWW-Authenticate, X-Request-Id",
    "Access-Control-Max-Age": "600",
}
# A list of header names as a preflight sends it (RFC 9110 tokens, comma-separated).
_HEADER_LIST = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*,\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$")


def is_loopback_host(host: str) -> bool:
    """Tell whether a ``Host`` header value names this machine's loopback.

    >>> [is_loopback_host(h) for h in ("localhost:8787", "[::1]", "127.0.0.1", "evil.test")]
    [True, True, True, False]
    """
    name = _host_name(host.strip().lower())
    if name is None:
        return False
    name = name.rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def _host_name(host: str) -> str | None:
    """Strip the port from a Host value; None when it is malformed."""
    if host.startswith("["):
        name, bracket, rest = host[1:].partition("]")
        if not bracket or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return None
        return name
    name, colon, port = host.partition(":")
    if colon and not port.isdigit():
        return None
    return name


class CorsPolicy:
    """Which origins may read responses, and the headers that say so."""

    def __init__(self, origins: Iterable[str] = ()) -> None:
        given = [o.strip().rstrip("/") for o in origins if o.strip()]
        self.any = ANY_ORIGIN in given
        self.origins = {o.lower() for o in given if o != ANY_ORIGIN}

    def allows(self, origin: str, host: str | None = None) -> bool:
        """Tell whether ``origin`` may read responses (the mock's own origin always may)."""
        if self.any:
            return True
        parts = urlsplit(origin.lower())
        if not parts.scheme or not parts.netloc:
            return False
        if self.origins:
            return origin.lower().rstrip("/") in self.origins or (host is not None and parts.netloc == host.lower())
        return parts.scheme in ("http", "https") and is_loopback_host(parts.netloc)

    def headers(self, origin: str | None, host: str | None) -> dict[str, str]:
        """Return the CORS headers of an answer to ``origin`` (none for a refused one)."""
        if origin is None:
            return {"Access-Control-Allow-Origin": "*", "Vary": "Origin", **BASE_HEADERS} if self.any else {"Vary": "Origin"}
        if not self.allows(origin, host):
            return {"Vary": "Origin"}
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin", **BASE_HEADERS}

    def preflight_headers(self, origin: str, host: str | None, request: Mapping[str, str]) -> dict[str, str]:
        """Return the headers that grant a preflight: the origin, and the headers it asks for."""
        headers = self.headers(origin, host)
        asked = request.get("Access-Control-Request-Headers", "").strip()
        headers["Access-Control-Allow-Headers"] = asked if asked and _HEADER_LIST.match(asked) else DEFAULT_ALLOWED_HEADERS
        if request.get("Access-Control-Request-Private-Network", "").lower() == "true":
            headers["Access-Control-Allow-Private-Network"] = "true"  # Chrome's Private Network Access
        headers["Vary"] = "Origin, Access-Control-Request-Headers, Access-Control-Request-Private-Network"
        return headers
