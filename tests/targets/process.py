"""Run the deployment-like target as a process, and a test helper that starts and stops one.

    python -m tests.targets.deployment_like --port 9000 --api-key a --api-key b \\
        [--defect NAME] [--ingest-lag 3] [--rate-limit 20] [--unavailable-rate 0.02] [--request-log FILE]

``--request-log`` writes one JSON line per request (when it arrived and was answered,
method, path, which key, status, Retry-After), so a proof test can check what a client did, e.g. whether it backed off.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Sequence

from werkzeug.serving import WSGIRequestHandler, make_server

from tests.targets.deployment_defects import DEFECTS, planted
from tests.targets.deployment_like import DEFAULT_LAG, DEFAULT_RATE, DEFAULT_UNAVAILABLE, HEALTH_PATH, WSGIApp, deployment_app
from wave_mock.testing import MockServer

REPO = Path(__file__).resolve().parents[2]


class RequestLog:
    """WSGI middleware: append one JSON line per request to ``out``."""

    def __init__(self, app: WSGIApp, keys: list[str], out: IO[str]) -> None:
        self.app, self.keys, self.out = app, keys, out
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        arrived = time.time()

        def logged(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            self.write(environ, arrived, int(status.split()[0]), dict(headers).get("Retry-After"))
            return start_response(status, headers, *rest)

        return self.app(environ, logged)

    def write(self, environ: dict[str, Any], arrived: float, status: int, retry_after: str | None) -> None:
        header = environ.get("HTTP_AUTHORIZATION") or ""
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
        # The key's position (0, 1...), -1 for an unknown one, None without one: never the key itself.
        key = None if token is None else (self.keys.index(token) if token in self.keys else -1)
        line = {"t": arrived, "done": time.time(), "method": environ.get("REQUEST_METHOD"), "path": environ.get("PATH_INFO"),
                "key": key, "status": status, "retryAfter": retry_after}
        with self.lock:
            self.out.write(json.dumps(line) + "\n")
            self.out.flush()


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """No access log: a kit run sends thousands of requests."""


def build(args: argparse.Namespace) -> WSGIApp:
    """Return the whole WSGI stack the options describe."""
    keys = list(args.api_key)
    app: WSGIApp = deployment_app(keys, lag=args.ingest_lag, rate=args.rate_limit or None,
                                  unavailable_rate=args.unavailable_rate, seed=args.seed)
    if args.defect:
        app = planted(app, args.defect, keys)
    if args.request_log:
        app = RequestLog(app, keys, open(args.request_log, "a", encoding="utf-8"))  # noqa: SIM115 (lives as long as the process)
    return app


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.targets.deployment_like", description="Serve the deployment-like WAVE target.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key", action="append", required=True, help="Accepted key (repeatable); each is a tenant.")
    parser.add_argument("--defect", choices=sorted(DEFECTS), help="Plant this documented defect in front of the target.")
    parser.add_argument("--ingest-lag", type=float, default=DEFAULT_LAG, help="Seconds until accepted events are visible.")
    parser.add_argument("--rate-limit", type=float, default=DEFAULT_RATE, help="Requests per second per key (0: none).")
    parser.add_argument("--unavailable-rate", type=float, default=DEFAULT_UNAVAILABLE, help="Fraction of requests answered 503.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the 503 dice.")
    parser.add_argument("--request-log", help="Append one JSON line per request here.")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(argv)
    server = make_server(args.host, args.port, build(args), threaded=True, request_handler=_Quiet)
    print(f"deployment-like WAVE target at http://{args.host}:{args.port}/api/v1 (defect: {args.defect or 'none'})", flush=True)
    server.serve_forever()


class DeploymentLikeServer(MockServer):
    """The target in its own process group, like ``MockServer``; use as a context manager."""

    health_path = HEALTH_PATH
    cwd = REPO

    def command(self) -> list[str]:
        return [sys.executable, "-m", "tests.targets.deployment_like", "--port", str(self.port), *self.args]
