"""16 writer threads x 5,000 events over HTTP, with readers querying all along."""

from __future__ import annotations

import threading
import time
from typing import Iterator

import pytest
import requests

from wave_mock.testing import MockServer
from wave_mock.timeutil import format_rfc3339

KEY = "concurrency-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
WRITERS, EVENTS_PER_WRITER, BATCH = 16, 5_000, 50


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(["--api-key", KEY, "--no-access-log", "--threads", "16"]) as running:
        yield running


def _writer(server: MockServer, worker: int, failures: list[str]) -> None:
    session = requests.Session()
    # Joins a minute ago, leaves half a minute ago: every session is closed "now".
    joined, left = format_rfc3339(time.time() - 60), format_rfc3339(time.time() - 30)
    for start in range(0, EVENTS_PER_WRITER, BATCH):
        events = [
            {
                "eventType": "stream",
                "eventName": "viewer.joined" if (start + i) % 2 == 0 else "viewer.left",
                "sessionId": f"w{worker}-s{(start + i) // 2}",
                "properties": {"streamId": f"stream-{worker % 4}"},
                "timestamp": joined if (start + i) % 2 == 0 else left,
            }
            for i in range(BATCH)
        ]
        response = session.post(f"{server.base_url}/analytics/events/batch", json={"events": events}, headers=AUTH, timeout=60)
        if response.status_code != 200 or response.json()["accepted"] != BATCH:
            failures.append(f"writer {worker}: {response.status_code} {response.text[:200]}")


def _reader(server: MockServer, done: threading.Event, failures: list[str]) -> None:
    session = requests.Session()
    last_total = 0
    while not done.is_set():
        dash = session.get(f"{server.base_url}/analytics/dashboards", params={"period": "1d"}, headers=AUTH, timeout=60)
        stream = session.get(f"{server.base_url}/analytics/stream/stream-0", headers=AUTH, timeout=60)
        if dash.status_code != 200 or stream.status_code not in (200, 404):
            failures.append(f"reader: {dash.status_code} {stream.status_code}")
            return
        metrics = dash.json()["metrics"]
        if metrics["totalEvents"] < last_total or metrics["totalEvents"] % BATCH:
            failures.append(f"torn or shrinking totalEvents: {last_total} -> {metrics['totalEvents']}")
        if sum(metrics["eventsByPlatform"].values()) != metrics["totalEvents"]:
            failures.append("eventsByPlatform does not add up to totalEvents")
        if stream.status_code == 200 and stream.json()["peakViewers"] > stream.json()["totalViewers"]:
            failures.append("peakViewers > totalViewers")
        last_total = metrics["totalEvents"]
        done.wait(0.2)


def test_concurrent_writes_store_every_event_once_and_reads_stay_consistent(server: MockServer) -> None:
    failures: list[str] = []
    done = threading.Event()
    writers = [threading.Thread(target=_writer, args=(server, w, failures)) for w in range(WRITERS)]
    readers = [threading.Thread(target=_reader, args=(server, done, failures)) for _ in range(2)]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    for thread in readers:
        thread.join()
    assert failures == []

    total = WRITERS * EVENTS_PER_WRITER
    stats = requests.get(f"{server.root_url}/_mock/stats", headers=AUTH, timeout=30).json()
    assert stats["accepted"] == total
    listed = requests.get(f"{server.root_url}/_mock/events", params={"limit": 10_000}, headers=AUTH, timeout=60).json()
    ids = [e["eventId"] for e in listed["events"]]
    assert len(ids) == len(set(ids)) == 10_000
    dashboard = requests.get(f"{server.base_url}/analytics/dashboards", params={"period": "1d"}, headers=AUTH, timeout=60).json()
    assert dashboard["metrics"]["totalEvents"] == total
    assert dashboard["metrics"]["uniqueSessions"] == total // 2
    stream = requests.get(f"{server.base_url}/analytics/stream/stream-0", headers=AUTH, timeout=60).json()
    # Writers 0, 4, 8 and 12 feed stream-0 with 2,500 sessions each, all closed by now.
    assert stream["totalViewers"] == 4 * EVENTS_PER_WRITER // 2
    assert stream["currentViewers"] == 0


def test_dashboard_reads_on_the_default_single_thread_run_beside_ingest() -> None:
    """One server thread (the default): dashboard reads go to a thread of their own, ingest stays
    on the loop, and the numbers add up exactly: the demo's expected file plus what was posted."""
    import json
    from pathlib import Path

    expected = json.loads((Path(__file__).parents[2] / "fixtures" / "demo.expected.json").read_text())
    demo_1d = expected["dashboards"]["1d"]["metrics"]["totalEvents"]
    posted, failures = 0, []
    with MockServer(["--api-key", KEY, "--no-access-log", "--load", "demo", "--load-frozen"]) as running:
        url = f"{running.base_url}/analytics/dashboards"
        stop = threading.Event()

        def read() -> None:
            while not stop.is_set():
                response = requests.get(url, params={"period": "1d"}, headers=AUTH, timeout=10)
                if response.status_code != 200:
                    failures.append(f"read {response.status_code}")

        readers = [threading.Thread(target=read) for _ in range(2)]
        for thread in readers:
            thread.start()
        session = requests.Session()
        for k in range(40):
            events = [{"eventType": "ui", "eventName": "ui.clicked", "sessionId": f"c{k}-{i}"} for i in range(25)]
            response = session.post(f"{running.base_url}/analytics/events/batch", json={"events": events}, headers=AUTH, timeout=10)
            posted += 25 if response.status_code == 200 else 0
        stop.set()
        for thread in readers:
            thread.join(10)
        final = requests.get(url, params={"period": "1d"}, headers=AUTH, timeout=10).json()
    assert not failures and posted == 1000
    assert final["metrics"]["totalEvents"] == demo_1d + posted
