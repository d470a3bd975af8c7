"""The WAVE routes: parse -> call the domain -> respond. No business logic here."""

from __future__ import annotations

from typing import Any, Callable

from flask import Blueprint, Flask, Response, g, request

from wave_mock.analytics import UnknownMetric, dashboard_metrics, stream_analytics
from wave_mock.auth import bearer_token
from wave_mock.errors import ApiError, FieldError, NotFound, ValidationFailed
from wave_mock.http.faults import preferred_response
from wave_mock.http.helpers import (
    Parsed,
    TENANT_KEY,
    Route,
    add_routes,
    json_object_from,
    json_response,
    path_params,
    query_params,
    raw_preview,
    request_body,
)
from wave_mock.ingest import Ingestor, body_preview
from wave_mock.http.jsonbody import parse_object
from wave_mock.state import state

BASE_PATH = "/api/v1"
# Compatibility routes for the official wave-sdk (its ``pulse`` module calls
# ``{base}/v1/analytics/...`` and ``streams/{id}``): the same views under other paths.
# The spec keeps the documented paths only.
ALIAS_PREFIXES = ("/v1",)
STREAM_ALIAS = ("/analytics/stream/", "/analytics/streams/")

api = Blueprint("api", __name__)


def track_event() -> Response:
    body = _body_or_journal("trackEvent")
    return json_response(state().ingestor.track(g.tenant, body))


def track_event_batch() -> Response:
    body = _body_or_journal("trackEventBatch")
    return json_response(state().ingestor.track_batch(g.tenant, body))


def get_dashboard_metrics() -> Response:
    params = query_params(state().spec.operations["getDashboardMetrics"])
    st = state()
    st.ingestor.release_due()
    try:
        body = dashboard_metrics(st.store, g.tenant, st.clocks.now(g.tenant), params["period"], params.get("metric"))
    except UnknownMetric as exc:
        raise ValidationFailed(str(exc), [FieldError("metric", str(exc))]) from None
    return json_response(body)


def get_stream_analytics(stream_id: str) -> Response:
    operation = state().spec.operations["getStreamAnalytics"]
    path_params(operation, {"streamId": stream_id})
    params = query_params(operation)
    st = state()
    st.ingestor.release_due()
    body = stream_analytics(st.store, g.tenant, stream_id, st.clocks.now(g.tenant), params["period"])
    if body is None:
        raise NotFound(f"Unknown stream {stream_id!r}: no event was ever sent for it with this API key.")
    return json_response(body)


def openapi_yaml() -> Response:
    return Response(state().spec.raw_yaml, mimetype="application/yaml")


def openapi_json() -> Response:
    return Response(state().spec.json_bytes, mimetype="application/json")


# The route table, top to bottom; endpoint names are the spec's operationIds.
ROUTES: list[Route] = [
    ("POST", "/analytics/events", "trackEvent", track_event),
    ("POST", "/analytics/events/batch", "trackEventBatch", track_event_batch),
    ("GET", "/analytics/dashboards", "getDashboardMetrics", get_dashboard_metrics),
    ("GET", "/analytics/stream/<stream_id>", "getStreamAnalytics", get_stream_analytics),
    ("GET", "/openapi.yaml", "openapiYaml", openapi_yaml),
    ("GET", "/openapi.json", "openapiJson", openapi_json),
]
PUBLIC_ENDPOINTS = {"openapiYaml", "openapiJson"}



def prefixed(routes: list[Route]) -> list[Route]:
    """Return ``routes`` under ``BASE_PATH`` and the compatibility prefixes, plus ``streams/``."""
    out: list[Route] = []
    for prefix in (BASE_PATH, *ALIAS_PREFIXES):
        for method, rule, endpoint, view in routes:
            out.append((method, prefix + rule, endpoint, view))
            if rule.startswith(STREAM_ALIAS[0]):
                out.append((method, prefix + rule.replace(*STREAM_ALIAS, 1), endpoint, view))
    return out


add_routes(api, prefixed(ROUTES))


@api.before_request
def authenticate_and_inject() -> Response | None:
    """Authenticate, then apply the mock-only rate limit, ``Prefer`` and fault injection."""
    operation_id = (request.endpoint or "").removeprefix("api.")
    if operation_id in PUBLIC_ENDPOINTS:
        return None
    st = state()
    g.tenant = st.keys.tenant_for(bearer_token(request.headers.get("Authorization")))
    request.environ[TENANT_KEY] = g.tenant
    if st.limiter is not None:
        st.limiter.admit(g.tenant)
    preferred = preferred_response(st.spec.operations[operation_id], request.headers.get("Prefer"))
    if preferred is not None:
        return json_response(preferred.body, preferred.status, preferred.headers)
    st.faults.apply()
    return None


def _body_or_journal(operation_id: str) -> dict[str, Any]:
    """Read the JSON body; journal a malformed one for the inspection API."""
    content_length, content_type = request.content_length, request.headers.get("Content-Type")
    return body_or_journal(state().ingestor, g.tenant, operation_id, content_length, content_type, request_body)


def body_or_journal(
    ingestor: Ingestor,
    tenant: str,
    operation_id: str,
    content_length: int | None,
    content_type: str | None,
    read: Callable[[], bytes],
    parse: Callable[[bytes], Parsed] = parse_object,  # type: ignore[assignment]
) -> Parsed:
    """Parse the body ``read()`` returns; journal a malformed one (shared with ``fastpath.py``)."""
    try:
        return json_object_from(content_length, content_type, read, parse)
    except ApiError as exc:
        preview = body_preview(raw_preview(content_length, read))
        details = exc.details or [FieldError("", exc.message)]
        ingestor.reject(tenant, operation_id, preview, details)
        raise


def init_app(app: Flask) -> None:
    app.register_blueprint(api)
