"""``create_app(config)``: wiring only."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Mapping

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from wave_mock import ui
from wave_mock.http import admin, api, home
from wave_mock.http.offload import slow_request_test
from wave_mock.auth import DEFAULT_DEV_KEY, KeyRing
from wave_mock.http.browser import CorsPolicy
from wave_mock.clock import Clock, TenantClocks
from wave_mock.errors import ApiError, MethodNotAllowed, NotFound, OriginNotAllowed, PayloadTooLarge
from wave_mock.http.faults import Faults
from wave_mock.http.exchanges import DEFAULT_EXCHANGES, ExchangeLog, Stamp
from wave_mock.http.fastpath import FastPath
from wave_mock.http.guard import Guard
from wave_mock.http.accesslog import log_access
from wave_mock.http.helpers import json_response
from wave_mock.ingest import EventIds, Ingestor
from wave_mock.storage.durable.database import DataFile
from wave_mock.http.jsonbody import MAX_BODY_BYTES
from wave_mock.realism import IngestLag, RateLimiter
from wave_mock.seed import load_file, resolve_fixture, seed_now, shift_ms_to
from wave_mock.resources import admin_spec_path, spec_path
from wave_mock.spec import Spec
from wave_mock.state import MockState, attach
from wave_mock.storage.store import EventStore

DEFAULTS: dict[str, Any] = {
    "API_KEYS": [DEFAULT_DEV_KEY],
    "ADMIN_TOKEN": None,
    "CORS": True,
    "CORS_ORIGINS": [],  # empty: loopback origins only; ["*"]: any (see browser.py)
    "CHECK_HOST": True,  # refuse non-loopback Host names (set from the bind address)
    "LATENCY_MS": 0.0,
    "ERROR_RATE": 0.0,
    "FAULT_SEED": 0,
    "MAX_EVENTS": 1_000_000,
    "MAX_REJECTED": 10_000,
    "LOAD": [],
    "LOAD_FROZEN": False,  # --load-frozen: freeze the clock at the fixture's "now" instead of shifting it
    "LOAD_KEY": None,  # the key whose tenant --load seeds (None: the first of API_KEYS)
    "SPEC_PATH": None,
    "ADMIN_SPEC_PATH": None,
    "CLOCK": None,
    "ACCESS_LOG": False,
    "DATA_FILE": None,
    "DATA_LOCK_FD": None,  # the data file's lock, taken by the CLI before the server forks
    "FAST_PATH": True,
    "INGEST_LAG": 0.0,
    "RATE_LIMIT": None,
    "EXCHANGES": DEFAULT_EXCHANGES,  # per tenant, for /_mock/events?format=har; 0 records none
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build one independent mock: its own store, clock and keys."""
    app = Flask("wave_mock")
    app.config.from_mapping(DEFAULTS)
    app.config.update(config or {})
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False
    mock_state = _build_state(app.config)
    attach(app, mock_state)
    _seed(mock_state, app.config)
    api.init_app(app)
    admin.init_app(app)
    home.init_app(app)
    ui.init_app(app)
    _init_errors(app)
    _init_cors_and_log(app, mock_state)
    if app.config["FAST_PATH"]:
        app.wsgi_app = FastPath(app.wsgi_app, mock_state, app.config)
    app.wsgi_app = Guard(app.wsgi_app, mock_state, app.config)
    app.wsgi_app = Stamp(app.wsgi_app, mock_state.exchanges, mock_state.clocks.now)
    app.is_slow_request = slow_request_test(app)  # type: ignore[attr-defined]  # read by the server's bridge
    return app


def _build_state(config: Mapping[str, Any]) -> MockState:
    spec = Spec.load(config["SPEC_PATH"] or spec_path())
    keys = KeyRing(config["API_KEYS"], config["ADMIN_TOKEN"])
    # CLOCK is the base: its source drives every tenant, and each tenant starts where it is.
    clocks = TenantClocks(config["CLOCK"] or Clock(), keys.tenants)
    store = EventStore(max_events=config["MAX_EVENTS"], max_rejected=config["MAX_REJECTED"])
    data, last_number = _open_data_file(config, spec, store)
    ticks = clocks.base.ticks
    lag = IngestLag(config["INGEST_LAG"], ticks) if config["INGEST_LAG"] else None
    return MockState(
        spec=spec,
        admin_spec=Spec.load(config["ADMIN_SPEC_PATH"] or admin_spec_path()),
        store=store,
        clocks=clocks,
        keys=keys,
        ingestor=Ingestor(spec=spec, store=store, now=clocks.now, ids=EventIds(last_number + 1), data=data, lag=lag),
        faults=Faults(config["LATENCY_MS"], config["ERROR_RATE"], config["FAULT_SEED"]),
        cors=CorsPolicy(config["CORS_ORIGINS"]) if config["CORS"] else None,
        limiter=RateLimiter(config["RATE_LIMIT"], ticks) if config["RATE_LIMIT"] else None,
        exchanges=ExchangeLog(config["EXCHANGES"]) if config["EXCHANGES"] else None,
    )


