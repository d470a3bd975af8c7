"""The one-line access log, with every secret masked.

A key can reach the request line in many spellings: ``?apiKey=``, ``?APIKEY=``,
``?ap%69Key=`` (percent-encoded, which the page's ``URLSearchParams`` decodes to
``apiKey``), repeated, or under any name at all. So parameters are judged by their
*decoded* name, and any configured key or token is masked wherever it appears, decoded
or not. Control characters are escaped, so a path cannot forge extra log lines.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from typing import Iterable
from urllib.parse import unquote, unquote_plus

MASK = "***"
# A decoded parameter name containing one of these (case and punctuation ignored) is a secret.
SECRET_NAME_PARTS = ("key", "token", "secret", "password", "passwd", "auth", "bearer", "credential")
access_log = logging.getLogger("wave_mock.access")


def log_access(
    method: str, full_path: str, status: int, started: float, tenant: str | None, secrets: Iterable[str] = (),
    extra: str = "",
) -> None:
    """Write the one-line access log; secrets in the path or query never appear. ``extra`` ends the line."""
    elapsed = (time.perf_counter() - started) * 1000
    tail = f" {extra}" if extra else ""
    access_log.info("%s %s %s %.1fms tenant=%s%s", method, masked(full_path, secrets), status, elapsed, tenant or "-", tail)


def masked(full_path: str, secrets: Iterable[str] = ()) -> str:
    """Return ``full_path`` (path, ``?``, raw query) with secrets masked and control characters escaped.

    >>> masked("/_mock/ui?ap%69Key=k1&x=1&APIKEY=k2")
    '/_mock/ui?ap%69Key=***&x=1&APIKEY=***'
    """
    known = [s for s in secrets if s]
    path, question, query = full_path.partition("?")
    path = _mask_known(path, known)
    if query:
        query = "&".join(_mask_param(param, known) for param in query.split("&"))
    return _escaped(path + (question if query else "") + query)


def _mask_param(param: str, known: list[str]) -> str:
    raw_name, equals, raw_value = param.partition("=")
    value = unquote_plus(raw_value)
    if _is_secret_name(unquote_plus(raw_name)) or any(k in value or k in raw_value for k in known):
        return f"{raw_name}={MASK}" if equals else raw_name
    return _mask_known(param, known)


def _is_secret_name(name: str) -> bool:
    folded = "".join(c for c in unicodedata.normalize("NFKC", name).casefold() if c.isalnum())
    return any(part in folded for part in SECRET_NAME_PARTS)


def _mask_known(text: str, known: list[str]) -> str:
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
        decoded = unquote(text)
        if secret in decoded:
            text = decoded.replace(secret, MASK)
    return text


def _escaped(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
