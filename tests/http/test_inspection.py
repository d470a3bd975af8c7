"""The /_mock/ inspection API: events, rejections, stats, reset, clock, tenants."""

from __future__ import annotations

import time
from datetime import datetime

from flask.testing import FlaskClient

from tests.http.conftest import ADMIN, NOW, Api, event


def test_events_are_newest_first_and_filterable(api: Api) -> None:
    api.track(event("viewer.joined", "s1", properties={"streamId": "a"}, userId="u1"))
    api.track(event("viewer.left", "s2", properties={"streamId": "b"}))
    api.track(event("page.viewed", "s1", eventType="page"))
    names = lambda **q: [e["event"]["eventName"] for e in api.mock("GET", "events", query_string=q).get_json()["events"]]  # noqa: E731
    assert names() == ["page.viewed", "viewer.left", "viewer.joined"]
    assert names(sessionId="s1") == ["page.viewed", "viewer.joined"]
    assert names(streamId="b") == ["viewer.left"]
    assert names(eventType="page") == ["page.viewed"]
    assert names(userId="u1") == ["viewer.joined"]
    assert names(eventName="viewer.left") == ["viewer.left"]
    assert names(limit="1") == ["page.viewed"]


def test_events_since_filters_on_event_time(api: Api) -> None:
    api.track(event(session="old", timestamp="2026-11-20T10:00:00Z"))
    api.track(event(session="new", timestamp="2026-11-20T11:30:00Z"))
    found = api.mock("GET", "events", query_string={"since": "2026-11-20T11:00:00Z"}).get_json()["events"]
    assert [e["event"]["sessionId"] for e in found] == ["new"]


def test_bad_inspection_query_returns_400(api: Api) -> None:
    assert api.mock("GET", "events", query_string={"limit": "0"}).status_code == 400
    assert api.mock("GET", "events", query_string={"since": "yesterday"}).status_code == 400


def test_rejected_lists_body_part_and_errors(api: Api) -> None:
    api.batch([event(), {"eventType": "x", "eventName": "y"}])
    rejected = api.mock("GET", "rejected").get_json()["rejected"]
    assert rejected == [
        {
            "receivedAt": NOW,
            "operation": "trackEventBatch",
            "index": 1,
            "body": {"eventType": "x", "eventName": "y"},
            "errors": [{"field": "events[1].sessionId", "message": "is required"}],
        }
    ]


def test_stats_and_reset_are_per_tenant(api: Api, api_b: Api) -> None:
    api.batch([event(), {"bad": 1}])
    api_b.track(event())
    assert api.mock("GET", "stats").get_json() == {"total": 2, "accepted": 1, "rejected": 1, "evicted": 0}
    assert api.mock("POST", "reset").get_json() == {"reset": "tenant"}
    assert api.mock("GET", "stats").get_json()["total"] == 0
    assert api_b.stored() == 1


def test_admin_token_sees_all_tenants_and_resets_all(api: Api, api_b: Api, client: FlaskClient) -> None:
    api.track(event())
    api_b.track(event())
    admin = Api(client, ADMIN)
    stats = admin.mock("GET", "stats").get_json()
    assert stats["accepted"] == 2 and len(stats["tenants"]) == 2
    assert admin.mock("POST", "reset").get_json() == {"reset": "all"}
    assert api.stored() == api_b.stored() == 0


def test_admin_token_is_not_an_api_key(client: FlaskClient) -> None:
    response = Api(client, ADMIN).track(event())
    assert response.status_code == 401


def test_inspection_requires_a_key(client: FlaskClient) -> None:
    assert client.get("/_mock/events").status_code == 401
    assert client.get("/_mock/health").status_code == 200


def test_clock_freeze_advance_and_release(api: Api) -> None:
    assert api.mock("GET", "clock").get_json() == {"now": NOW, "frozen": True}
    frozen = api.mock("POST", "clock", json={"now": "2026-11-21T00:00:00Z"}).get_json()
    assert frozen == {"now": "2026-11-21T00:00:00Z", "frozen": True}
    advanced = api.mock("POST", "clock", json={"advance": 90}).get_json()
    assert advanced["now"] == "2026-11-21T00:01:30Z"
    released = api.mock("DELETE", "clock").get_json()
    assert released["frozen"] is False and released["now"] > "2026-11-27"


def test_clock_change_needs_exactly_one_of_now_or_advance(api: Api) -> None:
    assert api.mock("POST", "clock", json={}).status_code == 400
    assert api.mock("POST", "clock", json={"now": "2026-11-21T00:00:00Z", "advance": 1}).status_code == 400
    assert api.mock("POST", "clock", json={"advance": -5}).status_code == 400


def test_tenants_never_see_each_others_streams(api: Api, api_b: Api) -> None:
    api.track(event(properties={"streamId": "shared-name"}))
    assert api.stream("shared-name").status_code == 200
    assert api_b.stream("shared-name").status_code == 404
    assert api_b.dashboard(metric="totalEvents").get_json()["metrics"] == {"totalEvents": 0}
    assert api_b.mock("GET", "events").get_json()["count"] == 0


def test_streams_lists_the_callers_streams_with_their_event_counts(api: Api, api_b: Api, client: FlaskClient) -> None:
    api.batch([event(properties={"streamId": "b"}), event(properties={"streamId": "a"}), event(properties={"streamId": "b"}),
               event(eventType="page", eventName="page.viewed")])
    api_b.track(event(properties={"streamId": "only-b"}))
    assert api.mock("GET", "streams").get_json() == {
        "count": 2, "streams": [{"streamId": "a", "events": 1}, {"streamId": "b", "events": 2}]}
    assert api_b.mock("GET", "streams").get_json()["streams"] == [{"streamId": "only-b", "events": 1}]
    api.mock("POST", "reset")
    assert api.mock("GET", "streams").get_json() == {"count": 0, "streams": []}
    assert Api(client, ADMIN).mock("GET", "streams").status_code == 403  # streams belong to a tenant


def test_advance_freezes_a_running_clock(api: Api) -> None:
    assert api.mock("DELETE", "clock").get_json()["frozen"] is False
    before = time.time()
    advanced = api.mock("POST", "clock", json={"advance": 3600}).get_json()
    assert advanced["frozen"] is True
    moved_to = datetime.fromisoformat(advanced["now"].replace("Z", "+00:00")).timestamp()
    assert before + 3600 - 1 <= moved_to <= time.time() + 3600 + 1
    time.sleep(0.05)
    assert api.mock("GET", "clock").get_json()["now"] == advanced["now"], "it stays where advance left it"