def _open_data_file(config: Mapping[str, Any], spec: Spec, store: EventStore) -> tuple[DataFile | None, int]:
    """Lock and load the ``--data-file`` into ``store``, in its commit order."""
    if not config["DATA_FILE"]:
        return None, 0
    data = DataFile(config["DATA_FILE"], spec, config["MAX_EVENTS"], config["DATA_LOCK_FD"])
    return data, data.load(spec, store.append_batch).last_number


def _seed(mock_state: MockState, config: Mapping[str, Any]) -> None:
    """Load fixture files into one key's tenant (the first key's unless LOAD_KEY names another).

    By default each file is shifted so that its "now" is the tenant clock's now, which keeps
    running: the demo looks live and new events land after it. LOAD_FROZEN freezes the clock
    at the file's "now" instead, so the metrics equal its expected file exactly.
    """
    if not config["LOAD"]:
        return
    key = config["LOAD_KEY"]
    tenant = mock_state.keys.tenant_for(key) if key is not None else mock_state.keys.tenants[0]
    clock = mock_state.clocks.of(tenant)
    for name in config["LOAD"]:
        path = resolve_fixture(name)
        if config["LOAD_FROZEN"]:
            now = seed_now(path)
            if now is not None:
                clock.freeze(now)
            load_file(mock_state.ingestor, tenant, path)
        else:
            load_file(mock_state.ingestor, tenant, path, shift_ms_to(path, clock.now()))


def _init_errors(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def render_api_error(error: ApiError) -> Response:
        return json_response(error.to_json(), error.status, error.headers)

    @app.errorhandler(HTTPException)
    def render_http_error(error: HTTPException) -> Response:
        return render_api_error(_as_api_error(error))

    @app.errorhandler(Exception)
    def render_unexpected(error: Exception) -> Response:
        app.logger.exception("unexpected error")
        return render_api_error(ApiError())


def _as_api_error(error: HTTPException) -> ApiError:
    if error.code == 404:
        return NotFound(
            f"No such path {request.path!r}. WAVE endpoints live under /api/v1/analytics/ "
            "(events, events/batch, dashboards, stream/{streamId}); the inspection API under /_mock/."
        )
    if error.code == 405:
        allowed = getattr(error, "valid_methods", None) or []
        return MethodNotAllowed([m for m in allowed if m not in ("HEAD", "OPTIONS")] or allowed)
    if error.code == 413:
        return PayloadTooLarge(f"The body is larger than {MAX_BODY_BYTES} bytes (512 KiB).")
    generic = ApiError(error.description)
    generic.status = error.code or 500
    generic.code = re.sub(r"[^a-z]+", "_", (error.name or "error").lower()).strip("_")
    return generic


def _init_cors_and_log(app: Flask, mock_state: MockState) -> None:
    cors = mock_state.cors

    def is_preflight() -> bool:
        return cors is not None and request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers

    @app.before_request
    def preflight() -> Response | None:
        g.started = time.perf_counter()
        if not is_preflight():
            return None
        origin = request.headers.get("Origin")
        if origin is not None and not cors.allows(origin, request.host):
            raise OriginNotAllowed(
                f"Origin {origin!r} may not call this mock; allowed: loopback origins by default. "
                f"Start it with --cors-origin {origin} (or --cors-origin '*' for any)."
            )
        return Response(status=204)

    @app.after_request
    def cors_and_log(response: Response) -> Response:
        if cors is not None:
            origin, host = request.headers.get("Origin"), request.host
            if is_preflight() and origin is not None and cors.allows(origin, host):
                response.headers.update(cors.preflight_headers(origin, host, request.headers))
            else:
                response.headers.update(cors.headers(origin, host))
        if app.config["ACCESS_LOG"]:
            started = g.get("started", time.perf_counter())
            log_access(request.method, request.full_path, response.status_code, started, g.get("tenant"), mock_state.keys.secrets)
        return response
