"""--data-file: acknowledged events survive restarts and SIGKILL; evictions and resets stay done."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import orjson
import requests
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from wave_mock.app import create_app
from wave_mock.auth import tenant_of
from wave_mock.cli import main
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


def _sessions(root: str, key_headers: dict[str, str] = HEADERS) -> list[str]:
    response = requests.get(f"{root}/_mock/events", params={"limit": 1000}, headers=key_headers, timeout=10)
    assert response.status_code == 200
    return [e["event"]["sessionId"] for e in response.json()["events"]]


def test_events_evicted_by_max_events_stay_gone_after_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "events.db"
    other = {"Authorization": "Bearer other-key"}
    args = ["--api-key", KEY, "--api-key", "other-key", "--data-file", str(data), "--max-events", "5", "--no-access-log"]
    with MockServer(args) as server:
        for prefix, headers in (("a", HEADERS), ("b", other), ("c", HEADERS)):
            response = requests.post(f"{server.base_url}/analytics/events/batch", json=_batch(prefix, 3), headers=headers, timeout=10)
            assert response.status_code == 200
        # 9 sent, the newest 5 kept across tenants: c0-c2 and b1-b2 (a0-a2 and b0 evicted).
        assert _sessions(server.root_url) == ["c-2", "c-1", "c-0"]
        assert _sessions(server.root_url, other) == ["b-2", "b-1"]
    with MockServer(args) as restarted:
        assert _sessions(restarted.root_url) == ["c-2", "c-1", "c-0"]
        assert _sessions(restarted.root_url, other) == ["b-2", "b-1"]
        one = {"eventType": "t", "eventName": "n", "sessionId": "d-0"}
        assert requests.post(f"{restarted.base_url}/analytics/events", json=one, headers=other, timeout=10).status_code == 200
    restarted.stop(kill=True)
    with MockServer(args) as again:  # the eviction caused by d-0 (of b-1) is durable too
        assert _sessions(again.root_url, other) == ["d-0", "b-2"]
        assert _sessions(again.root_url) == ["c-2", "c-1", "c-0"]


def test_restart_with_a_smaller_max_events_keeps_the_newest_and_says_so_durably(tmp_path: Path) -> None:
    data = tmp_path / "events.db"
    first = _app(data).test_client()
    first.post("/api/v1/analytics/events/batch", json=_batch("a", 4), headers=HEADERS)
    first.post("/api/v1/analytics/events/batch", json=_batch("b", 4), headers=HEADERS)
    _close(first)
    small = _app(data, MAX_EVENTS=3).test_client()
    assert [e["event"]["sessionId"] for e in small.get("/_mock/events", headers=HEADERS).get_json()["events"]] == ["b-3", "b-2", "b-1"]
    _close(small)
    big = _app(data).test_client()  # a larger bound later does not bring the evicted back
    assert [e["event"]["sessionId"] for e in big.get("/_mock/events", headers=HEADERS).get_json()["events"]] == ["b-3", "b-2", "b-1"]
    _close(big)


def test_reset_of_one_tenant_keeps_the_other_after_restart(tmp_path: Path) -> None:
    data = tmp_path / "events.db"
    other = {"Authorization": "Bearer other-key"}
    first = _app(data, API_KEYS=[KEY, "other-key"]).test_client()
    first.post("/api/v1/analytics/events/batch", json=_batch("a", 2), headers=HEADERS)
    first.post("/api/v1/analytics/events/batch", json=_batch("o", 2), headers=other)
    first.post("/_mock/reset", headers=HEADERS)
    _close(first)
    second = _app(data, API_KEYS=[KEY, "other-key"]).test_client()
    assert second.get("/_mock/events", headers=HEADERS).get_json()["events"] == []
    assert [e["event"]["sessionId"] for e in second.get("/_mock/events", headers=other).get_json()["events"]] == ["o-1", "o-0"]
    _close(second)


def test_an_old_json_lines_journal_is_imported_and_kept(tmp_path: Path, caplog) -> None:
    """What wave-mock wrote before SQLite: events, a reset, a torn last line."""
    data = tmp_path / "events.jsonl"
    tenant = tenant_of(KEY)
    lines = [
        {"tenant": tenant, "eventId": "evt_000000000001", "receivedAt": 1.764e9, "time": 1.764e9, "event": {"eventType": "t", "eventName": "n", "sessionId": "gone"}},
        {"reset": tenant},
        {"tenant": tenant, "eventId": "evt_000000000007", "receivedAt": 1.764e9, "time": 1.7639e9, "event": {"eventType": "t", "eventName": "n", "sessionId": "kept"}},
    ]
    journal = b"".join(orjson.dumps(line) + b"\n" for line in lines) + b'{"tenant":"t_x","eventId":"evt_0000'
    data.write_bytes(journal)
    app = _app(data)
    client = app.test_client()
    events = client.get("/_mock/events", headers=HEADERS).get_json()["events"]
    # 1.7639e9 s is 2025-11-23T12:13:20Z (GNU date -u -d @1763900000)
    assert [(e["eventId"], e["event"]["sessionId"], e["time"]) for e in events] == [("evt_000000000007", "kept", "2025-11-23T12:13:20Z")]
    # ids continue after the highest ever handed out (the reset one included)
    assert client.post("/api/v1/analytics/events", json=_batch("n", 1)["events"][0], headers=HEADERS).get_json()["eventId"] == "evt_000000000008"
    _close(client)
    assert (tmp_path / "events.jsonl.jsonl-imported").read_bytes() == journal
    assert data.read_bytes().startswith(b"SQLite format 3\x00")
    assert "skipped torn line 4" in caplog.text and "imported 1 events from a JSON Lines journal" in caplog.text


def test_export_writes_json_lines_that_a_server_imports_back(tmp_path: Path) -> None:
    data = tmp_path / "events.db"
    first = _app(data).test_client()
    first.post("/api/v1/analytics/events/batch", json=_batch("a", 3), headers=HEADERS)
    before = first.get("/_mock/events", headers=HEADERS).get_json()["events"]
    _close(first)
    out = tmp_path / "export.jsonl"
    result = CliRunner().invoke(main, ["data", "export", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert [(line["eventId"], line["event"]["sessionId"], line["tenant"]) for line in lines] == [
        (e["eventId"], e["event"]["sessionId"], tenant_of(KEY)) for e in reversed(before)
    ]
    second = _app(out).test_client()  # an export is a valid --data-file
    assert second.get("/_mock/events", headers=HEADERS).get_json()["events"] == before
    _close(second)


def _stored(root_url: str) -> int:
    response = requests.get(f"{root_url}/_mock/stats", headers=HEADERS, timeout=10)
    assert response.status_code == 200
    return response.json()["accepted"]


def _demo_events() -> int:
    return sum(1 for line in (Path(__file__).parents[2] / "fixtures" / "demo.jsonl").open() if line.strip())


def test_load_with_a_data_file_seeds_the_demo_once_per_start_beside_the_durable_events(tmp_path: Path) -> None:
    """The seed is not written to the data file: a restart neither doubles it nor loses it,
    and the events a client posted survive beside it."""
    args = ["--api-key", KEY, "--data-file", str(tmp_path / "events.db"), "--load", "demo", "--no-access-log"]
    with MockServer(args) as first:
        assert _stored(first.root_url) == _demo_events() > 0
        one = {"eventType": "t", "eventName": "n", "sessionId": "posted"}
        assert requests.post(f"{first.base_url}/analytics/events", json=one, headers=HEADERS, timeout=10).status_code == 200
        assert _stored(first.root_url) == _demo_events() + 1
    for _ in range(2):
        with MockServer(args) as restarted:
            assert _stored(restarted.root_url) == _demo_events() + 1
            posted = requests.get(f"{restarted.root_url}/_mock/events", params={"sessionId": "posted"}, headers=HEADERS, timeout=10)
            assert [e["event"]["sessionId"] for e in posted.json()["events"]] == ["posted"]


def test_load_frozen_with_a_data_file_refreezes_the_clock_without_storing_again(tmp_path: Path) -> None:
    args = ["--api-key", KEY, "--data-file", str(tmp_path / "events.db"), "--load", "demo", "--load-frozen", "--no-access-log"]
    expected = orjson.loads((Path(__file__).parents[2] / "fixtures" / "demo.expected.json").read_bytes())["dashboards"]["1d"]
    for _ in range(2):  # the first start is the positive control for the restart
        with MockServer(args) as server:
            assert _stored(server.root_url) == _demo_events()
            dashboard = requests.get(f"{server.base_url}/analytics/dashboards", params={"period": "1d"}, headers=HEADERS, timeout=10)
            assert dashboard.json() == expected
