"""``--ingest-lag``: accepted events reach analytics reads only after the lag, in real seconds."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from flask import Flask
from flask.testing import FlaskClient

from tests.realism.conftest import KEY_A, KEY_B, Ticks, auth, event
from wave_mock.app import create_app
from wave_mock.state import EXTENSION


def _post(client: FlaskClient, body: dict, key_headers: dict | None = None) -> None:
    reply = client.post("/api/v1/analytics/events", json=body, headers=key_headers or auth())
    assert reply.status_code == 200, reply.get_json()


def _total_events(client: FlaskClient, headers: dict | None = None) -> int:
    reply = client.get("/api/v1/analytics/dashboards?period=1d&metric=totalEvents", headers=headers or auth())
    return reply.get_json()["metrics"]["totalEvents"]


def test_without_lag_an_event_is_readable_at_once(make_app: Callable[..., Flask]) -> None:
    client = make_app().test_client()
    _post(client, event())
    assert client.get("/api/v1/analytics/stream/str_1", headers=auth()).status_code == 200
    assert _total_events(client) == 1


def test_events_become_visible_only_after_the_lag(make_app: Callable[..., Flask], ticks: Ticks) -> None:
    client = make_app(INGEST_LAG=3.0).test_client()
    _post(client, event(session="s1"))
    assert client.get("/api/v1/analytics/stream/str_1", headers=auth()).status_code == 404
    assert _total_events(client) == 0
    ticks.wait(2.9)
    assert _total_events(client) == 0, "2.9 s of a 3 s lag: still invisible"
    _post(client, event(session="s2"))  # arrives at 2.9 s, visible at 5.9 s
    ticks.wait(0.1)
    assert _total_events(client) == 1, "the first event is visible at exactly 3 s"
    stream = client.get("/api/v1/analytics/stream/str_1", headers=auth())
    assert stream.status_code == 200 and stream.get_json()["totalViewers"] == 1
    ticks.wait(2.9)
    assert _total_events(client) == 2


def test_the_lag_runs_on_real_time_not_the_mock_clock(make_app: Callable[..., Flask], ticks: Ticks) -> None:
    """The mock clock is frozen (conftest) and then moved a day ahead: neither changes the lag."""
    client = make_app(INGEST_LAG=5.0).test_client()
    _post(client, event())
    moved = client.post("/_mock/clock", json={"advance": 86_400}, headers=auth())
    assert moved.status_code == 200
    assert _total_events(client) == 0, "advancing the mock clock does not release held events"
    ticks.wait(5.0)
    assert _total_events(client) == 1, "with the mock clock frozen, 5 real seconds release them"


def test_a_batch_becomes_visible_as_one(make_app: Callable[..., Flask], ticks: Ticks) -> None:
    client = make_app(INGEST_LAG=1.0).test_client()
    events = [event(session=f"s{i}") for i in range(7)] + [{"eventType": "stream"}]
    reply = client.post("/api/v1/analytics/events/batch", json={"events": events}, headers=auth())
    assert (reply.get_json()["accepted"], reply.get_json()["rejected"]) == (7, 1)
    assert _total_events(client) == 0
    ticks.wait(1.0)
    assert _total_events(client) == 7


def test_inspection_lists_held_events_at_once_marked_pending(make_app: Callable[..., Flask], ticks: Ticks) -> None:
    client = make_app(INGEST_LAG=3.0).test_client()
    _post(client, event("viewer.joined", "s1"))
    ticks.wait(2.0)
    _post(client, event("viewer.left", "s1"))
    ticks.wait(0.5)
    listed = client.get("/_mock/events", headers=auth()).get_json()
    assert [(e["event"]["eventName"], e["pending"], e["visibleInSeconds"]) for e in listed["events"]] == [
        ("viewer.left", True, 2.5),  # received 0.5 s ago
        ("viewer.joined", True, 0.5),  # received 2.5 s ago
    ]
    only_left = client.get("/_mock/events?eventName=viewer.left", headers=auth()).get_json()
    assert [e["event"]["eventName"] for e in only_left["events"]] == ["viewer.left"]
    ticks.wait(0.5)  # the join is visible now, the leave is not
    listed = client.get("/_mock/events", headers=auth()).get_json()
    assert [(e["event"]["eventName"], "pending" in e) for e in listed["events"]] == [("viewer.left", True), ("viewer.joined", False)]
    limited = client.get("/_mock/events?limit=1", headers=auth()).get_json()
    assert limited["count"] == 1 and limited["events"][0]["event"]["eventName"] == "viewer.left"


def test_stats_count_held_events_as_accepted_and_pending(make_app: Callable[..., Flask], ticks: Ticks) -> None:
    client = make_app(INGEST_LAG=3.0).test_client()
    _post(client, event(session="s1"))
    _post(client, event(session="s2"))
    stats = client.get("/_mock/stats", headers=auth()).get_json()
    assert (stats["accepted"], stats["pending"], stats["total"]) == (2, 2, 2)
    ticks.wait(3.0)
    stats = client.get("/_mock/stats", headers=auth()).get_json()
    assert (stats["accepted"], stats["pending"], stats["total"]) == (2, 0, 2)


def test_reset_drops_held_events_of_that_tenant_only(make_app: Callable[..., Flask], ticks: Ticks) -> None:
    client = make_app(INGEST_LAG=3.0).test_client()
    _post(client, event(session="s1"))
    _post(client, event(session="s2"), auth(KEY_B))
    assert client.post("/_mock/reset", headers=auth()).status_code == 200
    ticks.wait(3.0)
    assert _total_events(client) == 0, "the reset tenant's held event never shows up"
    assert _total_events(client, auth(KEY_B)) == 1, "the other tenant's held event does"


def test_held_events_are_journaled_at_once(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    """The 2xx means durable, lag or not: a restart before the lag passed keeps the event."""
    data_file = tmp_path / "events.jsonl"
    app = make_app(INGEST_LAG=60.0, DATA_FILE=str(data_file))
    client = app.test_client()
    _post(client, event())
    assert _total_events(client) == 0
    app.extensions[EXTENSION].close()  # as a stopped server would: the next one may open the file
    restarted = make_app(DATA_FILE=str(data_file)).test_client()
    assert _total_events(restarted) == 1


def test_inspection_filters_apply_to_held_events(make_app: Callable[..., Flask]) -> None:
    client = make_app(INGEST_LAG=3.0).test_client()
    _post(client, event("viewer.joined", "s1", "str_a", userId="u1"))
    _post(client, event("viewer.joined", "s2", "str_b", eventType="page"))

    def listed(query: str) -> list[str]:
        return [e["event"]["sessionId"] for e in client.get(f"/_mock/events?{query}", headers=auth()).get_json()["events"]]

    assert listed("userId=u1") == ["s1"]
    assert listed("streamId=str_b") == ["s2"]
    assert listed("eventType=page") == ["s2"]
    assert listed("sessionId=s1") == ["s1"]
    assert listed("since=2026-11-20T12:00:00Z") == ["s2", "s1"], "both happened at the frozen now"
    assert listed("since=2026-11-20T12:00:01Z") == []


def test_events_loaded_at_start_are_visible_at_once(make_app: Callable[..., Flask]) -> None:
    fixture = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "duplicate_joins.jsonl"
    lines = sum(1 for line in fixture.read_text().splitlines() if line.strip())
    client = make_app(INGEST_LAG=60.0, LOAD=[str(fixture)]).test_client()
    stats = client.get("/_mock/stats", headers=auth()).get_json()
    assert (stats["accepted"], stats["pending"]) == (lines, 0)


def test_concurrent_writers_and_readers_lose_nothing() -> None:
    """Real threads and real time: held batches are released while others write and read."""
    app = create_app({"API_KEYS": [KEY_A, KEY_B], "INGEST_LAG": 0.01})

    def work(worker: int) -> list[int]:
        client = app.test_client()
        statuses = []
        for i in range(40):
            body = {"events": [event(session=f"w{worker}_{i}_{j}") for j in range(3)]}
            statuses.append(client.post("/api/v1/analytics/events/batch", json=body, headers=auth()).status_code)
            statuses.append(client.get("/api/v1/analytics/dashboards?metric=totalEvents", headers=auth()).status_code)
            statuses.append(client.get("/_mock/events?limit=5", headers=auth()).status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = [s for result in pool.map(work, range(6)) for s in result]
    assert set(statuses) == {200}
    time.sleep(0.05)
    assert _total_events(app.test_client()) == 6 * 40 * 3
