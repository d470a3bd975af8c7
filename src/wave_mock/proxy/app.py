"""``create_proxy_app(config)``: the proxy as one WSGI app (wiring and the forwarding path).

    client ── Forwarder (WSGI, this module)
                ├─ Guard's rules (408, cut bodies, Host), CORS preflight     as on the mock
                ├─ /_mock/health|violations|drift|events|rejected|clock, /_mock/ui  -> admin.py (Flask)
                └─ anything else:
                     enforce? the mock's validators refuse a bad request   -> 4xx, upstream never sees it
                     Upstream.send (pooled, timeouts)                       -> the answer, or 502/504
                     Checker: request + response vs the spec               -> X-Wave-Contract, Ledger
                     2xx track/batch -> Shadow;  stream/dashboard read     -> DriftChecker (background)
                     Recorder (HAR / JSON Lines), access log line
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qsl, quote

import orjson

from wave_mock.auth import tenant_of
from wave_mock.errors import ApiError, FieldError, OriginNotAllowed
from wave_mock.har import Exchange as HarExchange, redact_text
from wave_mock.http.accesslog import log_access, masked
from wave_mock.http.browser import CorsPolicy
from wave_mock.http.exchanges import INSPECTOR_ENVIRON, REQUEST_ID, Stamp, has_request_id
from wave_mock.http.guard import Guard
from wave_mock.http.helpers import STATUS_LINES, Environ, StartResponse
from wave_mock.http.jsonbody import check_body_size
from wave_mock.proxy import admin
from wave_mock.proxy.checker import Checker, Violation
from wave_mock.proxy.clock import UpstreamClock
from wave_mock.proxy.drift import DASHBOARD, STREAM, DriftChecker
from wave_mock.proxy.ledger import Ledger
from wave_mock.proxy.recorder import Recorder
from wave_mock.proxy.shadow import Shadow, parse_json
from wave_mock.proxy.state import ProxyState
from wave_mock.proxy.upstream import HOP_BY_HOP, Answer, Upstream, forwarded_headers
from wave_mock.timeutil import format_rfc3339

DEFAULTS: dict[str, Any] = {
    "UPSTREAM": None,
    "MODE": "validate",  # or "enforce"
    "STRICT": False,
    "SETTLE": 5.0,
    "TOLERANCE": 0.01,
    "TIMEOUT": 10.0,
    "RECORD": None,
    "CORS": True,
    "CORS_ORIGINS": [],
    "CHECK_HOST": True,
    "ACCESS_LOG": False,
    "SPEC_PATH": None,
    "MAX_EVENTS": 1_000_000,
}
CONTRACT_HEADER = "X-Wave-Contract"
PREVIEW_CHARS = 4096
WRITES = ("trackEvent", "trackEventBatch")


def create_proxy_app(config: Mapping[str, Any] | None = None) -> "ProxyApp":
    """Build one proxy: its upstream client, checker, shadow store and logs."""
    settings = {**DEFAULTS, **(config or {})}
    if not settings["UPSTREAM"]:
        raise ValueError("the proxy needs an UPSTREAM URL")
    checker = Checker.for_spec(strict=settings["STRICT"], path=settings["SPEC_PATH"])
    upstream = Upstream(settings["UPSTREAM"], timeout=settings["TIMEOUT"])
    clock = UpstreamClock(upstream)
    # The shadow ingests with the full spec: it stores what wave-mock itself would store.
    shadow = Shadow(Checker.for_spec(strict=True, path=settings["SPEC_PATH"]).spec, clock, settings["MAX_EVENTS"])
    keys: set[str] = set()
    recorder = None
    if settings["RECORD"]:
        recorder = Recorder(settings["RECORD"], lambda: list(keys), comment=f"wave-mock proxy in front of {upstream.root}")
    state = ProxyState(
        checker=checker, upstream=upstream, clock=clock, shadow=shadow,
        drift=DriftChecker(upstream, shadow, clock, settings["SETTLE"], settings["TOLERANCE"]),
        ledger=Ledger(), recorder=recorder,
        cors=CorsPolicy(settings["CORS_ORIGINS"]) if settings["CORS"] else None,
        enforce=settings["MODE"] == "enforce", access_log=settings["ACCESS_LOG"], check_host=settings["CHECK_HOST"],
        keys=keys,
    )
    return ProxyApp(Forwarder(state))


class ProxyApp(Stamp):
    """The proxy as served: X-Request-Id on its own answers (admin, 502/504, refusals; relayed
    answers keep the upstream's), and plain forwards answered on the event loop."""

    def __init__(self, forwarder: "Forwarder") -> None:
        super().__init__(forwarder, None, lambda _tenant: time.time())
        self.forwarder = forwarder

    async def answer_async(self, environ: Environ) -> tuple[int, list[tuple[str, str]], bytes] | None:
        answer = await self.forwarder.answer_async(environ)
        if answer is not None and not has_request_id(answer[1]):
            answer[1].append((REQUEST_ID, self.request_id(environ)))
        return answer


class Forwarder:
    """The WSGI app: answer the proxy's own routes, forward and check everything else."""

    def __init__(self, state: ProxyState) -> None:
        self.state = state
        self.admin = admin.create_admin_app(state)
        # The mock's own refusal rules; Guard only reads CHECK_HOST from its config here.
        self.guard = Guard(self.admin, None, {"CHECK_HOST": state.check_host})  # type: ignore[arg-type]

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        try:
            refusal = self.guard.refusal(environ)
            if refusal is not None:
                raise refusal
            if self._is_preflight(environ):
                return self._preflight(environ, start_response, started)
            path = _path(environ)
            if admin.owns(environ["REQUEST_METHOD"], path):
                return self.admin(environ, self._with_cors(environ, start_response))
            return self.forward(environ, start_response, started, path)
        except ApiError as error:
            return self._reply(environ, start_response, error.status, orjson.dumps(error.to_json()),
                               [("Content-Type", "application/json"), *error.headers.items()], started)

    # --- forwarding -------------------------------------------------------------------

    def forward(self, environ: Environ, start_response: StartResponse, started: float, path: str) -> Iterable[bytes]:
        exchange = self._prepare(environ, started, path)
        if exchange.answer is None:
            try:
                exchange.answer = self.state.upstream.send(*exchange.outgoing())
            except ApiError as error:  # 502 / 504: the proxy's own answer
                exchange.answer, exchange.failed = _answer_of(error), True
        status, headers, payload = self._finish(exchange)
        self._log(exchange, status)
        start_response(STATUS_LINES.get(status, f"{status} UNKNOWN"), headers)
        return [payload]

    async def answer_async(self, environ: Environ) -> tuple[int, list[tuple[str, str]], bytes] | None:
        """Forward on the event loop (the upstream awaited, no thread held); None: serve it as WSGI.

        Only plain forwards come here; the guard's refusals, preflights and the proxy's own
        routes return None and go to the WSGI path in the thread pool.
        """
        started = time.perf_counter()
        path = _path(environ)
        if (self.guard.refusal(environ) is not None or self._is_preflight(environ)
                or admin.owns(environ["REQUEST_METHOD"], path)):
            return None
        try:
            exchange = self._prepare(environ, started, path)
        except ApiError:
            return None  # e.g. a body over the limit: the WSGI path words the refusal
        if exchange.answer is None:
            try:
                exchange.answer = await self.state.upstream.send_async(*exchange.outgoing())
            except ApiError as error:
                exchange.answer, exchange.failed = _answer_of(error), True
        key = exchange.key
        if key and self.state.clock.stale(key):  # a blocking read of /_mock/clock stays off the loop
            await asyncio.get_running_loop().run_in_executor(None, self.state.clock.now, key)
        answer = self._finish(exchange)
        self._log(exchange, answer[0])
        return answer

    def _prepare(self, environ: Environ, started: float, path: str) -> "Exchange":
        """Read the request; in enforce mode, refuse an invalid one here (``answer`` set)."""
        st = self.state
        length = int(environ.get("CONTENT_LENGTH") or 0)
        check_body_size(length)
        query_string = environ.get("QUERY_STRING", "")
        headers = _request_headers(environ)
        exchange = Exchange(
            method=environ["REQUEST_METHOD"], path=path, query_string=query_string,
            body=environ["wsgi.input"].read(length) if length else b"", headers=headers, key=_bearer(headers),
            at=time.time(), started=started, query=parse_qsl(query_string, keep_blank_values=True),
            routed=st.checker.route(environ["REQUEST_METHOD"], path), content_type=environ.get("CONTENT_TYPE"),
            target=quote(path, safe="/:@!$&'()*+,;=-._~%") + (f"?{query_string}" if query_string else ""),
            origin=environ.get("HTTP_ORIGIN"), host=environ.get("HTTP_HOST"),
            inspector=INSPECTOR_ENVIRON in environ,
        )
        if exchange.key:
            st.keys.add(exchange.key)
        if exchange.routed is not None and st.enforce:
            exchange.refused = st.checker.request_error(exchange.routed[0], exchange.routed[1], exchange.query, length,
                                                        exchange.content_type, lambda: exchange.body)
            if exchange.refused is not None:
                exchange.answer, exchange.failed = _answer_of(exchange.refused), True
        return exchange

    def _finish(self, exchange: "Exchange") -> tuple[int, list[tuple[str, str]], bytes]:
        """Check the exchange, feed the shadow store and the ledger; return the answer to send."""
        st, answer, routed, refused = self.state, exchange.answer, exchange.routed, exchange.refused
        assert answer is not None
        found: list[Violation] = []
        if routed is not None and not (exchange.failed and refused is None):
            found = st.checker.check_request(routed[0], routed[1], exchange.query, exchange.content_type, exchange.body)
            if refused is None:
                found += st.checker.check_response(routed[0], answer.status, answer.header("content-type"), answer.body,
                                                   request_valid=not found)
        contract = {"exchange": next(st.ids), "violations": len(found)}
        self._after(exchange, contract)
        verdict = "unchecked" if routed is None else ("ok" if not found else f"{len(found)} violation{'s' if len(found) != 1 else ''}")
        exchange.verdict = verdict
        if not exchange.inspector:
            self._keep(exchange, found, contract)
        headers = [(k, v) for k, v in answer.headers if not _dropped(k)]
        headers += [(CONTRACT_HEADER, verdict), ("Content-Length", str(len(answer.body)))]
        headers.extend(self._cors_for(exchange.origin, exchange.host).items())
        return answer.status, headers, answer.body

    def _log(self, exchange: "Exchange", status: int) -> None:
        if self.state.access_log:
            log_access(exchange.method, f"{exchange.path}?{exchange.query_string}", status, exchange.started,
                       tenant_of(exchange.key) if exchange.key else None, self.state.keys,
                       f"contract={exchange.verdict.replace(' ', '_')}")

    def _after(self, exchange: "Exchange", contract: dict[str, Any]) -> None:
        """Feed the shadow store and the drift checks; keep the proxy's view of the upstream's clock current."""
        st, key, path, answer, refused = self.state, exchange.key, exchange.path, exchange.answer, exchange.refused
        assert answer is not None
        if not key:
            return
        operation = exchange.routed[0].operation_id if exchange.routed else None
        if path in ("/_mock/clock", "/_mock/reset") and 200 <= answer.status < 300:
            st.clock.forget()
            if path == "/_mock/reset":
                st.shadow.reset(key)
            return
        if operation in WRITES:
            parsed = parse_json(exchange.body)
            if refused is not None or answer.status >= 400:
                reply = parse_json(answer.body) if refused is None else refused.to_json()
                st.shadow.journal(st.shadow.tenant(key), operation, parsed, _errors_of(reply, answer.status), contract)
            elif 200 <= answer.status < 300 and isinstance(parsed, dict):
                st.mark(st.shadow.accept(key, operation, parsed, parse_json(answer.body), contract), contract)
        elif operation in (STREAM, DASHBOARD) and answer.status in (200, 404) and not exchange.inspector:
            wanted = {k: v for k, v in exchange.query if k in ("period", "metric")}
            st.drift.schedule(key, operation, wanted, exchange.routed[1].get("streamId"), answer, exchange.at)

    def _keep(self, exchange: "Exchange", found: list[Violation], contract: dict[str, Any]) -> None:
        """Add the exchange to the ledger and the recording."""
        st, answer = self.state, exchange.answer
        assert answer is not None
        secrets = list(st.keys)
        duration = (time.perf_counter() - exchange.started) * 1000
        record: dict[str, Any] = {
            "id": contract["exchange"], "at": format_rfc3339(exchange.at),
            "tenant": tenant_of(exchange.key) if exchange.key else "-", "method": exchange.method,
            "path": masked(exchange.target, secrets), "status": answer.status,
            "durationMs": round(duration, 2), "violations": [v.to_json() for v in found],
        }
        if exchange.refused is not None:
            record["refusedByProxy"] = True
        if found:
            record["request"] = {"body": _preview(exchange.body, secrets)}
            record["response"] = {"status": answer.status, "body": _preview(answer.body, secrets)}
        st.ledger.add(record)
        if st.recorder is not None:
            st.recorder.write(HarExchange(
                started=exchange.at, method=exchange.method, url=st.upstream.root + exchange.target,
                request_headers=exchange.headers, request_body=exchange.body, status=answer.status,
                response_headers=answer.headers, response_body=answer.body, duration_ms=duration,
                status_text=answer.reason, comment="; ".join(str(v) for v in found),
                extra={"violations": record["violations"], **({"refusedByProxy": True} if exchange.refused else {})},
            ))

    # --- answers ----------------------------------------------------------------------

    def _reply(self, environ: Environ, start_response: StartResponse, status: int, payload: bytes,
               headers: list[tuple[str, str]], started: float) -> list[bytes]:
        headers = [*headers, ("Content-Length", str(len(payload)))]
        headers.extend(self._cors(environ).items())
        if self.state.access_log:
            full_path = f"{_path(environ)}?{environ.get('QUERY_STRING', '')}"
            log_access(environ["REQUEST_METHOD"], full_path, status, started, None, self.state.keys)
        start_response(STATUS_LINES.get(status, f"{status} UNKNOWN"), headers)
        return [payload]

    def _cors(self, environ: Environ) -> dict[str, str]:
        return self._cors_for(environ.get("HTTP_ORIGIN"), environ.get("HTTP_HOST"))

    def _cors_for(self, origin: str | None, host: str | None) -> dict[str, str]:
        cors = self.state.cors
        if cors is None:
            return {}
        headers = cors.headers(origin, host)
        if "Access-Control-Expose-Headers" in headers:
            headers["Access-Control-Expose-Headers"] += f", {CONTRACT_HEADER}"
        return headers

    def _with_cors(self, environ: Environ, start_response: StartResponse) -> StartResponse:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, *self._cors(environ).items()], exc_info)
        return start

    def _is_preflight(self, environ: Environ) -> bool:
        return self.state.cors is not None and environ["REQUEST_METHOD"] == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ

    def _preflight(self, environ: Environ, start_response: StartResponse, started: float) -> list[bytes]:
        cors: CorsPolicy = self.state.cors  # type: ignore[assignment]
        origin, host = environ.get("HTTP_ORIGIN"), environ.get("HTTP_HOST")
        if origin is not None and not cors.allows(origin, host):
            raise OriginNotAllowed(f"Origin {origin!r} may not call this proxy; start it with --cors-origin {origin}.")
        asked = {"Access-Control-Request-Headers": environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", ""),
                 "Access-Control-Request-Private-Network": environ.get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK", "")}
        granted = cors.preflight_headers(origin, host, asked) if origin is not None else {}
        start_response(STATUS_LINES[204], [*granted.items(), ("Content-Length", "0")])
        return [b""]


@dataclass
class Exchange:
    """One forwarded request on its way through the proxy."""

    method: str
    path: str
    query_string: str
    body: bytes
    headers: list[tuple[str, str]]
    key: str | None
    at: float  # wall time it arrived
    started: float  # perf_counter at arrival
    query: list[tuple[str, str]]
    routed: Any  # (operation, path params) from the spec, or None
    content_type: str | None
    target: str  # path and query as sent upstream
    origin: str | None
    host: str | None
    # Sent by the inspection page itself: forwarded and checked, but kept out of the ledger,
    # the recording and the drift checks, so an open page does not count itself.
    inspector: bool = False
    answer: Answer | None = None
    failed: bool = False
    refused: ApiError | None = None
    verdict: str = "unchecked"

    def outgoing(self) -> tuple[str, str, dict[str, str], bytes]:
        return self.method, self.target, forwarded_headers(self.headers), self.body


def _path(environ: Environ) -> str:
    return environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")


def _request_headers(environ: Environ) -> list[tuple[str, str]]:
    headers = [(name[5:].replace("_", "-").title(), value) for name, value in environ.items() if name.startswith("HTTP_")]
    if environ.get("CONTENT_TYPE"):
        headers.append(("Content-Type", environ["CONTENT_TYPE"]))
    return headers


def _bearer(headers: list[tuple[str, str]]) -> str | None:
    value = next((v for k, v in headers if k.lower() == "authorization"), "")
    scheme, _, token = value.strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _dropped(name: str) -> bool:
    lowered = name.lower()
    return lowered in HOP_BY_HOP or lowered.startswith("access-control-") or lowered == "vary"


def _answer_of(error: ApiError) -> Answer:
    headers = [("Content-Type", "application/json"), *error.headers.items()]
    return Answer(error.status, "", headers, orjson.dumps(error.to_json()))


def _errors_of(reply: Any, status: int) -> list[FieldError]:
    """Return the field errors a refusal names (the mock's error shape), else one for the body."""
    error = reply.get("error") if isinstance(reply, dict) else None
    details = error.get("details") if isinstance(error, dict) else None
    if isinstance(details, list) and details:
        return [FieldError(str(d.get("field", "")), str(d.get("message", ""))) for d in details if isinstance(d, dict)]
    message = error.get("message") if isinstance(error, dict) else None
    return [FieldError("", str(message or f"refused with HTTP {status}"))]


def _preview(raw: bytes, secrets: list[str]) -> Any:
    """Return a body for the violations list: its JSON when small, else the start of its text."""
    text = redact_text(raw[:PREVIEW_CHARS].decode("utf-8", "replace"), secrets)
    parsed = parse_json(text.encode()) if len(raw) <= PREVIEW_CHARS else None
    return parsed if parsed is not None else text

