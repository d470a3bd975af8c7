"""The WSGI fast path answers trackEvent/trackEventBatch exactly as the Flask path does."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
import requests
from flask import Flask

from tests.http.conftest import ADMIN, KEY_A, KEY_B, NOW, event
from wave_mock.app import create_app
from wave_mock.clock import Clock
from wave_mock.http.fastpath import FastPath
from wave_mock.testing import MockServer
from wave_mock.timeutil import parse_rfc3339

EVENTS = "/api/v1/analytics/events"
BATCH = "/api/v1/analytics/events/batch"
JSON = "application/json"
IGNORED_HEADERS = {"Date", "Server", "X-Request-Id"}  # ids differ per app; test_request_id_and_aliases.py checks them


def auth(key: str = KEY_A, content_type: str | None = JSON, **extra: str) -> dict[str, str]:
    """Build request headers: a bearer key, a Content-Type and ``extra``."""
    headers = {"Authorization": f"Bearer {key}", **extra}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return headers


@dataclass(frozen=True)
class Case:
    """One request of the corpus."""

    name: str
    body: bytes
    path: str = EVENTS
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=auth)
    environ: dict[str, str] = field(default_factory=dict)


def js(value: Any) -> bytes:
    return orjson.dumps(value)


def batch(*events: Any) -> bytes:
    return js({"events": list(events)})


BIG = "x" * (33 * 1024)
CORPUS = [
    Case("single valid", js(event())),
    Case("single with properties and platform", js(event(properties={"streamId": "str_1"}, platform="web"))),
    Case("single with timestamp", js(event(timestamp="2026-11-20T11:59:00Z"))),
    Case("single with Origin", js(event()), headers=auth(Origin="http://localhost:5173")),
    Case("single with empty Origin", js(event()), headers=auth(Origin="")),
    Case("single from an origin not allowed", js(event()), headers=auth(Origin="http://app.test")),
    Case("single with a foreign Host", js(event()), headers=auth(Host="evil.test")),
    Case("single with a loopback Host and port", js(event()), headers=auth(Host="127.0.0.1:8787")),
    Case("single whose body timed out", js(event()), environ={"wave_mock.body_timed_out": 1.5}),
    Case("batch whose body timed out", batch(event()), path=BATCH, environ={"wave_mock.body_timed_out": 2}),
    Case("single for tenant B", js(event(session="sess_b")), headers=auth(KEY_B)),
    Case("batch valid", batch(event(), event("viewer.left"), event(session="sess_2")), path=BATCH),
    Case("batch mixed", batch(event(), {"eventType": "stream"}, event(platform="windows"), event()), path=BATCH),
    Case("batch all invalid", batch({"eventName": "x"}, event(sessionId="")), path=BATCH),
    Case("batch with non-object items", batch(event(), 7, None), path=BATCH),
    Case("batch of 100", batch(*[event(session=f"sess_{i}") for i in range(100)]), path=BATCH),
    Case("batch of 101", batch(*[event() for _ in range(101)]), path=BATCH),
    Case("batch empty", batch(), path=BATCH),
    Case("batch without events", js({"event": []}), path=BATCH),
    Case("batch events not a list", js({"events": {}}), path=BATCH),
    Case("batch event too large", batch(event(), event(properties={"blob": BIG})), path=BATCH),
    Case("batch with out-of-window timestamp", batch(event(timestamp="2020-01-01T00:00:00Z"), event()), path=BATCH),
    Case("no auth", js(event()), headers={"Content-Type": JSON}),
    Case("basic auth", js(event()), headers=auth(Authorization="Basic dXNlcjpwYXNz")),
    Case("bearer without token", js(event()), headers=auth(Authorization="Bearer")),
    Case("unknown key", js(event()), headers=auth("not-a-key")),
    Case("no auth and malformed body", b"{", headers={"Content-Type": JSON}),
    Case("text/plain", js(event()), headers=auth(content_type="text/plain")),
    Case("no content type", js(event()), headers=auth(content_type=None)),
    Case("form content type", b"a=b", headers=auth(content_type="application/x-www-form-urlencoded")),
    Case("json with charset", js(event()), headers=auth(content_type="application/json; charset=utf-8")),
    Case("vendor +json", js(event()), headers=auth(content_type="application/vnd.wave+json")),
    Case("body over 512 KiB", js({"pad": "x" * (600 * 1024)})),
    Case("body over 512 KiB as text/plain", b"x" * (600 * 1024), headers=auth(content_type="text/plain")),
    Case("single event over 32 KiB", js(event(properties={"blob": BIG}))),
    Case("malformed JSON", b'{"eventType": "stream",'),
    Case("empty body", b"", environ={"CONTENT_LENGTH": "0"}),
    Case("empty body without Content-Length", b""),
    Case("whitespace body", b"   \n"),
    Case("duplicate keys", b'{"eventType":"stream","eventName":"a","eventName":"b","sessionId":"s"}'),
    Case("array body", b"[1, 2]"),
    Case("null body", b"null"),
    Case("NaN", b'{"eventType": NaN}'),
    Case("invalid UTF-8", b'{"eventType": "\xff\xfe"}'),
    Case("missing eventName", js({"eventType": "stream", "sessionId": "s"})),
    Case("unknown field", js(event(sessionid="typo"))),
    Case("timestamp an hour ahead", js(event(timestamp="2026-11-20T13:30:00Z"))),
    Case("timestamp too old", js(event(timestamp="2026-01-01T00:00:00Z"))),
    Case("timestamp not RFC 3339", js(event(timestamp="yesterday"))),
    Case("Content-Length too large", js(event()), environ={"CONTENT_LENGTH": "4000"}),
    Case("Content-Length too small", js(event()), environ={"CONTENT_LENGTH": "10"}),
    Case("Content-Length not a number", js(event()), environ={"CONTENT_LENGTH": "ten"}),
    Case("batch Content-Length mismatch", batch(event()), path=BATCH, environ={"CONTENT_LENGTH": "1"}),
    # Below: requests the fast path hands to Flask; both apps must still agree.
    Case("Prefer a documented code", js(event()), headers=auth(Prefer="code=429")),
    Case("query string with a key", js(event()), path=EVENTS + "?api_key=secret"),
    Case("preflight", b"", method="OPTIONS", headers={"Origin": "http://x", "Access-Control-Request-Method": "POST"}),
    Case("GET on events", b"", method="GET"),
    Case("trailing slash", js(event()), path=EVENTS + "/"),
]

CONFIGS = {
    "defaults": {},
    "access log": {"ACCESS_LOG": True},
    "no CORS": {"CORS": False},
    "CORS for listed origins": {"CORS_ORIGINS": ["http://app.test"]},
    "CORS for any origin": {"CORS_ORIGINS": ["*"]},
    "injected faults": {"ERROR_RATE": 0.5, "FAULT_SEED": 7},
}


def build(fast: bool, **config: Any) -> Flask:
    """Build an app with a frozen clock, two tenants and an admin token."""
    clock = Clock()
    clock.freeze(parse_rfc3339(NOW))
    return create_app({"API_KEYS": [KEY_A, KEY_B], "ADMIN_TOKEN": ADMIN, "CLOCK": clock, "FAST_PATH": fast, **config})


def answer(app: Flask, case: Case, caplog: pytest.LogCaptureFixture) -> tuple[Any, ...]:
    """Send ``case``; return status line, body, headers and the access-log line(s)."""
    caplog.clear()
    response = app.test_client().open(
        case.path, method=case.method, data=case.body, headers=case.headers, environ_overrides=case.environ
    )
    headers = sorted((k, v) for k, v in response.headers.items() if k not in IGNORED_HEADERS)
    logged = [re.sub(r" \d+\.\dms ", " _ms ", r.getMessage()) for r in caplog.records if r.name == "wave_mock.access"]
    return response.status, response.get_data(), headers, logged


def inspection(app: Flask) -> dict[str, Any]:
    """Return what the inspection API shows an admin after the corpus."""
    client = app.test_client()
    admin = {"Authorization": f"Bearer {ADMIN}"}
    return {
        path: client.get(f"/_mock/{path}", headers=admin).get_json()
        for path in ("events?limit=10000", "rejected?limit=10000", "stats")
    }


def test_corpus_is_big_enough_and_named_uniquely() -> None:
    assert len(CORPUS) >= 30
    assert len({c.name for c in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_fast_path_answers_and_journals_like_flask(config: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="wave_mock.access")
    fast, slow = build(True, **config), build(False, **config)
    for case in CORPUS:
        assert answer(fast, case, caplog) == answer(slow, case, caplog), case.name
    assert inspection(fast) == inspection(slow)


def test_access_log_names_tenant_and_never_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="wave_mock.access")
    status, _, _, logged = answer(build(True, ACCESS_LOG=True), Case("one", js(event())), caplog)
    assert status == "200 OK"
    assert len(logged) == 1 and logged[0].startswith(f"POST {EVENTS} 200 _ms tenant=t_")
    assert KEY_A not in caplog.text


def test_unexpected_error_is_a_json_500_on_both_paths(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*_: Any) -> None:
        raise RuntimeError("boom")

    answers = []
    for fast in (True, False):
        app = build(fast)
        monkeypatch.setattr(app.extensions["wave_mock"].ingestor, "track", explode)
        answers.append(answer(app, Case("single valid", js(event())), caplog))
    assert answers[0] == answers[1]
    assert answers[0][0] == "500 INTERNAL SERVER ERROR"
    assert orjson.loads(answers[0][1])["error"]["code"] == "internal_error"
    assert "RuntimeError: boom" in caplog.text


def test_test_client_goes_through_the_fast_path_and_skips_flask_hooks() -> None:
    app = build(True)
    reached_flask: list[str] = []
    app.before_request(lambda: reached_flask.append("hook") and None)
    client = app.test_client()
    assert isinstance(app.wsgi_app.app.app, FastPath)  # inside the Stamp (exchanges.py) and the Guard (guard.py)
    assert client.post(EVENTS, json=event(), headers=auth()).status_code == 200
    assert client.post(BATCH, json={"events": [event()]}, headers=auth()).status_code == 200
    assert reached_flask == []
    assert client.post(EVENTS, json=event(), headers=auth(Prefer="code=400")).status_code == 400
    assert reached_flask == ["hook"]


def test_fast_path_off_leaves_flask_wsgi_app_alone() -> None:
    app = build(False)
    assert not isinstance(app.wsgi_app.app.app, FastPath)


def test_injected_latency_sends_ingest_through_flask() -> None:
    app = build(True, LATENCY_MS=0.001)
    reached_flask: list[str] = []
    app.before_request(lambda: reached_flask.append("hook") and None)
    assert app.test_client().post(EVENTS, json=event(), headers=auth()).status_code == 200
    assert reached_flask == ["hook"]


def test_real_server_ingests_and_still_answers_prefer_and_preflight() -> None:
    with MockServer(["--api-key", "k_fast"]) as server:
        headers = {"Authorization": "Bearer k_fast", "Origin": "http://localhost:5173"}
        posted = requests.post(f"{server.base_url}/analytics/events", json=event(), headers=headers, timeout=10)
        assert posted.status_code == 200 and posted.json()["eventId"].startswith("evt_")
        assert posted.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
        batched = requests.post(
            f"{server.base_url}/analytics/events/batch", json={"events": [event()] * 3}, headers=headers, timeout=10
        )
        assert batched.json()["accepted"] == 3
        preferred = requests.post(
            f"{server.base_url}/analytics/events", json=event(), headers={**headers, "Prefer": "code=429"}, timeout=10
        )
        assert preferred.status_code == 429 and preferred.headers["Retry-After"] == "1"
        preflight = requests.options(
            f"{server.base_url}/analytics/events",
            headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
            timeout=10,
        )
        assert preflight.status_code == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
        stats = requests.get(f"{server.root_url}/_mock/stats", headers=headers, timeout=10).json()
        assert stats["accepted"] == 4
