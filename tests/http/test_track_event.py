"""trackEvent: storage, validation from the spec, and the error statuses."""

from __future__ import annotations

from tests.docs_examples import curl_body
from tests.http.conftest import NOW, Api, event

DOCS_EXAMPLE = curl_body("/analytics/events")  # from the committed docs, so drift fails here


def test_docs_example_is_stored_and_returns_event_id(api: Api) -> None:
    response = api.track(DOCS_EXAMPLE)
    assert response.status_code == 200
    body = response.get_json()
    assert body["success"] is True and body["eventId"].startswith("evt_")
    stored = api.mock("GET", "events").get_json()["events"]
    assert [s["eventId"] for s in stored] == [body["eventId"]]
    assert stored[0]["event"] == DOCS_EXAMPLE
    assert stored[0]["receivedAt"] == stored[0]["time"] == NOW


def test_missing_session_id_returns_400_with_field_detail(api: Api) -> None:
    response = api.track({"eventType": "stream", "eventName": "x"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert {"field": "sessionId", "message": "is required"} in error["details"]
    assert api.stored() == 0


def test_wrong_types_and_enum_are_each_reported(api: Api) -> None:
    response = api.track(event(platform="windows", eventType=5, properties=[]))
    details = {d["field"]: d["message"] for d in response.get_json()["error"]["details"]}
    assert details == {
        "eventType": "must be of type string",
        "platform": "must be one of: web, ios, android",
        "properties": "must be of type object",
    }


def test_unknown_top_level_field_is_rejected_to_catch_typos(api: Api) -> None:
    response = api.track({"eventType": "a", "eventName": "b", "sessionid": "typo"})
    fields = {d["field"] for d in response.get_json()["error"]["details"]}
    assert fields == {"sessionId", "sessionid"}


def test_empty_strings_are_rejected(api: Api) -> None:
    response = api.track(event(session=""))
    assert response.get_json()["error"]["details"] == [{"field": "sessionId", "message": "must not be empty"}]


def test_timestamp_sets_event_time(api: Api) -> None:
    api.track(event(timestamp="2026-11-20T11:00:00.250Z"))
    stored = api.mock("GET", "events").get_json()["events"][0]
    assert stored["time"] == "2026-11-20T11:00:00.250Z"
    assert stored["receivedAt"] == NOW


def test_timestamp_outside_window_returns_409_field_error(api: Api) -> None:
    too_old = api.track(event(timestamp="2026-08-01T00:00:00Z"))
    too_new = api.track(event(timestamp="2026-11-20T13:00:01Z"))
    assert too_old.status_code == too_new.status_code == 409
    assert too_old.get_json()["error"]["details"] == [{"field": "timestamp", "message": "must not be older than 90 days"}]
    assert too_new.get_json()["error"]["details"][0]["message"] == "must not be more than 1 hour in the future"
    assert api.stored() == 0


def test_malformed_timestamp_returns_400(api: Api) -> None:
    response = api.track(event(timestamp="2026-11-20 12:00"))
    assert response.status_code == 400
    assert response.get_json()["error"]["details"][0]["field"] == "timestamp"


def test_non_json_content_type_returns_415(api: Api) -> None:
    response = api.client.post("/api/v1/analytics/events", data="eventType=a", headers=api.headers(**{"Content-Type": "application/x-www-form-urlencoded"}))
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"


def test_malformed_json_returns_400_and_is_journaled(api: Api) -> None:
    response = api.client.post("/api/v1/analytics/events", data='{"eventType": ', headers=api.headers(**{"Content-Type": "application/json"}))
    assert response.status_code == 400
    rejected = api.mock("GET", "rejected").get_json()["rejected"]
    assert rejected[0]["operation"] == "trackEvent" and rejected[0]["body"] == '{"eventType": '


def test_body_over_512_kib_returns_413(api: Api) -> None:
    response = api.track(event(properties={"blob": "x" * (512 * 1024)}))
    assert response.status_code == 413
    assert api.stored() == 0


def test_event_over_32_kib_returns_413(api: Api) -> None:
    response = api.track(event(properties={"blob": "x" * (33 * 1024)}))
    assert response.status_code == 413
    assert "32768" in response.get_json()["error"]["message"]
    assert api.stored() == 0


def test_duplicate_keys_return_400(api: Api) -> None:
    body = '{"eventType":"a","eventName":"b","sessionId":"s","sessionId":"t"}'
    response = api.client.post("/api/v1/analytics/events", data=body, headers=api.headers(**{"Content-Type": "application/json"}))
    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == [{"field": "sessionId", "message": "is repeated"}]


def test_pretty_printed_json_is_accepted(api: Api) -> None:
    body = '{\n  "eventType": "a",\n  "eventName": "b",\n  "sessionId": "s"\n}'
    response = api.client.post("/api/v1/analytics/events", data=body, headers=api.headers(**{"Content-Type": "application/json; charset=utf-8"}))
    assert response.status_code == 200
