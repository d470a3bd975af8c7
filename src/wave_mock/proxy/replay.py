"""``wave-mock contract --replay FILE``: re-check recorded exchanges offline, with the proxy's checker.

Reads a HAR 1.2 file (the proxy's ``--record x.har``, or a browser's devtools export) or JSON
Lines of HAR entries, and judges each WAVE exchange in it::

    #3 POST /api/v1/analytics/events -> 400
       request sessionId: is required (required)
    1 violation in 1 of 12 exchanges (documented view)
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from wave_mock.har import read_entries
from wave_mock.proxy.checker import API_PREFIX, Checker, Violation


@dataclass(frozen=True)
class Judged:
    number: int
    method: str
    path: str
    status: int
    violations: list[Violation]


def judge_file(path: str | Path, checker: Checker) -> list[Judged]:
    """Check every entry of a recording; one ``Judged`` per WAVE exchange."""
    out = []
    for number, entry in enumerate(read_entries(Path(path).read_text(encoding="utf-8")), start=1):
        judged = judge_entry(number, entry, checker)
        if judged is not None:
            out.append(judged)
    return out


def judge_entry(number: int, entry: dict[str, Any], checker: Checker) -> Judged | None:
    """Check one HAR entry; None when it is not a WAVE API call the spec describes."""
    request, response = entry["request"], entry["response"]
    url = urlsplit(request["url"])
    at = url.path.find(API_PREFIX)
    if at < 0:
        return None
    path = url.path[at:]
    if checker.route(request["method"], path) is None:
        return None
    post = request.get("postData") or {}
    content = response.get("content") or {}
    found = checker.check(
        request["method"], path, parse_qsl(url.query, keep_blank_values=True), post.get("mimeType"),
        (post.get("text") or "").encode(), int(response["status"]), content.get("mimeType"), _content_bytes(content),
    )
    return Judged(number, request["method"], path + (f"?{url.query}" if url.query else ""), int(response["status"]), found)


def report(judged: list[Judged], view: str) -> tuple[str, int]:
    """Return the printed report and the number of violations."""
    lines, total = [], 0
    for item in judged:
        if not item.violations:
            continue
        total += len(item.violations)
        lines.append(f"#{item.number} {item.method} {item.path} -> {item.status}")
        lines.extend(f"   {violation}" for violation in item.violations)
    bad = sum(1 for item in judged if item.violations)
    noun = "violation" if total == 1 else "violations"
    lines.append(f"{total} {noun} in {bad} of {len(judged)} exchanges ({view})")
    return "\n".join(lines), total


def _content_bytes(content: dict[str, Any]) -> bytes:
    text = content.get("text") or ""
    return base64.b64decode(text) if content.get("encoding") == "base64" else text.encode()
