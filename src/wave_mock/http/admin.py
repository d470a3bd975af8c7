"""The mock's inspection API under /_mock/ (described in openapi/wave-mock-admin.yaml)."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Flask, Response, g, request

from wave_mock.auth import bearer_token, unusable_key_reason
from wave_mock.http import exports
from wave_mock.clock import Clock, ClockRangeError
from wave_mock.errors import FieldError, Forbidden, ValidationFailed
from wave_mock.events import Event
from wave_mock.http.helpers import Route, add_routes, json_response, query_params, read_json_object
from wave_mock.realism import Pending
from wave_mock.state import state
from wave_mock.timeutil import format_rfc3339, parse_rfc3339

admin = Blueprint("admin", __name__, url_prefix="/_mock")
NEW_KEY_PREFIX = "wm_"  # keys the mock makes up for POST /_mock/keys


def health() -> Response:
    clock = state().clocks.base  # no key, so no tenant: the base clock (what the admin token sets)
    return json_response({"status": "ok", "now": format_rfc3339(clock.now()), "clockFrozen": clock.frozen})


def list_events() -> Response:
    params = query_params(state().admin_spec.operations["listEvents"])
    if params["format"] == "har":
        return exports.har_response(state(), _tenant(), params["limit"] if "limit" in request.args else None)
    if params["format"] == "ndjson" and "limit" not in request.args:
        params["limit"] = exports.EVERY_EVENT  # an export is the whole tenant unless a limit is asked
    filters = {
        "event_name": params.get("eventName"),
        "event_type": params.get("eventType"),
        "stream_id": params.get("streamId"),
        "session_id": params.get("sessionId"),
        "user_id": params.get("userId"),
        "since": parse_rfc3339(params["since"]) if "since" in params else None,
    }
    st, tenant = state(), _tenant()
    st.ingestor.release_due()
    if st.ingestor.lag is None:
        held, stored = [], st.store.events(tenant, limit=params["limit"], **filters)
    else:
        held, stored = st.ingestor.lag.inspect(st.store, tenant, params["limit"], **filters)
    if params["format"] == "ndjson":
        return exports.ndjson_response([p.event for p in held] + stored)
    events = [pending_event_json(p) for p in held] + [stored_event_json(e) for e in stored]
    return json_response({"count": len(events), "events": events})


def list_rejected() -> Response:
    params = query_params(state().admin_spec.operations["listRejected"])
    rejected = state().store.rejected(_tenant(), limit=params["limit"])
    return json_response({"count": len(rejected), "rejected": rejected})


def list_streams() -> Response:
    """Every stream the caller's tenant has stored events for (the inspection page's stream list)."""
    st = state()
    st.ingestor.release_due()
    counts = st.store.stream_counts(_tenant())
    streams = [{"streamId": stream_id, "events": events} for stream_id, events in counts.items()]
    return json_response({"count": len(streams), "streams": streams})


def stats() -> Response:
    state().ingestor.release_due()
    if not g.admin:
        return json_response(_counts(g.tenant))
    lag = state().ingestor.lag
    held = lag.tenants() if lag is not None else set()
    tenants = {tenant: _counts(tenant) for tenant in sorted(set(state().store.tenants()) | held)}
    return json_response({**_counts(None), "tenants": tenants})


def _counts(tenant: str | None) -> dict[str, int]:
    """Return the store's counts; events held by --ingest-lag count as accepted, and as pending."""
    counts = state().store.stats(tenant)
    lag = state().ingestor.lag
    if lag is None:
        return counts
    pending = lag.count(tenant)
    return {**counts, "total": counts["total"] + pending, "accepted": counts["accepted"] + pending, "pending": pending}


def reset() -> Response:
    state().ingestor.reset(None if g.admin else g.tenant)
    if state().exchanges is not None:
        state().exchanges.clear(None if g.admin else g.tenant)
    return json_response({"reset": "all" if g.admin else "tenant"})


def get_clock() -> Response:
    return _clock_json()


def set_clock() -> Response:
    body = read_json_object()
    errors = state().admin_spec.operations["setClock"].body.errors(body)
    if errors:
        raise ValidationFailed("Send exactly one of {\"now\": RFC3339} or {\"advance\": seconds}.", errors)
    field = "now" if "now" in body else "advance"
    try:
        _move_clock(body)
    except ClockRangeError as exc:
        raise ValidationFailed(f"The clock did not move: {field} {exc}.", [FieldError(field, str(exc))]) from None
    return _clock_json()


