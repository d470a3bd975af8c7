"""Shared helpers of the contract-test kit: the target, an HTTP client whose failures carry a curl line, event builders."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

import requests

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

    def explain(self, rule: str) -> str:
        """Return an assertion message naming the broken rule, with the reproducing curl."""
        shown = self.text if len(self.text) <= 2000 else self.text[:2000] + "…"
        return f"{rule}\n  got HTTP {self.status}: {shown}\n  reproduce: {self.curl}"


@dataclass
class Api:
    """A tiny WAVE client for behaviour tests; every reply knows how to reproduce itself."""

    base_url: str
    api_key: str | None = field(repr=False)
    session: requests.Session = field(default_factory=requests.Session)
    # Key -> the environment variable curl lines name instead of it.
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)

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
        response = self.session.send(prepared, timeout=TIMEOUT)
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        line = curl(method, prepared.url or url, sent, raw if raw is not None else body, self.secrets)
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

    def with_key(self, api_key: str | None) -> "Api":
        return Api(self.base_url, api_key, self.session, self.secrets)


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
