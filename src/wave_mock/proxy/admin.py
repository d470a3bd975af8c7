"""The proxy's own routes under /_mock/ (every other /_mock/ path goes to the upstream).

    GET /_mock/health       the proxy's status: its upstream, the spec view, the mode
    GET /_mock/violations   contract violations of this key's exchanges, newest first
    GET /_mock/drift        compare a stream (streamId=) or the dashboard (period=) now; and the history
    GET /_mock/events       the shadow store: events the upstream accepted (the page's feed)
    GET /_mock/rejected     requests the upstream, or the proxy in enforce mode, refused
    GET /_mock/clock        the upstream's clock when it has one, else real time
    GET /_mock/ui           the inspection page, with its contract panel
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, current_app, request

from wave_mock import ui
from wave_mock.auth import bearer_token, tenant_of
from wave_mock.errors import ApiError, FieldError, ValidationFailed
from wave_mock.http.admin import stored_event_json
from wave_mock.http.helpers import Route, add_routes, json_response, query_params_from
from wave_mock.proxy.drift import DASHBOARD, MEANING, STREAM
from wave_mock.proxy.state import ProxyState
from wave_mock.timeutil import format_rfc3339

routes = Blueprint("proxy_admin", __name__, url_prefix="/_mock")
MAX_LIMIT = 1000


def proxy() -> ProxyState:
    return current_app.extensions["wave_mock_proxy"]


def health() -> Response:
    p = proxy()
    return json_response({"status": "ok", "mode": "proxy", "upstream": p.upstream.url, "view": p.checker.view,
                          "enforce": p.enforce, "recording": p.recorder is not None})


def violations() -> Response:
    p, key = proxy(), _key()
    tenant = tenant_of(key)
    return json_response({"view": p.checker.view, "summary": p.ledger.summary(tenant),
                          "violations": p.ledger.violations(tenant, _limit())})


def drift() -> Response:
    p, key = proxy(), _key()
    stream_id, period, metric = request.args.get("streamId"), request.args.get("period"), request.args.get("metric")
    report = None
    if stream_id is not None or period is not None:
        operation = STREAM if stream_id is not None else DASHBOARD
        given = [(name, value) for name, value in (("period", period), ("metric", metric)) if value is not None]
        query_params_from(p.checker.spec.operations[operation], given)  # a bad period: 400 here, not a useless read
        if stream_id == "":
            raise ValidationFailed("streamId must not be empty.", [FieldError("streamId", "must not be empty")])
        report = p.drift.check(key, operation, dict(given), stream_id)
    history = p.drift.reports(tenant_of(key), _limit())
    return json_response({"meaning": MEANING, "settleSeconds": p.drift.settle, "tolerance": p.drift.tolerance,
                          "check": report, "history": history})


def events() -> Response:
    p = proxy()
    tenant = p.shadow.tenant(_key())
    found = p.shadow.store.events(tenant, limit=_limit(), stream_id=request.args.get("streamId") or None,
                                  event_name=request.args.get("eventName") or None,
                                  session_id=request.args.get("sessionId") or None)
    rendered = [_marked(stored_event_json(e), p.marks.get(e.event_id)) for e in found]
    return json_response({"count": len(rendered), "events": rendered})


def rejected() -> Response:
    p = proxy()
    entries = p.shadow.store.rejected(p.shadow.tenant(_key()), limit=_limit())
    return json_response({"count": len(entries), "rejected": entries})


def clock() -> Response:
    p, key = proxy(), _key()
    now = p.clock.now(key, fresh=True)
    reading = p.clock.readings.get(key)
    return json_response({"now": format_rfc3339(now), "frozen": bool(reading and reading.frozen_at is not None),
                          "source": p.clock.source(key)})


ROUTES: list[Route] = [
    ("GET", "/health", "health", health),
    ("GET", "/violations", "listViolations", violations),
    ("GET", "/drift", "checkDrift", drift),
    ("GET", "/events", "listEvents", events),
    ("GET", "/rejected", "listRejected", rejected),
    ("GET", "/clock", "getClock", clock),
]
OWNED = frozenset(f"/_mock{rule}" for method, rule, _, _ in ROUTES)

add_routes(routes, ROUTES)


def owns(method: str, path: str) -> bool:
    """Tell whether the proxy answers this path itself (the rest is forwarded)."""
    return path == "/_mock/ui" or path.startswith("/_mock/ui/") or (method in ("GET", "HEAD") and path in OWNED)


def _key() -> str:
    return bearer_token(request.headers.get("Authorization"))


def _limit() -> int:
    raw = request.args.get("limit", "100")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ValidationFailed("Invalid query parameter.", [FieldError("limit", f"must be an integer from 1 to {MAX_LIMIT}")])
    return int(raw)


def _marked(event: dict[str, Any], contract: dict[str, Any] | None) -> dict[str, Any]:
    return {**event, "contract": contract} if contract else event


def create_admin_app(state: ProxyState) -> Flask:
    """The Flask app behind the proxy's own routes."""
    app = Flask("wave_mock.proxy")
    app.json.sort_keys = False
    app.extensions["wave_mock_proxy"] = state
    app.register_blueprint(routes)
    ui.init_app(app)

    @app.errorhandler(ApiError)
    def render_api_error(error: ApiError) -> Response:
        return json_response(error.to_json(), error.status, error.headers)

    @app.errorhandler(404)
    @app.errorhandler(405)
    def render_http_error(error: Any) -> Response:
        generic = ApiError(getattr(error, "description", "Not found."))
        generic.status, generic.code = error.code, "not_found" if error.code == 404 else "method_not_allowed"
        return render_api_error(generic)

    return app