def _move_clock(body: dict[str, Any]) -> None:
    """Freeze or advance the caller's clock, or every tenant's with the admin token."""
    clocks = state().clocks
    if "advance" in body:
        seconds = float(body["advance"])
        if g.admin:
            clocks.advance_all(seconds)
        else:
            clocks.of(g.tenant).advance(seconds)
        return
    at = parse_rfc3339(body["now"])
    if at is None:  # the schema's date-time format is laxer than RFC 3339
        raise ClockRangeError("must be an RFC 3339 date-time, e.g. 2026-11-27T10:00:00Z")
    if g.admin:
        clocks.freeze_all(at)
    else:
        clocks.of(g.tenant).freeze(at)


def reset_clock() -> Response:
    clocks = state().clocks
    if g.admin:
        clocks.unfreeze_all()
    else:
        clocks.of(g.tenant).unfreeze()
    return _clock_json()


def add_key() -> Response:
    """Accept a new API key (a new, empty tenant) without a restart; admin token only."""
    if not g.admin:
        raise Forbidden("Adding an API key needs the admin token (serve --admin-token).")
    body = read_json_object() if request.content_length else {}
    errors = state().admin_spec.operations["addKey"].body.errors(body)
    if errors:
        raise ValidationFailed("Send {} or {\"apiKey\": KEY}.", errors)
    key = body.get("apiKey") or NEW_KEY_PREFIX + secrets.token_hex(16)
    reason = unusable_key_reason(key)
    if reason:
        raise ValidationFailed(f"This key can never authenticate: {reason}.", [FieldError("apiKey", reason)])
    return json_response({"apiKey": key, "tenant": state().keys.add(key)}, 201)


ROUTES: list[Route] = [
    ("GET", "/health", "health", health),
    ("GET", "/events", "listEvents", list_events),
    ("GET", "/rejected", "listRejected", list_rejected),
    ("GET", "/streams", "listStreams", list_streams),
    ("GET", "/stats", "stats", stats),
    ("POST", "/reset", "reset", reset),
    ("POST", "/keys", "addKey", add_key),
    ("GET", "/clock", "getClock", get_clock),
    ("POST", "/clock", "setClock", set_clock),
    ("DELETE", "/clock", "resetClock", reset_clock),
]
PUBLIC_ENDPOINTS = {"health"}

add_routes(admin, ROUTES)


@admin.before_request
def authenticate() -> None:
    """Accept a tenant's API key, or the admin token for cross-tenant calls."""
    if (request.endpoint or "").removeprefix("admin.") in PUBLIC_ENDPOINTS:
        return
    st = state()
    token = bearer_token(request.headers.get("Authorization"))
    g.admin = st.keys.is_admin(token)
    g.tenant = None if g.admin else st.keys.tenant_for(token)


def _tenant() -> str:
    if g.admin:
        raise Forbidden("Events belong to a tenant: call this with that tenant's API key, not the admin token.")
    return g.tenant


def _clock_json() -> Response:
    """The caller's clock; with the admin token, the base clock and every tenant's."""
    clocks = state().clocks
    if not g.admin:
        return json_response(_clock_state(clocks.of(g.tenant)))
    tenants = {tenant: _clock_state(clock) for tenant, clock in clocks.tenants().items()}
    return json_response({**_clock_state(clocks.base), "tenants": tenants})


def _clock_state(clock: Clock) -> dict[str, Any]:
    return {"now": format_rfc3339(clock.now()), "frozen": clock.frozen}


def stored_event_json(event: Event) -> dict[str, Any]:
    """Render a stored event for inspection."""
    return {
        "eventId": event.event_id,
        "receivedAt": format_rfc3339(event.received_at),
        "time": format_rfc3339(event.time),
        "event": event.body,
    }


def pending_event_json(pending: Pending) -> dict[str, Any]:
    """Render an event held by ``--ingest-lag``: accepted, not yet visible to analytics."""
    return {**stored_event_json(pending.event), "pending": True, "visibleInSeconds": round(pending.visible_in, 3)}


def init_app(app: Flask) -> None:
    app.register_blueprint(admin)
