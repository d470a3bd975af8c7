"""One recorded HTTP exchange, and its HAR 1.2 / JSON Lines forms, with every key redacted.

The proxy records what passes through it and the mock can export what it answered; both
write the same ``Exchange`` through this module, so browser devtools (and any HAR 1.2
reader) open either file. Redaction happens here, once: the ``Authorization`` header, any
header or query parameter whose name looks secret, and every known key wherever it appears.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any, Iterable
from urllib.parse import parse_qsl, urlsplit

from wave_mock import __version__
from wave_mock.http.accesslog import MASK, masked
from wave_mock.timeutil import format_rfc3339

SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class Exchange:
    """One request and the answer it got, as seen on the wire."""

    started: float  # epoch seconds, from the injectable clock
    method: str
    url: str  # absolute, with the query string
    request_headers: Headers
    request_body: bytes
    status: int
    response_headers: Headers
    response_body: bytes
    duration_ms: float
    status_text: str = ""
    comment: str = ""  # e.g. the contract violations found in it
    extra: dict[str, Any] = field(default_factory=dict)  # tool-specific; written as HAR "_wave"


def redact_headers(headers: Iterable[tuple[str, str]], secrets: Iterable[str] = ()) -> Headers:
    """Return ``headers`` with secret values masked.

    >>> redact_headers([("Authorization", "Bearer k1"), ("X-Trace", "k1-7"), ("Accept", "*/*")], ["k1"])
    [('Authorization', '***'), ('X-Trace', '***-7'), ('Accept', '*/*')]
    """
    known = [s for s in secrets if s]
    out: Headers = []
    for name, value in headers:
        if name.lower() in SECRET_HEADERS or any(part in name.lower() for part in ("token", "secret", "apikey", "api-key")):
            out.append((name, MASK))
            continue
        for secret in known:
            value = value.replace(secret, MASK)
        out.append((name, value))
    return out


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask every known key inside a body."""
    for secret in (s for s in secrets if s):
        text = text.replace(secret, MASK)
    return text


def redact_url(url: str, secrets: Iterable[str] = ()) -> str:
    """Mask secret query parameters and known keys in an absolute URL.

    >>> redact_url("http://h:1/api/v1/x?apiKey=k1&period=24h")
    'http://h:1/api/v1/x?apiKey=***&period=24h'
    """
    parts = urlsplit(url)
    full_path = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"{parts.scheme}://{parts.netloc}{masked(full_path, secrets)}"


def har_entry(exchange: Exchange, secrets: Iterable[str] = ()) -> dict[str, Any]:
    """Return one HAR 1.2 ``entries[]`` item for ``exchange``, keys redacted."""
    secrets = [s for s in secrets if s]
    url = redact_url(exchange.url, secrets)
    request: dict[str, Any] = {
        "method": exchange.method,
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _har_headers(redact_headers(exchange.request_headers, secrets)),
        "queryString": [{"name": k, "value": v} for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)],
        "headersSize": -1,
        "bodySize": len(exchange.request_body),
    }
    if exchange.request_body:
        request["postData"] = {
            "mimeType": _header(exchange.request_headers, "content-type") or "application/octet-stream",
            "text": redact_text(exchange.request_body.decode("utf-8", "replace"), secrets),
        }
    entry: dict[str, Any] = {
        "startedDateTime": format_rfc3339(exchange.started),
        "time": round(exchange.duration_ms, 3),
        "request": request,
        "response": {
            "status": exchange.status,
            "statusText": exchange.status_text,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": _har_headers(redact_headers(exchange.response_headers, secrets)),
            "content": _har_content(exchange, secrets),
            "redirectURL": _header(exchange.response_headers, "location") or "",
            "headersSize": -1,
            "bodySize": len(exchange.response_body),
        },
        "cache": {},
        "timings": {"send": 0, "wait": round(exchange.duration_ms, 3), "receive": 0},
    }
    if exchange.comment:
        entry["comment"] = exchange.comment
    if exchange.extra:
        entry["_wave"] = exchange.extra
    return entry


def har_document(exchanges: Iterable[Exchange], secrets: Iterable[str] = (), comment: str = "") -> dict[str, Any]:
    """Return a whole HAR 1.2 document (``{"log": ...}``) for ``exchanges``."""
    secrets = list(secrets)
    log: dict[str, Any] = {
        "version": "1.2",
        "creator": {"name": "wave-mock", "version": __version__},
        "pages": [],
        "entries": [har_entry(e, secrets) for e in exchanges],
    }
    if comment:
        log["comment"] = comment
    return {"log": log}


def jsonl_line(exchange: Exchange, secrets: Iterable[str] = ()) -> str:
    """Return one JSON Lines record (the HAR entry, compact) for ``exchange``."""
    return json.dumps(har_entry(exchange, secrets), separators=(",", ":"), ensure_ascii=False)


def read_entries(text: str) -> list[dict[str, Any]]:
    """Read HAR entries back from a HAR document or from JSON Lines of entries."""
    stripped = text.lstrip()
    if stripped.startswith("{") and '"log"' in stripped[:200]:
        return list(json.loads(text)["log"]["entries"])
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _har_headers(headers: Headers) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in headers]


def _header(headers: Headers, wanted: str) -> str | None:
    return next((value for name, value in headers if name.lower() == wanted), None)


def _har_content(exchange: Exchange, secrets: list[str]) -> dict[str, Any]:
    mime = _header(exchange.response_headers, "content-type") or "application/octet-stream"
    content: dict[str, Any] = {"size": len(exchange.response_body), "mimeType": mime}
    try:
        content["text"] = redact_text(exchange.response_body.decode("utf-8"), secrets)
    except UnicodeDecodeError:
        content["text"] = base64.b64encode(exchange.response_body).decode("ascii")
        content["encoding"] = "base64"
    return content
