"""``X-Request-Id`` on every answer, and the wave-sdk compatibility routes (same views, same checks)."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
import requests
from flask.testing import FlaskClient

from tests.http.conftest import KEY_A
from wave_mock.testing import MockServer

EVENT = {"eventType": "stream", "eventName": "viewer.joined", "sessionId": "sess_1", "properties": {"streamId": "str_1"}}
AUTH = {"Authorization": f"Bearer {KEY_A}"}


def answers(client: FlaskClient) -> dict[str, Any]:
    """One request of every kind: fast path, Flask views, errors, admin, preflight, the Guard."""
    return {
        "fast path": client.post("/api/v1/analytics/events", json=EVENT, headers=AUTH),
        "fast path 401": client.post("/api/v1/analytics/events", json=EVENT),
        "flask view": client.get("/api/v1/analytics/dashboards", headers=AUTH),
        "404": client.get("/nowhere"),
        "405": client.delete("/api/v1/analytics/dashboards", headers=AUTH),
        "admin": client.get("/_mock/events", headers=AUTH),
        "health": client.get("/_mock/health"),
        "preflight": client.options("/api/v1/analytics/events", headers={
            "Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"}),
        "guard 403": client.get("/_mock/health", headers={"Host": "evil.test"}),
        "ui": client.get("/_mock/ui"),
    }


def test_every_answer_has_a_distinct_request_id(client: FlaskClient) -> None:
    ids = {name: r.headers.get("X-Request-Id") for name, r in answers(client).items()}
    assert all(ids.values()), ids
    assert len(set(ids.values())) == len(ids)
    assert all(i.startswith("req_") for i in ids.values())


def test_browsers_may_read_the_request_id(client: FlaskClient) -> None:
    answer = client.get("/api/v1/analytics/dashboards", headers={**AUTH, "Origin": "http://localhost:5173"})
    assert "X-Request-Id" in answer.headers["Access-Control-Expose-Headers"].split(", ")


def test_a_sane_incoming_request_id_is_echoed(client: FlaskClient) -> None:
    echoed = client.get("/api/v1/analytics/dashboards", headers={**AUTH, "X-Request-Id": "trace-42"})
    assert echoed.headers["X-Request-Id"] == "trace-42"
    too_long = client.get("/api/v1/analytics/dashboards", headers={**AUTH, "X-Request-Id": "x" * 500})
    assert too_long.headers["X-Request-Id"].startswith("req_")


@pytest.mark.parametrize("path", [
    "/v1/analytics/dashboards?period=1d",
])
def test_dashboard_alias_answers_as_the_documented_path(client: FlaskClient, path: str) -> None:
    client.post("/api/v1/analytics/events", json=EVENT, headers=AUTH)
    assert client.get(path, headers=AUTH).get_json() == client.get("/api/v1/analytics/dashboards?period=1d", headers=AUTH).get_json()


@pytest.mark.parametrize("path", ["/api/v1/analytics/streams/str_1", "/v1/analytics/streams/str_1", "/v1/analytics/stream/str_1"])
def test_stream_aliases_answer_as_the_documented_path(client: FlaskClient, path: str) -> None:
    client.post("/v1/analytics/events", json=EVENT, headers=AUTH)  # ingest through an alias too
    documented = client.get("/api/v1/analytics/stream/str_1", headers=AUTH)
    assert documented.status_code == 200 and documented.get_json()["totalViewers"] == 1
    assert client.get(path, headers=AUTH).get_json() == documented.get_json()
    # The same validation: a bad period is the same 400 on both.
    bad = client.get(path + "?period=2h", headers=AUTH)
    assert bad.status_code == 400
    assert bad.get_json() == client.get("/api/v1/analytics/stream/str_1?period=2h", headers=AUTH).get_json()


def test_batch_alias_validates_like_the_documented_path(client: FlaskClient) -> None:
    bad = {"events": [{"eventType": "stream"}]}
    alias = client.post("/v1/analytics/events/batch", json=bad, headers=AUTH).get_json()
    assert alias == client.post("/api/v1/analytics/events/batch", json=bad, headers=AUTH).get_json()
    assert alias["accepted"] == 0 and alias["rejected"] == 1
    assert client.post("/v1/analytics/events", json={}, headers=AUTH).status_code == 400
    assert client.get("/v1/analytics/nothing", headers=AUTH).status_code == 404  # aliases only, no wildcard


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(["--no-access-log"]) as running:
        yield running


def test_real_server_sends_request_ids_on_fast_path_alias_and_404(server: MockServer) -> None:
    auth = {"Authorization": "Bearer wave_dev_key"}
    fast = requests.post(f"{server.root_url}/v1/analytics/events", json=EVENT, headers=auth)
    assert fast.status_code == 200 and fast.headers["X-Request-Id"].startswith("req_")
    missing = requests.get(f"{server.root_url}/v1/analytics/streams/unknown", headers=auth)
    assert missing.status_code == 404 and missing.headers["X-Request-Id"] != fast.headers["X-Request-Id"]
    known = requests.get(f"{server.root_url}/v1/analytics/streams/str_1", headers=auth)
    assert known.status_code == 200 and known.json()["totalViewers"] == 1
