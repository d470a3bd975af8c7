"""The upstream: one pooled HTTP client, and the answers it gives (or the 502/504 it turns into).

urllib3 (already installed with requests) keeps connections open across requests; its
timeouts bound every wait, so an upstream that is down or slow costs the client a quick
502/504, never a hang.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import urllib3
from urllib3.exceptions import HTTPError, MaxRetryError, NewConnectionError, ProtocolError, TimeoutError as Urllib3Timeout

from wave_mock.errors import BadGateway, GatewayTimeout

# RFC 9110 7.6.1 hop-by-hop headers, plus what the proxy sets itself.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers",
    "transfer-encoding", "upgrade", "host", "content-length",
    # Asked for identity bodies: the proxy must read what it checks and records.
    "accept-encoding",
})
Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class Answer:
    """What the upstream answered."""

    status: int
    reason: str
    headers: Headers
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name), None)


def api_root(upstream: str) -> str:
    """Return the upstream origin (and path prefix) that request paths are appended to.

    >>> api_root("https://staging.example/api/v1/")
    'https://staging.example'
    """
    root = upstream.rstrip("/")
    return root[: -len("/api/v1")] if root.endswith("/api/v1") else root


def forwarded_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Return the request headers to send upstream: all but the hop-by-hop ones (auth included)."""
    return {name: value for name, value in headers if name.lower() not in HOP_BY_HOP}


class Upstream:
    """A pooled client for one upstream."""

    def __init__(self, url: str, timeout: float = 10.0, connections: int = 32) -> None:
        self.url = url
        self.root = api_root(url)
        self.timeout = timeout
        self.pool = urllib3.PoolManager(
            num_pools=4, maxsize=connections, block=False, retries=False,
            timeout=urllib3.Timeout(connect=min(timeout, 3.0), read=timeout),
        )

    def send(self, method: str, path_and_query: str, headers: dict[str, str], body: bytes | None) -> Answer:
        """Send one request; raise ``BadGateway`` (502) or ``GatewayTimeout`` (504) when it fails."""
        url = self.root + path_and_query
        try:
            response = self.pool.request(method, url, body=body or None, headers=headers, redirect=False,
                                         preload_content=True, decode_content=True)
        except (Urllib3Timeout, MaxRetryError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, Urllib3Timeout) and not isinstance(reason, NewConnectionError):
                raise GatewayTimeout(f"The upstream {self.root} did not answer within {self.timeout:g} s.") from None
            raise BadGateway(f"The upstream {self.root} could not be reached: {_short(reason)}.") from None
        except (ProtocolError, HTTPError, OSError) as exc:
            raise BadGateway(f"The upstream {self.root} broke off its answer: {_short(exc)}.") from None
        return Answer(response.status, response.reason or "", list(response.headers.items()), response.data)

    def close(self) -> None:
        self.pool.clear()


def _short(exc: object) -> str:
    text = str(exc)
    return text.split(": ", 1)[-1][:200] if text else type(exc).__name__
