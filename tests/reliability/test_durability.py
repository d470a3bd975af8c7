"""--data-file: acknowledged events survive restarts and SIGKILL; evictions and resets stay done."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import requests
from flask import Flask
from flask.testing import FlaskClient

from wave_mock.app import create_app
from wave_mock.testing import MockServer, free_port

KEY = "durable-key"
HEADERS = {"Authorization": f"Bearer {KEY}"}


def _batch(prefix: str, n: int) -> dict:
    return {"events": [{"eventType": "t", "eventName": "n", "sessionId": f"{prefix}-{i}"} for i in range(n)]}


def _app(data: Path, **config: Any) -> Flask:
    return create_app({"API_KEYS": [KEY], "DATA_FILE": str(data), **config})


def _close(client: FlaskClient) -> None:
    client.application.extensions["wave_mock"].close()


def test_restart_reloads_the_data_file_with_ids_and_times(tmp_path: Path) -> None:
    data = tmp_path / "events.db"
    first = create_app({"API_KEYS": [KEY], "DATA_FILE": str(data)}).test_client()
    first.post("/api/v1/analytics/events/batch", json=_batch("a", 3), headers=HEADERS)
    before = first.get("/_mock/events", headers=HEADERS).get_json()["events"]
    _close(first)
    second = create_app({"API_KEYS": [KEY], "DATA_FILE": str(data)}).test_client()
    assert second.get("/_mock/events", headers=HEADERS).get_json()["events"] == before
    new_id = second.post("/api/v1/analytics/events", json=_batch("b", 1)["events"][0], headers=HEADERS).get_json()["eventId"]
    assert new_id not in {e["eventId"] for e in before}


def test_reset_is_durable(tmp_path: Path) -> None:
    data = tmp_path / "events.db"
    first = create_app({"API_KEYS": [KEY], "DATA_FILE": str(data)}).test_client()
    first.post("/api/v1/analytics/events/batch", json=_batch("a", 2), headers=HEADERS)
    first.post("/_mock/reset", headers=HEADERS)
    first.post("/api/v1/analytics/events/batch", json=_batch("b", 1), headers=HEADERS)
    _close(first)
    second = create_app({"API_KEYS": [KEY], "DATA_FILE": str(data)}).test_client()
    sessions = [e["event"]["sessionId"] for e in second.get("/_mock/events", headers=HEADERS).get_json()["events"]]
    assert sessions == ["b-0"]


def test_sigkill_during_concurrent_ingest_loses_no_acknowledged_event(tmp_path: Path) -> None:
    data = tmp_path / "events.db"
    port = free_port()
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    server = MockServer(["--api-key", KEY, "--data-file", str(data), "--no-access-log"], port=port).start()

    def writer(worker: int) -> None:
        session = requests.Session()
        for i in range(2000):
            if stop.is_set():
                return
            body = {"eventType": "t", "eventName": "n", "sessionId": f"w{worker}-{i}"}
            try:
                response = session.post(f"{server.base_url}/analytics/events", json=body, headers=HEADERS, timeout=5)
            except requests.RequestException:
                return
            if response.status_code == 200:
                with lock:
                    acknowledged.append(response.json()["eventId"])

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    while len(acknowledged) < 300:
        threading.Event().wait(0.02)
    server.stop(kill=True)
    stop.set()
    for thread in threads:
        thread.join()

    with MockServer(["--api-key", KEY, "--data-file", str(data), "--no-access-log"], port=port) as restarted:
        stored = requests.get(f"{restarted.root_url}/_mock/events", params={"limit": 10000}, headers=HEADERS).json()
    stored_ids = {e["eventId"] for e in stored["events"]}
    assert len(acknowledged) >= 300
    assert set(acknowledged) <= stored_ids
