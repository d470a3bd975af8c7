"""Shared helpers of the contract-test kit: the target, an HTTP client whose failures carry a curl line, event builders."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

import pytest
import requests

from wave_mock.client import parse_retry_after

from .report import observations

TIMEOUT = 30.0
# How conftest hands the resolved target to test modules that need it at import time.
TARGET_ENV = "WAVE_KIT_TARGET"


@dataclass(frozen=True)
class Target:
    """The deployment under test.

    ``root_url`` is ``base_url`` without ``/api/v1``: where a wave-mock keeps ``/_mock/``.
    """

    base_url: str
    # Secrets stay out of reprs, so pytest's assertion details never print them.
    api_key: str = field(repr=False)
    second_api_key: str | None = field(default=None, repr=False)
    profile: str = "quick"
    seed: int = 0
    spec_path: str = ""
    local: bool = False
    # Held to every rule (wave-mock targets, or --strict) or to documented rules only.
    strict: bool = False
    # Seconds a read-after-write check polls before it fails (eventual consistency).
    settle: float = 30.0
    # Requests per second the kit stays under (None: no limit).
    max_rps: float | None = None
    # May the kit reset tenants and move the clock of a target it did not start?
    allow_reset: bool = False
    # Why the target is strict or not, for the summary.
    tier_reason: str = ""

    @property
    def root_url(self) -> str:
        return self.base_url.rstrip("/").removesuffix("/api/v1")

    @property
    def secrets(self) -> dict[str, str]:
        """Each key and the environment variable that reports name instead of it."""
        named = {self.api_key: "WAVE_API_KEY", self.second_api_key or "": "WAVE_SECOND_API_KEY"}
        return {key: var for key, var in named.items() if key}

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))


def target_from_env() -> Target:
    """Return the target conftest resolved for this pytest session."""
    text = os.environ.get(TARGET_ENV)
    if not text:
        raise RuntimeError(f"{TARGET_ENV} is not set: run the kit through pytest (its conftest sets it)")
    return Target(**json.loads(text))


def curl(method: str, url: str, headers: dict[str, str], body: Any = None, secrets: Mapping[str, str] | None = None) -> str:
    """Return a copy-paste curl command that repeats a request.

    ``secrets`` maps a key to the environment variable that holds it: the line names the
    variable, never the key (curl lines end up in CI logs and JUnit files).

    >>> print(curl("GET", "http://h/x", {"Authorization": "Bearer k1"}, secrets={"k1": "WAVE_API_KEY"}))
    curl -X GET http://h/x -H 'Authorization: Bearer '"$WAVE_API_KEY"
    """
    parts = ["curl", "-X", method, shlex.quote(url)]
    for name, value in headers.items():
        parts += ["-H", _quote_hiding(f"{name}: {value}", secrets or {})]
    if body is not None:
        text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
        parts += ["-d", shlex.quote(text)]
    return " ".join(parts)


def _quote_hiding(text: str, secrets: Mapping[str, str]) -> str:
    """Shell-quote ``text``, with each secret replaced by ``"$VAR"``."""
    for key, var in secrets.items():
        if key and key in text:
            return f'"${var}"'.join(_quote_hiding(piece, secrets) if piece else "" for piece in text.split(key))
    return shlex.quote(text)


@dataclass
class Reply:
    """A response plus the curl line that reproduces its request."""

    status: int
    body: Any
    text: str
    headers: dict[str, str]
    curl: str

    def get(self, name: str, default: Any = None) -> Any:
        """Return a top-level field of a JSON object body (``default`` for any other body)."""
        return self.body.get(name, default) if isinstance(self.body, dict) else default

    def explain(self, rule: str) -> str:
        """Return an assertion message naming the broken rule, with the reproducing curl."""
        shown = self.text if len(self.text) <= 2000 else self.text[:2000] + "…"
        return f"{rule}\n  got HTTP {self.status}: {shown}\n  reproduce: {self.curl}"


@dataclass
class Pacer:
    """Keeps the kit under ``--max-rps`` and waits out 429/503 answers, within a total budget.

    One pacer is shared by every client of a run, so the limit and the budget are the run's.
    """

    max_rps: float | None = None
    # Seconds the whole run may spend waiting on 429/503 before it gives up.
    budget: float = 300.0
    # Tries of one request (the first one included).
    attempts: int = 6
    spent: float = 0.0
    _next_slot: float = 0.0

    def wait_turn(self) -> None:
        """Sleep until sending one more request keeps the run under ``max_rps``."""
        if not self.max_rps:
            return
        now = time.monotonic()
        start = max(now, self._next_slot)
        self._next_slot = start + 1.0 / self.max_rps
        if start > now:
            time.sleep(start - now)

    def retry_delay(self, reply: Reply, attempt: int) -> float | None:
        """Return how long to wait before retrying a 429/503 reply, or None to give up."""
        if reply.status not in THROTTLED or attempt + 1 >= self.attempts:
            return None
        delay = min(_retry_after(reply.headers) or 0.5 * 2 ** attempt, MAX_RETRY_AFTER)
        if self.spent + delay > self.budget:
            return None
        self.spent += delay
        return delay


THROTTLED = (429, 503)
MAX_RETRY_AFTER = 30.0


def _retry_after(headers: dict[str, str]) -> float | None:
    """Read a ``Retry-After`` in seconds, whatever the header's case."""
    return parse_retry_after(next((v for k, v in headers.items() if k.lower() == "retry-after"), None))


