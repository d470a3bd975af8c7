"""Layer 4: Unicode survives a round trip, and tenants (API keys) never see each other's data."""

from __future__ import annotations

from .kit import Api, event, unique


def test_emoji_event_name_is_counted_in_top_events(api: Api) -> None:
    name = f"watch.🎉.{unique('ü')}"
    reply = api.batch([event(name, unique("sess"), unique("str_emoji")) for _ in range(25)])
    assert reply.status == 200 and reply.body["accepted"] == 25, reply.explain("events with an emoji eventName are accepted")
    dashboard = api.dashboard(metric="topEvents")
    top = {e["eventName"]: e["count"] for e in dashboard.body["metrics"]["topEvents"]}
    assert top.get(name) == 25, dashboard.explain(f"topEvents counts {name!r} 25 times, byte for byte")


def test_unicode_stream_id_round_trips(api: Api) -> None:
    stream = f"str_ünïcødé_🎬_{unique('x')}"
    reply = api.track(event("viewer.joined", unique("sess"), stream))
    assert reply.status == 200, reply.explain("a Unicode streamId is accepted")
    stats = api.stream(stream)
    assert stats.status == 200 and stats.body["streamId"] == stream, stats.explain("the Unicode streamId comes back unchanged")
    assert stats.body["totalViewers"] == 1, stats.explain("the viewer is counted")


def test_second_key_cannot_read_first_keys_stream(api: Api, second_api: Api) -> None:
    stream = unique("str_tenant")
    assert api.track(event("viewer.joined", unique("sess"), stream)).status == 200
    reply = second_api.stream(stream)
    assert reply.status == 404, reply.explain("key B gets 404 for a stream only key A sent")


def test_second_keys_dashboard_does_not_grow_from_first_keys_events(api: Api, second_api: Api) -> None:
    kind = unique("kit_tenant")
    sent = api.batch([event("kit.tenant", unique("sess"), event_type=kind) for _ in range(3)])
    assert sent.status == 200, sent.explain("key A's events are accepted")
    reply = second_api.dashboard(metric="eventsByType")
    assert reply.status == 200 and kind not in reply.body["metrics"]["eventsByType"], reply.explain("key B's dashboard does not count key A's events")
    own = api.dashboard(metric="eventsByType")
    assert own.body["metrics"]["eventsByType"].get(kind) == 3, own.explain("key A's dashboard counts them")
