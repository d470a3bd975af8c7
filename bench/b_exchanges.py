"""B1x: what X-Request-Id and the exchange log (``serve --exchanges``) cost single-event ingest.

In process, no sockets, so the difference is not drowned by network noise on a shared
machine: the same fast-path POST /api/v1/analytics/events through

    bare     the app without the Stamp middleware (what the mock did before)
    ids      Stamp with --exchanges 0 (request ids only)
    record   Stamp with the default log of 1,000 exchanges per key

Rounds alternate the variants; the best round's mean per request is printed.

    .venv/bin/python bench/b_exchanges.py [--requests 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import io
import time
from typing import Any, Callable

import orjson

from wave_mock.app import create_app

KEY = "wave_dev_key"
BODY = orjson.dumps({"eventType": "stream", "eventName": "viewer.joined", "sessionId": "sess_1",
                     "properties": {"streamId": "str_1", "quality": "1080p"}})


def environ() -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/analytics/events", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8787", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
        "HTTP_HOST": "127.0.0.1:8787", "HTTP_AUTHORIZATION": f"Bearer {KEY}", "HTTP_USER_AGENT": "bench",
        "HTTP_ACCEPT": "*/*", "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(BODY)),
        "wsgi.input": io.BytesIO(BODY),
    }


def variants() -> dict[str, Callable[..., Any]]:
    # A large store so eviction never runs during the measurement.
    record = create_app({"API_KEYS": [KEY], "MAX_EVENTS": 10_000_000}).wsgi_app
    ids = create_app({"API_KEYS": [KEY], "MAX_EVENTS": 10_000_000, "EXCHANGES": 0}).wsgi_app
    bare = create_app({"API_KEYS": [KEY], "MAX_EVENTS": 10_000_000, "EXCHANGES": 0}).wsgi_app.app  # inside the Stamp
    return {"bare": bare, "ids": ids, "record": record}


def mean_us(app: Callable[..., Any], count: int) -> float:
    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        pass

    envs = [environ() for _ in range(count)]
    started = time.perf_counter()
    for env in envs:
        b"".join(app(env, start_response))
    return (time.perf_counter() - started) / count * 1e6


def overhead_us(count: int, rounds: int) -> dict[str, float]:
    """The Stamp's own cost: around a no-op app that answers like the fast path (min of rounds)."""
    from wave_mock.http.exchanges import ExchangeLog, Stamp
    from wave_mock.http.helpers import BODY_KEY, TENANT_KEY

    answer = b'{"success":true,"eventId":"evt_000000000001"}'

    def noop(env: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        env[TENANT_KEY] = "t_0123456789abcdef"
        env[BODY_KEY] = BODY
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))])
        return [answer]

    apps = {"none": noop, "ids": Stamp(noop, None, lambda t: 0.0), "record": Stamp(noop, ExchangeLog(), lambda t: 0.0)}
    best = {name: float("inf") for name in apps}
    for _ in range(rounds):
        for name, app in apps.items():
            best[name] = min(best[name], mean_us(app, count))
    return {name: us - best["none"] for name, us in best.items() if name != "none"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    apps = variants()
    best = {name: float("inf") for name in apps}
    for round_number in range(args.rounds):
        names = list(apps)
        for name in names[round_number % 3:] + names[:round_number % 3]:  # rotate who runs first
            app = apps[name]
            best[name] = min(best[name], mean_us(app, args.requests))
    print(f"B1x single-event ingest in process, best of {args.rounds} rounds x {args.requests} requests")
    for name, us in best.items():
        print(f"  {name:<7} {us:7.2f} us/request  ({(us / best['bare'] - 1) * 100:+5.1f}% vs bare)")
    print("The middleware alone (around a no-op app, so ingest noise drops out), added per request:")
    for name, us in overhead_us(args.requests, args.rounds * 2).items():
        print(f"  {name:<7} {us:7.2f} us")


if __name__ == "__main__":
    main()
