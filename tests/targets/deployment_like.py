"""A deployment-like WAVE target: correct per the docs, but not wave-mock (issue 14, item 11).

A real wave-mock with ``--ingest-lag`` and ``--rate-limit`` sits inside, behind a layer that
makes it look like another team's implementation. Everything it does is allowed by the WAVE
docs (``/work/shared/seed/``); everything wave-mock merely *decided* is done differently::

    client ──> RequestLog ──> [planted defect] ──> DeploymentLike ──> wave-mock app
                                                      │               (ingest lag, rate limit)
                                                      ├─ no /_mock/, no spec: 404 in its own style
                                                      ├─ 503 + Retry-After now and then (seeded)
                                                      ├─ unknown event fields (``timestamp``...) stripped
                                                      └─ answers in its own shapes (below)

Differences from wave-mock, each one a decision the docs leave open:
- errors: ``{"title", "status", "detail", "invalidParams"}``, and 422 where wave-mock says 400;
- batch responses: ``success``, ``accepted``, ``rejected`` only (no per-item ``errors``);
- dashboards: its own metric names (``OWN_METRICS``); ``metric=NAME`` filters to one of them,
  and a name it does not know filters to nothing (``metrics: {}``);
- stream analytics: the documented fields only, ``quality`` in its own shape, and 200 with
  zeros for a stream it has no events for.

Run it from the repository root::

    python -m tests.targets.deployment_like --port 9000 --api-key a --api-key b [--defect NAME]
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request, Response

from wave_mock.app import create_app
from wave_mock.defects import forward

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

PREFIX = "/api/v1/analytics"
ROUTES = {f"{PREFIX}/events": "POST", f"{PREFIX}/events/batch": "POST", f"{PREFIX}/dashboards": "GET"}
STREAM_PREFIX = f"{PREFIX}/stream/"
HEALTH_PATH = "/health"
# The documented event fields; anything else is dropped before storing (the docs list no others).
EVENT_FIELDS = frozenset(["eventType", "eventName", "sessionId", "properties", "userId", "anonymousId", "experiments", "platform"])
# Its own dashboard vocabulary -> the wave-mock metric it is computed from.
OWN_METRICS = {
    "eventCount": "totalEvents",
    "activeUsers": "uniqueUsers",
    "sessionCount": "uniqueSessions",
    "viewerCount": "totalViewers",
    "watchSeconds": "totalWatchTime",
    "eventsPerType": "eventsByType",
    "popularEvents": "topEvents",
}
# The documented stream fields it answers with (quality is documented as an optional object).
STREAM_FIELDS = ("streamId", "totalViewers", "peakViewers", "avgWatchTime", "totalDuration")
# Its own quality object (documented only as "Quality metrics") -> wave-mock's field.
OWN_QUALITY = {"startupMs": "avgStartupTimeMs", "rebufferRatio": "rebufferRatio", "errors": "errorCount"}
DEFAULT_LAG = 3.0
DEFAULT_RATE = 20.0
DEFAULT_UNAVAILABLE = 0.02


def problem(status: int, detail: str, invalid: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None) -> Response:
    """Render its own error shape (not wave-mock's ``{"error": {...}}``)."""
    body: dict[str, Any] = {"title": HTTP_STATUS_CODES.get(status, "Error"), "status": status, "detail": detail}
    if invalid:
        body["invalidParams"] = invalid
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


def _json(response: Response) -> Any:
    try:
        return json.loads(response.get_data())
    except ValueError:
        return None


@dataclass
class DeploymentLike:
    """WSGI app: route, maybe answer 503, rewrite the request, forward to wave-mock, translate."""

    mock: WSGIApp
    unavailable_rate: float = DEFAULT_UNAVAILABLE
    seed: int = 0
    _dice: random.Random = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self._dice = random.Random(self.seed)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # HEAD is answered as GET; werkzeug leaves the body out because the client's environ says HEAD.
        inner = {**environ, "REQUEST_METHOD": "GET"} if environ.get("REQUEST_METHOD") == "HEAD" else environ
        return self.handle(Request(inner))(environ, start_response)

    def handle(self, request: Request) -> Response:
        path = request.path
        if path == HEALTH_PATH:
            return Response(json.dumps({"status": "ok"}), mimetype="application/json")
        method = ROUTES.get(path) or ("GET" if path.startswith(STREAM_PREFIX) and len(path) > len(STREAM_PREFIX) else None)
        if method is None:
            return problem(404, f"No route for {path}.")
        if request.method != method:
            return problem(405, f"{request.method} is not allowed here.", headers={"Allow": method})
        if self._unlucky():
            return problem(503, "Temporarily overloaded; retry shortly.", headers={"Retry-After": "1"})
        if path.startswith(STREAM_PREFIX):
            return self.stream(request, path[len(STREAM_PREFIX):])
        if path.endswith("/dashboards"):
            return self.dashboard(request)
        return self.ingest(request)

    def _unlucky(self) -> bool:
        with self._lock:
            return self._dice.random() < self.unavailable_rate

    def ingest(self, request: Request) -> Response:
        """Forward an event or batch with only the documented fields; drop per-item errors."""
        reply = forward(self.mock, request, data=_documented_fields(request.get_data(), request.path.endswith("/batch")))
        body = _json(reply)
        if reply.status_code != 200 or not isinstance(body, dict):
            return self.translated_error(reply)
        body.pop("errors", None)
        return Response(json.dumps(body), mimetype="application/json")

    def dashboard(self, request: Request) -> Response:
        """Answer with its own metric names; ``metric`` picks one of them (an unknown one, none)."""
        asked = request.args.getlist("metric")
        query = [(k, v) for k, v in request.args.items(multi=True) if k != "metric"]
        if len(asked) == 1 and asked[0] in OWN_METRICS:
            query.append(("metric", OWN_METRICS[asked[0]]))
        elif len(asked) > 1:
            query += [("metric", name) for name in asked]  # repeated: the mock refuses it
        reply = forward(self.mock, request, query=query)
        body = _json(reply)
        if reply.status_code != 200 or not isinstance(body, dict):
            return self.translated_error(reply)
        theirs = body["metrics"]
        metrics = {own: theirs[name] for own, name in OWN_METRICS.items() if name in theirs}
        if asked:
            metrics = {own: value for own, value in metrics.items() if own == asked[0]}
        return Response(json.dumps({"period": body["period"], "metrics": metrics}), mimetype="application/json")

    def stream(self, request: Request, stream_id: str) -> Response:
        """Answer with the documented fields only; zeros for a stream without events."""
        reply = forward(self.mock, request)
        body = _json(reply)
        if reply.status_code == 404 and isinstance(body, dict) and body.get("error", {}).get("code") == "not_found":
            zeros = {"streamId": stream_id, "totalViewers": 0, "peakViewers": 0, "avgWatchTime": 0, "totalDuration": 0}
            return Response(json.dumps(zeros), mimetype="application/json")
        if reply.status_code != 200 or not isinstance(body, dict):
            return self.translated_error(reply)
        answer = {name: body[name] for name in STREAM_FIELDS}
        quality = body.get("quality") or {}
        answer["quality"] = {own: quality.get(name) for own, name in OWN_QUALITY.items()}
        return Response(json.dumps(answer), mimetype="application/json")

    def translated_error(self, reply: Response) -> Response:
        """Re-render wave-mock's error in its own shape; 422 for what wave-mock calls 400."""
        error = (_json(reply) or {}).get("error") or {}
        status = 422 if reply.status_code in (400, 409) else reply.status_code
        invalid = [{"name": d.get("field", ""), "reason": d.get("message", "")} for d in error.get("details") or []]
        detail = "Rate limit exceeded." if status == 429 else error.get("message") or HTTP_STATUS_CODES.get(status, "Error")
        kept = {name: reply.headers[name] for name in ("Retry-After", "WWW-Authenticate", "Allow") if name in reply.headers}
        return problem(status, detail, invalid, kept)


def _documented_fields(raw: bytes, batch: bool) -> bytes | None:
    """Return the body with unknown fields removed, or None to send it unchanged.

    Unchanged when nothing was removed or it is not a JSON object: the mock then judges it.
    """
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    if batch:  # unknown envelope keys go too; a missing or odd `events` is left for the mock to refuse
        events = body.get("events")
        cleaned: Any = {"events": [_strip(e) for e in events] if isinstance(events, list) else events} if "events" in body else {}
    else:
        cleaned = _strip(body)
    # ASCII escapes: a lone surrogate the client sent must reach the mock, not crash here.
    return None if cleaned == body else json.dumps(cleaned).encode()


def _strip(item: Any) -> Any:
    return {k: v for k, v in item.items() if k in EVENT_FIELDS} if isinstance(item, dict) else item


def deployment_app(
    keys: list[str], *, lag: float = DEFAULT_LAG, rate: float | None = DEFAULT_RATE,
    unavailable_rate: float = DEFAULT_UNAVAILABLE, seed: int = 0,
) -> DeploymentLike:
    """Build the clean target around a fresh wave-mock with the realism switches on."""
    mock = create_app({"API_KEYS": keys, "INGEST_LAG": lag, "RATE_LIMIT": rate, "CORS": False, "ACCESS_LOG": False})
    return DeploymentLike(mock.wsgi_app, unavailable_rate, seed)


if __name__ == "__main__":
    from tests.targets.process import main

    main()
