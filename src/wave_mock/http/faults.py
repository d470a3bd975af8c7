"""Mock-only fault injection: latency, random 5xx, and Prism-style ``Prefer``."""

from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from wave_mock.errors import BEARER_CHALLENGE, ApiError, FieldError, ServiceUnavailable, ValidationFailed
from wave_mock.spec import Operation


class InjectedInternalError(ApiError):
    """A 500 the user asked for with ``--error-rate``."""

    default_message = "Injected fault: an unexpected error occurred (wave-mock --error-rate)."


@dataclass
class Faults:
    """Delay and fail WAVE requests on purpose, deterministically from a seed."""

    latency_ms: float = 0.0
    error_rate: float = 0.0
    seed: int = 0
    _rng: random.Random = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def apply(self) -> None:
        """Sleep, then maybe raise a 500 or 503; nothing is stored after a fault."""
        if self.latency_ms > 0:
            time.sleep(self.latency_ms / 1000)
        if self.error_rate <= 0:
            return
        with self._lock:
            roll, kind = self._rng.random(), self._rng.random()
        if roll < self.error_rate:
            raise ServiceUnavailable("Injected fault: service unavailable (wave-mock --error-rate).") if kind < 0.5 else InjectedInternalError()


_PREFER_CODE = re.compile(r"(?:^|[;,\s])code=(\d{3})")
_PREFER_EXAMPLE = re.compile(r"(?:^|[;,\s])example=([\w.\-]+)")


@dataclass(frozen=True)
class Preferred:
    status: int
    body: Any
    headers: dict[str, str]


def preferred_response(operation: Operation, prefer: str | None) -> Preferred | None:
    """Return the documented response a ``Prefer`` header asks for (Prism-compatible)."""
    if not prefer:
        return None
    code = _PREFER_CODE.search(prefer)
    example = _PREFER_EXAMPLE.search(prefer)
    if not code and not example:
        return None
    status = code.group(1) if code else _status_with_example(operation, example.group(1))
    name = example.group(1) if example else None
    found = operation.example(status, name) if status else None
    if found is None:
        documented = ", ".join(operation.responses)
        wanted = f"code={code.group(1)}" if code else f"example={example.group(1)}"
        raise ValidationFailed(
            f"Prefer: {wanted} is not documented for {operation.operation_id}; documented codes: {documented}.",
            [FieldError("Prefer", "names no documented response")],
        )
    body, response = found
    headers = {"Retry-After": "1"} if "Retry-After" in response.get("headers", {}) else {}
    if status == "401":
        headers.update(BEARER_CHALLENGE)  # like a real 401, so client auth handling sees the challenge
    if body is None:
        body = {"error": {"status": int(status), "code": "preferred", "message": response.get("description", "")}}
    return Preferred(int(status), body, headers)


def _status_with_example(operation: Operation, name: str) -> str | None:
    for status, response in operation.responses.items():
        examples = response.get("content", {}).get("application/json", {}).get("examples") or {}
        if name in examples:
            return status
    return None
