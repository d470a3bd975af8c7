"""trackEventBatch: the envelope is all-or-nothing, items are judged one by one."""

from __future__ import annotations

from tests.http.conftest import Api, event


def test_101_events_return_400_and_store_nothing(api: Api) -> None:
    response = api.batch([event(session=f"s{i}") for i in range(101)])
    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == [{"field": "events", "message": "must have at most 100 items"}]
    assert api.stored() == 0


def test_100_events_are_all_accepted(api: Api) -> None:
    response = api.batch([event(session=f"s{i}") for i in range(100)])
    assert response.get_json() == {"success": True, "accepted": 100, "rejected": 0, "errors": []}
    assert api.stored() == 100


def test_missing_or_empty_events_return_400(api: Api) -> None:
    missing = api.client.post("/api/v1/analytics/events/batch", json={}, headers=api.headers())
    empty = api.batch([])
    assert missing.status_code == empty.status_code == 400
    assert missing.get_json()["error"]["details"] == [{"field": "events", "message": "is required"}]


def test_non_object_item_rejects_the_whole_batch(api: Api) -> None:
    response = api.batch([event(), "not an event"])
    assert response.status_code == 400
    assert api.stored() == 0


def test_mixed_batch_stores_valid_and_reports_invalid_items(api: Api) -> None:
    events = [event(session="ok1"), {"eventType": "stream", "eventName": "x"}, event(session="ok2", platform="tv")]
    body = api.batch(events).get_json()
    assert body["success"] is True
    assert (body["accepted"], body["rejected"]) == (1, 2)
    assert {"index": 1, "field": "events[1].sessionId", "message": "is required"} in body["errors"]
    assert {"index": 2, "field": "events[2].platform", "message": "must be one of: web, ios, android"} in body["errors"]
    sessions = [e["event"]["sessionId"] for e in api.mock("GET", "events").get_json()["events"]]
    assert sorted(sessions) == ["ok1"]


def test_all_invalid_batch_reports_success_false(api: Api) -> None:
    body = api.batch([{"eventType": "a"}]).get_json()
    assert body["success"] is False and body["accepted"] == 0 and body["rejected"] == 1
    assert api.mock("GET", "stats").get_json()["rejected"] == 1


def test_out_of_window_timestamp_rejects_only_that_item(api: Api) -> None:
    body = api.batch([event(), event(timestamp="2020-01-01T00:00:00Z")]).get_json()
    assert (body["accepted"], body["rejected"]) == (1, 1)
    assert body["errors"] == [{"index": 1, "field": "events[1].timestamp", "message": "must not be older than 90 days"}]
