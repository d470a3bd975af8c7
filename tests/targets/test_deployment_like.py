"""The deployment-like target differs from wave-mock in every way the issue lists, and keeps to the docs.

In-process (lag and rate limit off, so the shapes are quick to check) and over a socket
with the defaults (3 s lag, 20 req/s, seeded 503s).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from werkzeug.test import Client

from tests.targets import traffic
from tests.targets.deployment_like import OWN_METRICS, deployment_app
from tests.targets.process import DeploymentLikeServer

KEYS = ["dl_key_a", "dl_key_b"]
A = {"Authorization": f"Bearer {KEYS[0]}"}
B = {"Authorization": f"Bearer {KEYS[1]}"}


def _event(stream: str = "str_1", session: str = "sess_1", name: str = "viewer.joined", **extra: Any) -> dict[str, Any]:
    return {"eventType": "stream", "eventName": name, "sessionId": session, "properties": {"streamId": stream}, **extra}


@pytest.fixture
def client() -> Client:
    return Client(deployment_app(KEYS, lag=0, rate=None, unavailable_rate=0))


def test_no_admin_surface_and_no_served_spec(client: Client) -> None:
    for method, path in [("GET", "/_mock/events"), ("POST", "/_mock/reset"), ("GET", "/_mock/clock"), ("GET", "/api/v1/openapi.json")]:
        reply = client.open(path, method=method, headers=A)
        assert reply.status_code == 404 and reply.json["status"] == 404 and "error" not in reply.json, (path, reply.json)
    assert client.get("/health").json == {"status": "ok"}, "positive control: the router answers what it has"


def test_errors_have_its_own_shape_and_validation_is_422(client: Client) -> None:
    reply = client.post("/api/v1/analytics/events", json={"eventType": "stream", "eventName": "x"}, headers=A)
    assert reply.status_code == 422
    assert reply.json == {"title": "Unprocessable Entity", "status": 422, "detail": "The event is invalid.",
                          "invalidParams": [{"name": "sessionId", "reason": "is required"}]}
    unauthorized = client.post("/api/v1/analytics/events", json=_event())
    assert unauthorized.status_code == 401 and unauthorized.headers["WWW-Authenticate"].startswith("Bearer")
    assert set(unauthorized.json) == {"title", "status", "detail"}
    assert client.get("/api/v1/analytics/dashboards?period=2d", headers=A).status_code == 422
    wrong_method = client.delete("/api/v1/analytics/events", headers=A)
    assert wrong_method.status_code == 405 and wrong_method.headers["Allow"] == "POST"


def test_unknown_fields_and_timestamp_are_dropped_not_refused(client: Client) -> None:
    two_days_ago = (datetime.now(timezone.utc) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    reply = client.post("/api/v1/analytics/events", json=_event(timestamp=two_days_ago, referrer="x"), headers=A)
    assert reply.status_code == 200 and reply.json["success"] is True
    batch = client.post("/api/v1/analytics/events/batch", json={"events": [_event(session="s2", debug=True)], "traceId": "t"}, headers=A)
    assert batch.status_code == 200 and batch.json == {"success": True, "accepted": 1, "rejected": 0}
    one_day = client.get("/api/v1/analytics/dashboards?period=1d&metric=eventCount", headers=A).json
    assert one_day["metrics"] == {"eventCount": 2}, "the 2-day-old timestamp was ignored: the event counts as now"


def test_batch_answers_have_no_per_item_errors(client: Client) -> None:
    events = [_event(session="s1"), {"eventType": "stream", "eventName": "x"}, _event(session="s2", platform="tv")]
    reply = client.post("/api/v1/analytics/events/batch", json={"events": events}, headers=A)
    assert reply.status_code == 200 and reply.json == {"success": True, "accepted": 1, "rejected": 2}
    too_many = client.post("/api/v1/analytics/events/batch", json={"events": [_event()] * 101}, headers=A)
    assert too_many.status_code == 422, "the documented max of 100 holds"


def test_dashboard_uses_its_own_metric_names_and_filters_to_one(client: Client) -> None:
    client.post("/api/v1/analytics/events/batch", json={"events": [_event(session=f"s{i}") for i in range(3)]}, headers=A)
    full = client.get("/api/v1/analytics/dashboards", headers=A).json
    assert full["period"] == "7d" and set(full["metrics"]) == set(OWN_METRICS)
    assert (full["metrics"]["eventCount"], full["metrics"]["sessionCount"], full["metrics"]["viewerCount"]) == (3, 3, 3)
    one = client.get("/api/v1/analytics/dashboards?metric=sessionCount&period=30d", headers=A).json
    assert one == {"period": "30d", "metrics": {"sessionCount": 3}}
    unknown = client.get("/api/v1/analytics/dashboards?metric=totalEvents", headers=A).json
    assert unknown == {"period": "7d", "metrics": {}}, "wave-mock's names are not its names: they filter to nothing"


def test_stream_analytics_has_only_documented_fields_and_zeros_when_unknown(client: Client) -> None:
    client.post("/api/v1/analytics/events/batch", json={"events": [_event("str_9", "s1"), _event("str_9", "s2"), _event("str_9", "s1", "viewer.left")]}, headers=A)
    known = client.get("/api/v1/analytics/stream/str_9?period=1h", headers=A).json
    assert set(known) == {"streamId", "totalViewers", "peakViewers", "avgWatchTime", "totalDuration", "quality"}
    assert (known["streamId"], known["totalViewers"], known["peakViewers"]) == ("str_9", 2, 2)
    unknown = client.get("/api/v1/analytics/stream/str_never", headers=A)
    assert unknown.status_code == 200
    assert unknown.json == {"streamId": "str_never", "totalViewers": 0, "peakViewers": 0, "avgWatchTime": 0, "totalDuration": 0}
    assert client.get("/api/v1/analytics/stream/str_9", headers=B).json["totalViewers"] == 0, "tenants stay apart"


def test_unavailable_answers_are_seeded_and_store_nothing() -> None:
    def statuses(seed: int) -> list[int]:
        client = Client(deployment_app(KEYS, lag=0, rate=None, unavailable_rate=0.3, seed=seed))
        return [client.post("/api/v1/analytics/events", json=_event(session=f"s{i}"), headers=A).status_code for i in range(30)]

    first = statuses(7)
    assert first == statuses(7), "the same seed gives the same 503s"
    assert 0 < first.count(503) < 30 and set(first) == {200, 503}
    client = Client(deployment_app(KEYS, lag=0, rate=None, unavailable_rate=0.5, seed=1))
    sent = [client.post("/api/v1/analytics/events", json=_event(session=f"s{i}"), headers=A) for i in range(20)]
    refused = [r for r in sent if r.status_code == 503]
    assert refused and all(r.headers["Retry-After"] == "1" and r.json["status"] == 503 for r in refused)
    counted = None
    while counted is None:  # the read itself may be answered 503
        reply = client.get("/api/v1/analytics/dashboards?metric=eventCount", headers=A)
        counted = reply.json["metrics"]["eventCount"] if reply.status_code == 200 else None
    assert counted == 20 - len(refused)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeploymentLikeServer]:
    tmp = tmp_path_factory.mktemp("deployment_like")
    args = ["--api-key", KEYS[0], "--api-key", KEYS[1], "--unavailable-rate", "0", "--request-log", str(tmp / "requests.jsonl")]
    with DeploymentLikeServer(args, log_path=tmp / "server.log") as running:
        yield running


def test_over_a_socket_events_show_up_after_the_3_second_lag(server: DeploymentLikeServer) -> None:
    sent = requests.post(f"{server.base_url}/analytics/events", json=_event("str_lag"), headers=A, timeout=10)
    accepted_at = time.monotonic()
    assert sent.status_code == 200
    early = requests.get(f"{server.base_url}/analytics/stream/str_lag", headers=A, timeout=10).json()
    if time.monotonic() - accepted_at < 3.0:
        assert early["totalViewers"] == 0, "inside the lag the stream reads as empty"
    time.sleep(max(0.0, accepted_at + 3.2 - time.monotonic()))
    late = requests.get(f"{server.base_url}/analytics/stream/str_lag", headers=A, timeout=10).json()
    assert late["totalViewers"] == 1


def test_over_a_socket_a_burst_gets_429_with_retry_after(server: DeploymentLikeServer) -> None:
    time.sleep(1.1)  # a full bucket of 20
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:  # faster than 20/s even on a loaded machine
        replies = list(pool.map(lambda _: requests.get(f"{server.base_url}/analytics/dashboards", headers=B, timeout=10), range(120)))
    elapsed = time.monotonic() - started
    passed, refused = [r for r in replies if r.status_code == 200], [r for r in replies if r.status_code == 429]
    assert len(passed) + len(refused) == len(replies)
    assert refused and len(passed) <= 20 + 20 * elapsed + 1, f"{len(passed)} passed in {elapsed:.2f} s: at most a burst of 20 plus 20/s"
    assert refused[0].headers["Retry-After"] == "1" and refused[0].json()["title"] == "Too Many Requests"


def test_request_log_records_what_the_client_did(server: DeploymentLikeServer) -> None:
    requests.post(f"{server.root_url}/_mock/reset", headers=A, timeout=10)
    log = traffic.read(Path(server.args[server.args.index("--request-log") + 1]))
    assert any(r.method == "POST" and r.path == "/api/v1/analytics/events" and r.key == 0 for r in log)
    assert [r.path for r in traffic.admin_writes(log)] == ["/_mock/reset"], "an admin write is seen (and refused with 404)"
    assert any(r.status == 429 and r.retry_after == 1 and r.key == 1 for r in log)
