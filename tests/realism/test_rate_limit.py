"""``--rate-limit``: a token bucket per key on the WAVE endpoints, 429 with Retry-After and the JSON error body."""

from __future__ import annotations

from typing import Callable

import pytest
from flask import Flask

from tests.realism.conftest import KEY_B, Ticks, auth, event
from wave_mock.errors import RateLimited
from wave_mock.realism import RateLimiter


def test_bucket_allows_a_burst_of_rate_then_one_per_interval(ticks: Ticks) -> None:
    limiter = RateLimiter(4, ticks)
    assert [limiter.wait("k") for _ in range(4)] == [0.0] * 4
    assert limiter.wait("k") == pytest.approx(0.25), "empty bucket: a token comes back in 1/4 s"
    ticks.wait(0.25)
    assert limiter.wait("k") == 0.0
    assert limiter.wait("k") == pytest.approx(0.25)
    ticks.wait(10)
    assert [limiter.wait("k") for _ in range(5)][-2:] == [0.0, pytest.approx(0.25)], "refill stops at the burst of 4"


def test_keys_have_separate_buckets(ticks: Ticks) -> None:
    limiter = RateLimiter(1, ticks)
    assert limiter.wait("a") == 0.0
    assert limiter.wait("a") == pytest.approx(1.0)
    assert limiter.wait("b") == 0.0


def test_retry_after_is_whole_seconds_until_a_token(ticks: Ticks) -> None:
    slow = RateLimiter(0.25, ticks)  # one request per 4 s
    slow.admit("k")
    ticks.wait(0.5)
    with pytest.raises(RateLimited) as caught:
        slow.admit("k")
    assert caught.value.headers["Retry-After"] == "4", "0.125 tokens left, 0.875 / 0.25 = 3.5 s -> 4"
    fast = RateLimiter(20, ticks)
    for _ in range(20):
        fast.admit("k")
    with pytest.raises(RateLimited) as caught:
        fast.admit("k")
    assert caught.value.headers["Retry-After"] == "1", "0.05 s rounds up to the smallest whole second"


def test_over_the_limit_gets_429_json_on_every_wave_endpoint(make_app: Callable[..., Flask], ticks: Ticks) -> None:
    client = make_app(RATE_LIMIT=2).test_client()
    calls = [
        lambda: client.post("/api/v1/analytics/events", json=event(), headers=auth()),  # the WSGI fast path
        lambda: client.post("/api/v1/analytics/events/batch", json={"events": [event()]}, headers=auth()),
        lambda: client.get("/api/v1/analytics/dashboards", headers=auth()),
        lambda: client.get("/api/v1/analytics/stream/str_1", headers=auth()),
    ]
    for call in calls:
        ticks.wait(1.0)  # a full bucket of 2
        assert call().status_code == 200 and call().status_code == 200
        refused = call()
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
        assert refused.get_json()["error"]["status"] == 429 and refused.get_json()["error"]["code"] == "rate_limited"


def test_refused_events_are_not_stored(make_app: Callable[..., Flask], ticks: Ticks) -> None:
    client = make_app(RATE_LIMIT=1).test_client()
    assert client.post("/api/v1/analytics/events", json=event(session="s1"), headers=auth()).status_code == 200
    assert client.post("/api/v1/analytics/events", json=event(session="s2"), headers=auth()).status_code == 429
    ticks.wait(1.0)
    stats = client.get("/_mock/stats", headers=auth()).get_json()
    assert stats["accepted"] == 1


def test_one_key_being_limited_leaves_the_other_alone(make_app: Callable[..., Flask]) -> None:
    client = make_app(RATE_LIMIT=1).test_client()
    assert client.get("/api/v1/analytics/dashboards", headers=auth()).status_code == 200
    assert client.get("/api/v1/analytics/dashboards", headers=auth()).status_code == 429
    assert client.get("/api/v1/analytics/dashboards", headers=auth(KEY_B)).status_code == 200


def test_inspection_api_and_unauthenticated_requests_are_not_limited(make_app: Callable[..., Flask]) -> None:
    client = make_app(RATE_LIMIT=1).test_client()
    assert client.get("/api/v1/analytics/dashboards", headers=auth()).status_code == 200
    assert client.get("/api/v1/analytics/dashboards", headers=auth()).status_code == 429, "the bucket is empty"
    assert [client.get("/_mock/events", headers=auth()).status_code for _ in range(5)] == [200] * 5
    assert client.get("/api/v1/analytics/dashboards").status_code == 401, "no key, no bucket: still 401"
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_frozen_mock_clock_does_not_refill_or_stall_the_bucket(make_app: Callable[..., Flask], ticks: Ticks) -> None:
    client = make_app(RATE_LIMIT=1).test_client()
    assert client.get("/api/v1/analytics/dashboards", headers=auth()).status_code == 200
    assert client.post("/_mock/clock", json={"advance": 3600}, headers=auth()).status_code == 200
    assert client.get("/api/v1/analytics/dashboards", headers=auth()).status_code == 429, "mock time is not real waiting"
    ticks.wait(1.0)
    assert client.get("/api/v1/analytics/dashboards", headers=auth()).status_code == 200, "1 real second refills it"
