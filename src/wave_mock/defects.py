"""Test-only: wave-mock with ONE planted defect, to prove the contract kit catches it.

Production code never imports this module. It wraps ``create_app`` in a WSGI middleware
that breaks one rule of the contract::

    python -m wave_mock.defects serve --defect auth_ignored --port 9000 --api-key k1 --api-key k2
    python -m wave_mock.defects list
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import click
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from wave_mock.app import create_app

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Exchange = tuple[str, str, dict[str, str], Any]  # method, path, query, JSON body

DEFECTS: dict[str, str] = {
    "auth_ignored": "requests without a valid key are served as the first key",
    "required_field_accepted": "an event without sessionId is accepted",
    "batch_limit_ignored": "batches over 100 events are stored",
    "count_as_string": "dashboard totalEvents is a string",
    "watch_time_in_ms": "avgWatchTime is in milliseconds",
    "peak_equals_total": "peakViewers equals totalViewers",
    "period_ignored": "the period parameter is ignored",
    "tenants_share_data": "every key sees the first key's data",
    "metric_filter_ignored": "metric=X returns every metric",
    "wrong_rejected_count": "batch `rejected` is always 0",
    "emoji_500": "a body with an emoji gets a 500",
    "drop_one_in_ten": "every 10th event is dropped but reported as accepted",
    "stale_metrics": "GET responses are cached for 60 seconds",
}


def forward(
    app: WSGIApp, request: Request, *, data: bytes | None = None,
    query: dict[str, str] | list[tuple[str, str]] | None = None, auth: str | None = None,
) -> Response:
    """Send a copy of ``request`` to ``app``, with another body, query or Authorization when given.

    The copy keeps the environ, so the path reaches ``app`` exactly as it was sent
    (percent-escapes included), and a chunked body arrives with a Content-Length.
    """
    body = request.get_data() if data is None else data
    environ = {key: value for key, value in request.environ.items() if key not in _BODY_KEYS}
    environ.update({"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))})
    if query is not None:
        environ["QUERY_STRING"] = urlencode(query)
    if auth is not None:
        environ["HTTP_AUTHORIZATION"] = auth
    return Response.from_app(app, environ)


# What describes the original body, replaced by the copy's (werkzeug caches the request too).
_BODY_KEYS = {"wsgi.input", "wsgi.input_terminated", "CONTENT_LENGTH", "HTTP_TRANSFER_ENCODING", "werkzeug.request"}


@dataclass
class PlantedDefect:
    """WSGI middleware around a wave-mock app that breaks exactly one rule."""

    app: WSGIApp
    name: str
    keys: list[str]
    cache: dict[str, Response] = field(default_factory=dict)
    seen: int = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        if not request.path.startswith("/api/v1/analytics"):
            return self.app(environ, start_response)
        response = self.handle(request)
        return response(environ, start_response)

    def forward(self, request: Request, *, body: Any = ..., query: dict[str, str] | None = None, auth: str | None = None) -> Response:
        """Send a (possibly edited) copy of ``request`` to the real app."""
        data = None if body is ... else json.dumps(body, ensure_ascii=False).encode()
        return forward(self.app, request, data=data, query=query, auth=auth)

    def handle(self, request: Request) -> Response:
        method = getattr(self, f"_{self.name}")
        return method(request)

    def _json(self, request: Request) -> Any:
        try:
            return json.loads(request.get_data() or b"null")
        except ValueError:
            return None

    def _edit_json(self, response: Response, edit: Callable[[Any], None]) -> Response:
        if response.status_code == 200 and response.mimetype == "application/json":
            body = json.loads(response.get_data())
            edit(body)
            response.set_data(json.dumps(body, ensure_ascii=False))
        return response

    # Planted bug: auth ignored -- a missing or unknown key is served as the first tenant.
    def _auth_ignored(self, request: Request) -> Response:
        given = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        return self.forward(request, auth=None if given in self.keys else f"Bearer {self.keys[0]}")

    # Planted bug: a missing required field (sessionId) is accepted and filled in.
    def _required_field_accepted(self, request: Request) -> Response:
        body = self._json(request)
        items = body.get("events") if isinstance(body, dict) and request.path.endswith("/batch") else [body]
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                item.setdefault("sessionId", "anonymous")
        return self.forward(request, body=body) if body is not None else self.forward(request)

    # Planted bug: the batch limit is not enforced -- big batches are split and all stored.
    def _batch_limit_ignored(self, request: Request) -> Response:
        body = self._json(request)
        if not (request.path.endswith("/batch") and isinstance(body, dict) and isinstance(body.get("events"), list) and len(body["events"]) > 100):
            return self.forward(request)
        totals = {"success": True, "accepted": 0, "rejected": 0, "errors": []}
        for start in range(0, len(body["events"]), 100):
            part = json.loads(self.forward(request, body={"events": body["events"][start:start + 100]}).get_data())
            totals["accepted"] += part.get("accepted", 0)
            totals["rejected"] += part.get("rejected", 0)
        return Response(json.dumps(totals), mimetype="application/json")

    # Planted bug: a count returned as a string.
    def _count_as_string(self, request: Request) -> Response:
        def edit(body: Any) -> None:
            if "totalEvents" in body.get("metrics", {}):
                body["metrics"]["totalEvents"] = str(body["metrics"]["totalEvents"])
        return self._edit_json(self.forward(request), edit)

    # Planted bug: avgWatchTime in milliseconds instead of seconds.
    def _watch_time_in_ms(self, request: Request) -> Response:
        def edit(body: Any) -> None:
            if "avgWatchTime" in body:
                body["avgWatchTime"] = round(body["avgWatchTime"] * 1000, 3)
        return self._edit_json(self.forward(request), edit)

    # Planted bug: peakViewers reports totalViewers.
    def _peak_equals_total(self, request: Request) -> Response:
        def edit(body: Any) -> None:
            if "peakViewers" in body:
                body["peakViewers"] = body["totalViewers"]
        return self._edit_json(self.forward(request), edit)

    # Planted bug: the period is ignored (the default is used) but echoed back.
    def _period_ignored(self, request: Request) -> Response:
        query = dict(parse_qsl(request.query_string.decode()))
        asked = query.pop("period", None)

        def edit(body: Any) -> None:
            if asked and "period" in body:
                body["period"] = asked
        return self._edit_json(self.forward(request, query=query), edit)

    # Planted bug: tenants share data -- every valid key is served as the first key's tenant.
    def _tenants_share_data(self, request: Request) -> Response:
        given = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        return self.forward(request, auth=f"Bearer {self.keys[0]}" if given in self.keys else None)

    # Planted bug: the metric filter is ignored.
    def _metric_filter_ignored(self, request: Request) -> Response:
        query = dict(parse_qsl(request.query_string.decode()))
        query.pop("metric", None)
        return self.forward(request, query=query)

    # Planted bug: a wrong rejected count (always 0).
    def _wrong_rejected_count(self, request: Request) -> Response:
        def edit(body: Any) -> None:
            if "rejected" in body:
                body["rejected"] = 0
        return self._edit_json(self.forward(request), edit)

    # Planted bug: a 500 on an emoji (any character outside the Basic Multilingual Plane).
    def _emoji_500(self, request: Request) -> Response:
        text = request.get_data().decode("utf-8", "replace") + request.path
        if any(ord(ch) > 0xFFFF for ch in text):
            error = {"error": {"status": 500, "code": "internal_error", "message": "utf8mb3 cannot store this"}}
            return Response(json.dumps(error), status=500, mimetype="application/json")
        return self.forward(request)

    # Planted bug: one event in ten is silently dropped (but counted as accepted).
    def _drop_one_in_ten(self, request: Request) -> Response:
        body = self._json(request)
        if not (request.path.endswith("/batch") and isinstance(body, dict) and isinstance(body.get("events"), list)):
            return self.forward(request)
        kept = []
        for item in body["events"]:
            self.seen += 1
            if self.seen % 10:
                kept.append(item)
        if not kept:
            return Response(json.dumps({"success": True, "accepted": len(body["events"]), "rejected": 0, "errors": []}), mimetype="application/json")
        dropped = len(body["events"]) - len(kept)

        def edit(reply: Any) -> None:
            reply["accepted"] = reply.get("accepted", 0) + dropped
        return self._edit_json(self.forward(request, body={"events": kept}), edit)

    # Planted bug: cached (stale) metrics -- GET responses are reused for 60 seconds.
    def _stale_metrics(self, request: Request) -> Response:
        if request.method != "GET":
            return self.forward(request)
        key = f"{request.full_path}|{request.headers.get('Authorization')}"
        cached = self.cache.get(key)
        if cached is None:
            cached = self.forward(request)
            if cached.status_code == 200:
                self.cache[key] = cached
        return Response(cached.get_data(), status=cached.status_code, headers=dict(cached.headers))


def defective_app(defect: str, keys: list[str]) -> WSGIApp:
    """Return a wave-mock app with the named defect planted."""
    if defect not in DEFECTS:
        raise ValueError(f"unknown defect {defect!r}; choose from {', '.join(DEFECTS)}")
    app = create_app({"API_KEYS": keys})
    return PlantedDefect(app.wsgi_app, defect, keys)


@click.group()
def cli() -> None:
    """Serve wave-mock with one planted defect (test-only)."""


@cli.command("list")
def list_defects() -> None:
    """List the defects that can be planted."""
    for name, what in DEFECTS.items():
        click.echo(f"{name:24} {what}")


@cli.command()
@click.option("--defect", type=click.Choice(list(DEFECTS)), required=True, help="The defect to plant.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", type=click.IntRange(1, 65535), required=True, help="Port to listen on.")
@click.option("--api-key", "keys", multiple=True, default=["wave_dev_key"], show_default=True, help="Accepted key (repeatable).")
def serve(defect: str, host: str, port: int, keys: tuple[str, ...]) -> None:
    """Serve the defective mock until interrupted."""
    server = make_server(host, port, defective_app(defect, list(keys)), threaded=True)
    click.echo(f"wave-mock with planted defect {defect!r} at http://{host}:{port}/api/v1")
    server.serve_forever()


if __name__ == "__main__":
    cli()
