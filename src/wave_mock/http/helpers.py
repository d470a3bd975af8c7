"""Request/response helpers shared by the WAVE and inspection views."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping, TypeVar

import orjson
from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from wave_mock.http.accesslog import log_access
from wave_mock.errors import FieldError, ValidationFailed
from wave_mock.http.jsonbody import MAX_BODY_BYTES, check_body_size, check_content_type, parse_object
from wave_mock.spec import Operation

if TYPE_CHECKING:
    from wave_mock.state import MockState

Parsed = TypeVar("Parsed")
Environ = dict[str, Any]
StartResponse = Callable[..., Any]
# werkzeug's own status lines ("400 BAD REQUEST"), so raw-WSGI answers match Flask's.
STATUS_LINES = {code: f"{code} {phrase.upper()}" for code, phrase in HTTP_STATUS_CODES.items()}

# (method, rule, endpoint, view): one row of a blueprint's route table.
Route = tuple[str, str, str, Callable[..., Response]]


def add_routes(blueprint: Blueprint, routes: list[Route]) -> None:
    """Register a route table; only the declared method answers (others get 405)."""
    for method, rule, endpoint, view in routes:
        blueprint.add_url_rule(rule, endpoint=endpoint, view_func=view, methods=[method], provide_automatic_options=False)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Serialise with orjson (fast, and refuses NaN by emitting null)."""
    return Response(orjson.dumps(body), status=status, mimetype="application/json", headers=headers)


def read_json_object() -> dict[str, Any]:
    """Return the request body as a JSON object, or raise 413/415/400."""
    return json_object_from(request.content_length, request.headers.get("Content-Type"), request_body)


def json_object_from(
    content_length: int | None,
    content_type: str | None,
    read: Callable[[], bytes],
    parse: Callable[[bytes], Parsed] = parse_object,  # type: ignore[assignment]
) -> Parsed:
    """Check size and type, ``read()`` the body once, and ``parse`` it; raise 413/415/400.

    Takes plain values so the WSGI fast path (``fastpath.py``) shares it with Flask views.
    """
    if content_length is not None:
        check_body_size(content_length)
    check_content_type(content_type)
    raw = read()
    check_body_size(len(raw))
    if content_length is not None and len(raw) != content_length:
        raise ValidationFailed(
            f"The body has {len(raw)} bytes but Content-Length says {content_length}.",
            [FieldError("Content-Length", "does not match the body")],
        )
    return parse(raw)


def raw_preview(content_length: int | None, read: Callable[[], bytes]) -> str:
    """Return the start of the body as text for the rejection journal, never a huge one."""
    if (content_length or 0) > MAX_BODY_BYTES:
        return f"<{content_length} bytes, not kept>"
    try:
        return read()[:4096].decode("utf-8", "replace")
    except HTTPException:
        return "<unreadable body>"


def answer_raw(
    mock_state: MockState,
    config: Mapping[str, Any],
    environ: Environ,
    start_response: StartResponse,
    status: int,
    payload: bytes,
    extra: Mapping[str, str],
    started: float,
    tenant: str | None,
) -> list[bytes]:
    """Send a JSON answer from raw WSGI with the CORS headers and log line the Flask hooks add."""
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    headers.extend(extra.items())
    if mock_state.cors is not None:
        headers.extend(mock_state.cors.headers(environ.get("HTTP_ORIGIN"), environ.get("HTTP_HOST")).items())
    if config["ACCESS_LOG"]:
        path = environ["PATH_INFO"].encode("latin-1").decode("utf-8", "replace")
        full_path = f"{path}?{environ.get('QUERY_STRING', '')}"
        log_access(environ["REQUEST_METHOD"], full_path, status, started, tenant, mock_state.keys.secrets)
    start_response(STATUS_LINES.get(status, f"{status} UNKNOWN"), headers)
    return [payload]


BODY_KEY = "wave_mock.body"  # the environ key the raw body is cached under
# Set on the environ once a WAVE request is authenticated (http/exchanges.py records those).
TENANT_KEY = "wave_mock.tenant"
# Set by the server (server/bridge.py) when the body missed its deadline: the app answers 408.
BODY_TIMED_OUT = "wave_mock.body_timed_out"
# Set by the server when the client ended its side before the whole body came: the app answers 400.
BODY_CUT = "wave_mock.body_cut"


def body_reader(environ: dict[str, Any], length: int) -> Callable[[], bytes]:
    """Return a function that reads ``length`` bytes of ``wsgi.input`` once and caches them.

    One read replaces werkzeug's chunked LimitedStream loop, which was the top cost of
    single-event ingest (bench B1). Shared by the Flask views and the WSGI fast path.
    """

    def read() -> bytes:
        if BODY_KEY not in environ:
            environ[BODY_KEY] = environ["wsgi.input"].read(length)
        return environ[BODY_KEY]

    return read


def request_body() -> bytes:
    """Return the current request's raw body, read once."""
    length = request.content_length
    if length is not None and length <= MAX_BODY_BYTES:
        return body_reader(request.environ, length)()
    if BODY_KEY not in request.environ:
        request.environ[BODY_KEY] = request.get_data(cache=True)
    return request.environ[BODY_KEY]


def query_params(operation: Operation) -> dict[str, Any]:
    """Validate the query string against ``operation`` and fill in defaults."""
    return query_params_from(operation, list(request.args.items(multi=True)))


def query_params_from(operation: Operation, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Validate decoded query ``pairs`` against ``operation`` and fill in defaults (no request needed)."""
    names = [name for name, _ in pairs]
    repeated = {name for name in names if names.count(name) > 1}
    if repeated:
        raise ValidationFailed(
            "A query parameter is repeated.", [FieldError(n, "must not be repeated") for n in sorted(repeated)]
        )
    return _validated(operation, "query", dict(pairs))


def path_params(operation: Operation, values: dict[str, Any]) -> dict[str, Any]:
    """Validate path parameters against ``operation``."""
    return _validated(operation, "path", values)


def _validated(operation: Operation, location: str, given: dict[str, Any]) -> dict[str, Any]:
    given = coerced(operation, given)
    errors = operation.params(location).errors(given)
    if errors:
        raise ValidationFailed(f"Invalid {location} parameter.", errors)
    return {**operation.defaults(location), **given}


def coerced(operation: Operation, given: dict[str, Any]) -> dict[str, Any]:
    """Return ``given`` with query strings turned into the integers their schemas ask for."""
    return {name: _coerce(operation, name, value) for name, value in given.items()}


def _coerce(operation: Operation, name: str, value: Any) -> Any:
    """Turn a query string into the integer its schema asks for, when it is one."""
    kinds = {p.schema.get("type") for p in operation.parameters if p.name == name}
    if "integer" in kinds and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value
