"""Both switches on a real ``wave-mock serve`` process, over a socket."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import pytest
import requests

from wave_mock.testing import MockServer

KEY = "realism-key"
LAG = 1.5
HEADERS = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(["--api-key", KEY, "--ingest-lag", str(LAG), "--rate-limit", "5", "--no-access-log"]) as running:
        yield running


def _wait_for_token() -> None:
    time.sleep(1.1)  # a full bucket again (5 tokens refill in 1 s)


def test_an_accepted_event_is_readable_only_after_the_lag(server: MockServer) -> None:
    _wait_for_token()
    body = {"eventType": "stream", "eventName": "viewer.joined", "sessionId": "sess_1", "properties": {"streamId": "str_lag"}}
    sent = requests.post(f"{server.base_url}/analytics/events", json=body, headers=HEADERS, timeout=10)
    accepted_at = time.monotonic()
    assert sent.status_code == 200
    early = requests.get(f"{server.base_url}/analytics/stream/str_lag", headers=HEADERS, timeout=10)
    listed = requests.get(f"{server.root_url}/_mock/events?streamId=str_lag", headers=HEADERS, timeout=10).json()
    assert early.status_code == 404 or time.monotonic() - accepted_at >= LAG, "read before the lag: not visible yet"
    assert listed["events"][0]["pending"] is True and 0 < listed["events"][0]["visibleInSeconds"] <= LAG
    time.sleep(max(0.0, accepted_at + LAG + 0.2 - time.monotonic()))
    _wait_for_token()
    late = requests.get(f"{server.base_url}/analytics/stream/str_lag", headers=HEADERS, timeout=10)
    assert late.status_code == 200 and late.json()["totalViewers"] == 1
    listed = requests.get(f"{server.root_url}/_mock/events?streamId=str_lag", headers=HEADERS, timeout=10).json()
    assert "pending" not in listed["events"][0]


def test_a_burst_over_the_limit_gets_429_with_retry_after(server: MockServer) -> None:
    _wait_for_token()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:  # faster than 5/s even on a loaded machine
        replies = list(pool.map(lambda _: requests.get(f"{server.base_url}/analytics/dashboards", headers=HEADERS, timeout=10), range(30)))
    elapsed = time.monotonic() - started
    statuses = [r.status_code for r in replies]
    assert set(statuses) == {200, 429}, statuses
    assert 5 <= statuses.count(200) <= 5 + 5 * elapsed + 1, f"a burst of 5, then 5/s: {statuses} in {elapsed:.2f} s"
    refused = next(r for r in replies if r.status_code == 429)
    assert refused.headers["Retry-After"] == "1" and refused.headers["Content-Type"] == "application/json"
    assert refused.json()["error"]["code"] == "rate_limited"
    health = [requests.get(f"{server.root_url}/_mock/health", timeout=10).status_code for _ in range(10)]
    assert health == [200] * 10, "the inspection API is not rate-limited"
    time.sleep(int(refused.headers["Retry-After"]))
    assert requests.get(f"{server.base_url}/analytics/dashboards", headers=HEADERS, timeout=10).status_code == 200
