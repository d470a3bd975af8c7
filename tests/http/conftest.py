"""Fixtures for the HTTP layer: an app with a frozen clock, two tenants and an admin token."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from wave_mock.app import create_app
from wave_mock.clock import Clock
from wave_mock.timeutil import parse_rfc3339

NOW = "2026-11-20T12:00:00Z"
KEY_A = "key-tenant-a"
KEY_B = "key-tenant-b"
ADMIN = "admin-secret"


@pytest.fixture
def clock() -> Clock:
    frozen = Clock()
    frozen.freeze(parse_rfc3339(NOW))
    return frozen


@pytest.fixture
def app(clock: Clock) -> Flask:
    return create_app({"API_KEYS": [KEY_A, KEY_B], "ADMIN_TOKEN": ADMIN, "CLOCK": clock})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Api:
    """Small helper around the test client: authenticated WAVE and inspection calls."""

    def __init__(self, client: FlaskClient, key: str = KEY_A) -> None:
        self.client = client
        self.key = key

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", **extra}

    def track(self, body: Any, **headers: str):
        return self.client.post("/api/v1/analytics/events", json=body, headers=self.headers(**headers))

    def batch(self, events: Any, **headers: str):
        return self.client.post("/api/v1/analytics/events/batch", json={"events": events}, headers=self.headers(**headers))

    def stream(self, stream_id: str, **query: str):
        return self.client.get(f"/api/v1/analytics/stream/{stream_id}", query_string=query, headers=self.headers())

    def dashboard(self, **query: str):
        return self.client.get("/api/v1/analytics/dashboards", query_string=query, headers=self.headers())

    def mock(self, method: str, path: str, **kwargs: Any):
        return self.client.open(f"/_mock/{path}", method=method, headers=self.headers(), **kwargs)

    def stored(self) -> int:
        return self.mock("GET", "stats").get_json()["accepted"]


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


@pytest.fixture
def api_b(client: FlaskClient) -> Api:
    return Api(client, KEY_B)


def event(name: str = "viewer.joined", session: str = "sess_1", **extra: Any) -> dict[str, Any]:
    """Build a valid event body."""
    return {"eventType": "stream", "eventName": name, "sessionId": session, **extra}
