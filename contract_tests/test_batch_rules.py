"""Layer 4: batch limits, per-event validation and the counts it reports."""

from __future__ import annotations

from .behaviour import assert_error_body
from .kit import Api, Target, event, unique


def test_batch_of_101_events_is_rejected_with_400_and_nothing_stored(api: Api, target: Target) -> None:
    stream = unique("str_limit")
    session = unique("sess")
    reply = api.batch([event("viewer.joined", session, stream) for _ in range(101)])
    assert_error_body(reply, 400, target.spec_path)
    assert api.stream(stream).status == 404, reply.explain("a batch over 100 events stores nothing")


def test_batch_of_100_events_is_accepted(api: Api) -> None:
    stream = unique("str_limit")
    reply = api.batch([event("kit.batch", unique("sess"), stream) for _ in range(100)])
    assert reply.status == 200 and reply.body["accepted"] == 100, reply.explain("100 events is the limit, not over it")


def test_event_missing_required_field_is_rejected_with_400(api: Api, target: Target) -> None:
    for missing in ("eventType", "eventName", "sessionId"):
        stream = unique("str_req")
        body = event("viewer.joined", unique("sess"), stream)
        del body[missing]
        reply = api.track(body)
        assert_error_body(reply, 400, target.spec_path)
        assert api.stream(stream).status == 404, reply.explain(f"an event without {missing} is not stored")


def test_mixed_batch_reports_right_counts_and_per_event_errors(api: Api) -> None:
    stream = unique("str_mixed")
    session = unique("sess")
    no_session = event("viewer.joined", session, stream)
    del no_session["sessionId"]
    events = [
        event("viewer.joined", session, stream),
        no_session,
        event("viewer.left", session, stream),
        {**event("viewer.joined", session, stream), "eventType": 123},
        {**event("viewer.joined", session, stream), "platform": "tv"},
    ]
    reply = api.batch(events)
    assert reply.status == 200, reply.explain("a batch with some valid events is processed")
    assert (reply.body.get("accepted"), reply.body.get("rejected")) == (2, 3), reply.explain("accepted=2, rejected=3 for 2 valid and 3 invalid events")
    assert reply.body.get("success") is True, reply.explain("success is true when at least one event was accepted")
    errors = reply.body.get("errors")
    if errors is not None:  # `errors` is a mock-only extension
        by_index = {(e["index"], e["field"].rsplit(".", 1)[-1]) for e in errors}
        assert {(1, "sessionId"), (3, "eventType"), (4, "platform")} <= by_index, reply.explain("each rejected event is listed with its index and field path")
        assert all(e["field"].startswith(f"events[{e['index']}]") for e in errors), reply.explain("field paths look like events[i].field")
    stats = api.stream(stream)
    assert stats.status == 200 and stats.body["totalViewers"] == 1, stats.explain("only the 2 valid events were stored")


def test_batch_of_only_invalid_events_reports_success_false(api: Api) -> None:
    reply = api.batch([{"eventType": "stream"}, {"eventName": "x"}])
    assert reply.status == 200, reply.explain("item errors do not fail the whole batch")
    assert (reply.body.get("success"), reply.body.get("accepted"), reply.body.get("rejected")) == (False, 0, 2), reply.explain("nothing accepted: success=false, accepted=0, rejected=2")
