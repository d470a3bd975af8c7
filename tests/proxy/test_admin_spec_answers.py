"""openapi/wave-mock-admin.yaml describes what the mock and the proxy really answer under /_mock/.

Each call goes over a socket to a real server; its answer is held to the spec's response
schema for its status (the proxy's own checker, on the admin spec, every rule).
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
import requests

from wave_mock.proxy.checker import Checker
from wave_mock.resources import admin_spec_path
from wave_mock.spec import Spec
from wave_mock.testing import MockServer

from .conftest import AUTH, KEY, STREAM, ProxyServer, send_fixture

ADMIN = "admin_spec_test_token"
Call = tuple[str, str, str, dict[str, Any]]  # operationId, method, path, requests' keyword arguments


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker(Spec.load(admin_spec_path()), strict=True)


def _judge(checker: Checker, root: str, calls: list[Call]) -> dict[str, list[str]]:
    """Make each call; return the violations of those whose answer breaks the spec."""
    broken = {}
    for operation, method, path, kwargs in calls:
        reply = requests.request(method, f"{root}{path}", timeout=30, **kwargs)
        op = checker.spec.operations[operation]
        found = checker.check_response(op, reply.status_code, reply.headers.get("Content-Type"), reply.content)
        if found:
            broken[f"{method} {path} {kwargs.get('params', '')} -> {reply.status_code}"] = [str(v) for v in found]
    return broken


def _mock_calls() -> list[Call]:
    admin = {"headers": {"Authorization": f"Bearer {ADMIN}"}}
    key = {"headers": AUTH}
    return [
        ("health", "GET", "/_mock/health", {}),
        ("listEvents", "GET", "/_mock/events", {**key, "params": {"limit": 5}}),
        ("listEvents", "GET", "/_mock/events", {**key, "params": {"format": "har", "limit": 3}}),
        ("listEvents", "GET", "/_mock/events", {**key, "params": {"limit": "many"}}),
        ("listEvents", "GET", "/_mock/events", {}),
        ("listRejected", "GET", "/_mock/rejected", key),
        ("listStreams", "GET", "/_mock/streams", key),
        ("stats", "GET", "/_mock/stats", key),
        ("stats", "GET", "/_mock/stats", admin),
        ("getClock", "GET", "/_mock/clock", key),
        ("getClock", "GET", "/_mock/clock", admin),
        ("setClock", "POST", "/_mock/clock", {**key, "json": {"advance": 60}}),
        ("setClock", "POST", "/_mock/clock", {**key, "json": {"advance": "soon"}}),
        ("resetClock", "DELETE", "/_mock/clock", key),
        ("addKey", "POST", "/_mock/keys", {**admin, "json": {}}),
        ("addKey", "POST", "/_mock/keys", key),
        ("reset", "POST", "/_mock/reset", key),
    ]


def _proxy_calls() -> list[Call]:
    key = {"headers": AUTH}
    return [
        ("health", "GET", "/_mock/health", {}),
        ("listViolations", "GET", "/_mock/violations", key),
        ("listViolations", "GET", "/_mock/violations", {}),
        ("checkDrift", "GET", "/_mock/drift", {**key, "params": {"streamId": STREAM, "period": "24h"}}),
        ("checkDrift", "GET", "/_mock/drift", {**key, "params": {"period": "7d"}}),
        ("checkDrift", "GET", "/_mock/drift", key),
        ("checkDrift", "GET", "/_mock/drift", {**key, "params": {"period": "2d"}}),
        ("listEvents", "GET", "/_mock/events", key),
        ("listRejected", "GET", "/_mock/rejected", key),
        ("getClock", "GET", "/_mock/clock", key),
    ]


def test_the_mocks_admin_answers_match_the_admin_spec(checker: Checker) -> None:
    with MockServer(["--api-key", KEY, "--admin-token", ADMIN, "--no-access-log"]) as mock:
        send_fixture(mock.base_url)
        requests.post(f"{mock.base_url}/analytics/events", json={"eventType": "ui"}, headers=AUTH, timeout=10)
        assert _judge(checker, mock.root_url, _mock_calls()) == {}


def test_the_proxys_own_answers_match_the_admin_spec(checker: Checker) -> None:
    with MockServer(["--api-key", KEY, "--no-access-log"]) as mock, ProxyServer(mock.base_url, ["--no-access-log"]) as proxy:
        send_fixture(proxy.base_url)
        requests.post(f"{proxy.base_url}/analytics/events", json={"eventType": "ui"}, headers=AUTH, timeout=10)
        assert _judge(checker, proxy.root_url, _proxy_calls()) == {}


def test_an_answer_off_the_admin_spec_is_caught(checker: Checker) -> None:
    # Positive control for the two above: the same judge flags a wrong type and an unknown status.
    with MockServer(["--api-key", KEY, "--no-access-log"]) as mock, ProxyServer(mock.base_url, ["--no-access-log"]) as proxy:
        reply = requests.get(f"{proxy.root_url}/_mock/violations", headers=AUTH, timeout=10)
        body = reply.json()
        body["summary"]["exchanges"] = "none"
        op = checker.spec.operations["listViolations"]
        found = checker.check_response(op, 200, "application/json", orjson.dumps(body))
        assert [(v.rule, v.field) for v in found] == [("type", "summary.exchanges")]
        assert checker.check_response(op, 200, "application/json", reply.content) == []
        assert [v.rule for v in checker.check_response(op, 418, "application/json", b"{}")] == ["status not documented"]