@dataclass
class Api:
    """A tiny WAVE client for behaviour tests; every reply knows how to reproduce itself.

    429 and 503 answers are retried after ``Retry-After`` (bounded by the pacer's attempts
    and budget) and counted for the summary; a request still throttled after that skips the
    test, because a 429 alone is never a failure.
    """

    base_url: str
    api_key: str | None = field(repr=False)
    session: requests.Session = field(default_factory=requests.Session)
    # Key -> the environment variable curl lines name instead of it.
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    pacer: Pacer = field(default_factory=Pacer)

    def request(
        self, method: str, path: str, *, body: Any = None, params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None, raw: str | None = None,
    ) -> Reply:
        """Send one request; ``path`` is relative to the base URL (or absolute)."""
        url = path if path.startswith("http") else self.base_url.rstrip("/") + path
        sent = dict(headers or {})
        if self.api_key is not None and "Authorization" not in sent:
            sent["Authorization"] = f"Bearer {self.api_key}"
        data: bytes | None = None
        if body is not None or raw is not None:
            sent.setdefault("Content-Type", "application/json")
            text = raw if raw is not None else json.dumps(body, ensure_ascii=False)
            data = text.encode("utf-8")
        prepared = requests.Request(method, url, headers=sent, params=params, data=data).prepare()
        line = curl(method, prepared.url or url, sent, raw if raw is not None else body, self.secrets)
        for attempt in range(self.pacer.attempts):
            reply = self._send(prepared, line)
            if reply.status in THROTTLED:
                observations().record_status(reply.status)
            delay = self.pacer.retry_delay(reply, attempt)
            if delay is None:
                break
            time.sleep(delay)
        if reply.status == 429:
            pytest.skip(f"the target kept answering 429 after {attempt + 1} tries ({self.pacer.spent:.0f} s of the retry budget used); "
                        f"a rate limit is not a contract failure: lower --max-rps\n  last request: {line}")
        return reply

    def _send(self, prepared: requests.PreparedRequest, line: str) -> Reply:
        self.pacer.wait_turn()
        response = self.session.send(prepared, timeout=TIMEOUT)
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        return Reply(response.status_code, parsed, response.text, dict(response.headers), line)

    def track(self, event: dict[str, Any], **kw: Any) -> Reply:
        return self.request("POST", "/analytics/events", body=event, **kw)

    def batch(self, events: list[Any], **kw: Any) -> Reply:
        return self.request("POST", "/analytics/events/batch", body={"events": events}, **kw)

    def stream(self, stream_id: str, period: str | None = None) -> Reply:
        params = {"period": period} if period else None
        return self.request("GET", f"/analytics/stream/{requests.utils.quote(stream_id, safe='')}", params=params)

    def dashboard(self, period: str | None = None, metric: str | None = None) -> Reply:
        params = {k: v for k, v in (("period", period), ("metric", metric)) if v}
        return self.request("GET", "/analytics/dashboards", params=params or None)

    def admin(self, method: str, root_url: str, path: str, body: Any = None) -> Reply:
        """Call wave-mock's inspection API (``{root}/_mock{path}``) with this client's key."""
        return self.request(method, f"{root_url}/_mock{path}", body=body)

    def with_key(self, api_key: str | None) -> "Api":
        return Api(self.base_url, api_key, self.session, self.secrets, self.pacer)


def unique(prefix: str) -> str:
    """Return an id no earlier run used, so tests work on shared, long-lived targets."""
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


def event(name: str, session: str, stream: str | None = None, *, event_type: str = "stream", **extra: Any) -> dict[str, Any]:
    """Build a valid event body.

    >>> event("viewer.joined", "s1", "str_1")["properties"]
    {'streamId': 'str_1'}
    """
    body: dict[str, Any] = {"eventType": event_type, "eventName": name, "sessionId": session}
    properties = dict(extra.pop("properties", {}))
    if stream is not None:
        properties["streamId"] = stream
    if properties:
        body["properties"] = properties
    body.update(extra)
    return body


def rfc3339(moment: datetime) -> str:
    """Format an aware datetime as RFC 3339 UTC with a Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def days_ago(days: float, now: datetime | None = None) -> str:
    """Return the RFC 3339 time ``days`` before ``now`` (default: the real now)."""
    return rfc3339((now or datetime.now(timezone.utc)) - timedelta(days=days))
