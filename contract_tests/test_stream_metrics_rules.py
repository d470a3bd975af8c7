"""Layer 4: stream metrics follow the traffic (definitions in the spec and docs/metrics.md)."""

from __future__ import annotations

import time

from .behaviour import assert_error_body, send_in_order
from .kit import Api, Target, event, unique


def _viewer_sequence(stream: str) -> list[dict]:
    """u1 joins, u2 joins, u1 leaves, u3 joins, u3 leaves: 3 viewers, peak 2, 1 still watching."""
    u1, u2, u3 = (unique("sess") for _ in range(3))
    return [
        event("viewer.joined", u1, stream),
        event("viewer.joined", u2, stream),
        event("viewer.left", u1, stream),
        event("viewer.joined", u3, stream),
        event("viewer.left", u3, stream),
    ]


def test_unknown_stream_gets_404(api: Api, target: Target) -> None:
    assert_error_body(api.stream(unique("str_never_sent")), 404, target.spec_path)


def test_join_leave_sequence_gives_exact_viewer_counts(api: Api, with_timestamps: bool) -> None:
    stream = unique("str_viewers")
    send_in_order(api, _viewer_sequence(stream), with_timestamps)
    reply = api.stream(stream)
    assert reply.status == 200, reply.explain("a stream with events has analytics")
    got = {k: reply.body.get(k) for k in ("streamId", "totalViewers", "peakViewers", "currentViewers")}
    want = {"streamId": stream, "totalViewers": 3, "peakViewers": 2, "currentViewers": 1}
    assert got == want, reply.explain(f"join/leave sequence: expected {want}, got {got}")


def test_avg_watch_time_is_in_seconds_and_plausible(api: Api, with_timestamps: bool) -> None:
    stream = unique("str_watch")
    first = send_in_order(api, _viewer_sequence(stream), with_timestamps)
    reply = api.stream(stream)
    elapsed = time.time() - first
    avg = reply.body.get("avgWatchTime")
    # Every session lies between the first event and now, so the mean cannot exceed that span.
    assert isinstance(avg, (int, float)) and 0 < avg <= elapsed + 5, reply.explain(f"avgWatchTime is in seconds within (0, {elapsed + 5:.1f}]; got {avg}")
    if with_timestamps:
        # Sessions of 20 s, 10 s and (now - 10 s after the first event): the mean is known to within a few seconds.
        expected = (20 + 10 + (elapsed - 10)) / 3
        assert abs(avg - expected) < 5, reply.explain(f"avgWatchTime ≈ {expected:.1f} s for sessions of 20 s, 10 s and {elapsed - 10:.0f} s; got {avg}")


def test_stream_metrics_respond_to_new_events(api: Api) -> None:
    stream = unique("str_live")
    assert api.track(event("viewer.joined", unique("sess"), stream)).status == 200
    before = api.stream(stream)
    assert before.status == 200 and before.body["totalViewers"] == 1, before.explain("one viewer joined")
    assert api.track(event("viewer.joined", unique("sess"), stream)).status == 200
    after = api.stream(stream)
    assert after.body["totalViewers"] == 2 and after.body["currentViewers"] == 2, after.explain("a second join shows up at once (no stale metrics)")


def test_total_duration_grows_after_stream_started(api: Api, with_timestamps: bool) -> None:
    stream = unique("str_dur")
    send_in_order(api, [event("stream.started", unique("sess"), stream)], with_timestamps, start_ago=300)
    first = api.stream(stream)
    assert first.status == 200 and first.body.get("isLive") is True, first.explain("a started stream is live")
    if with_timestamps:
        assert 295 <= first.body["totalDuration"] <= 330, first.explain("started 300 s ago: totalDuration ≈ 300 s")
    time.sleep(1.1)
    second = api.stream(stream)
    assert second.body["totalDuration"] > first.body["totalDuration"], second.explain("totalDuration keeps growing while the stream is live")


def test_stream_period_is_validated(api: Api, target: Target) -> None:
    stream = unique("str_period")
    api.track(event("viewer.joined", unique("sess"), stream))
    assert_error_body(api.stream(stream, period="2h"), 400, target.spec_path)
    reply = api.stream(stream, period="1h")
    assert reply.status == 200 and reply.body.get("period") == "1h", reply.explain("the period asked for is echoed")
