"""Read a ``--request-log`` and judge the client's manners: admin writes, backing off."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WRITES = frozenset(["POST", "PUT", "PATCH", "DELETE"])
# Statuses that ask the client to wait Retry-After seconds before its next request.
BACK_OFF = frozenset([429, 503])
# Clock and scheduling slack when comparing the client's next request with Retry-After.
SLACK = 0.15


@dataclass(frozen=True)
class Request:
    t: float  # arrived
    done: float  # answered
    method: str
    path: str
    key: int | None
    status: int
    retry_after: float | None

    @classmethod
    def of(cls, line: dict[str, Any]) -> "Request":
        retry = line.get("retryAfter")
        return cls(line["t"], line["done"], line["method"], line["path"], line["key"], line["status"], float(retry) if retry else None)


def read(path: Path) -> list[Request]:
    """Return the logged requests in order."""
    if not path.exists():
        return []
    return [Request.of(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def admin_writes(log: list[Request]) -> list[Request]:
    """Return the requests that would change a wave-mock's admin state (reset, clock)."""
    return [r for r in log if r.method in WRITES and r.path.startswith("/_mock/")]


def ignored_back_offs(log: list[Request]) -> list[str]:
    """Describe each time a key sent again before the Retry-After of its 429/503 had passed."""
    problems = []
    for index, told in enumerate(log):
        if told.status not in BACK_OFF or told.retry_after is None or told.key is None or told.key < 0:
            continue
        following = next((r for r in log[index + 1:] if r.key == told.key and r.t >= told.done), None)
        if following is not None and following.t - told.done < told.retry_after - SLACK:
            problems.append(f"key #{told.key}: HTTP {told.status} with Retry-After {told.retry_after:g} for {told.method} {told.path}, "
                            f"next request {following.t - told.done:.2f} s later ({following.method} {following.path})")
    return problems
