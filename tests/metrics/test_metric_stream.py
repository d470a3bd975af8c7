"""Stream analytics over a window, from hand-worked event histories."""

from __future__ import annotations

from typing import Any

import pytest
from tests.metrics.metric_builders import T0, Builder

from wave_mock.events import Event
from wave_mock.metrics.stream import p95, stream_from_events
from wave_mock.metrics.windows import STREAM_PERIODS, UnknownPeriod

HOUR, DAY = 3600, 86400


def analytics(events: list[Event], now: float, period: str = "30d", stream: str = "s1") -> dict[str, Any]:
    body = stream_from_events(events, stream, T0 + now, period)
    assert body is not None
    return body


def test_body_has_exactly_the_contract_keys(ev: Builder) -> None:
    body = analytics([ev("stream.started", 0)], 10)
    assert set(body) == {
        "streamId", "period", "totalViewers", "peakViewers", "currentViewers",
        "avgWatchTime", "totalDuration", "isLive", "quality",
    }
    assert set(body["quality"]) == {
        "avgStartupTimeMs", "p95StartupTimeMs", "rebufferCount", "rebufferSeconds",
        "rebufferRatio", "avgBitrateKbps", "errorCount", "fatalErrorCount",
    }
    assert (body["streamId"], body["period"]) == ("s1", "30d")


def test_unknown_stream_is_none(ev: Builder) -> None:
    assert stream_from_events([ev("stream.started", 0)], "other", T0 + 10, "1h") is None


def test_unknown_period_is_rejected(ev: Builder) -> None:
    with pytest.raises(UnknownPeriod):
        stream_from_events([ev("stream.started", 0)], "s1", T0 + 10, "2h")


def test_overlapping_sessions_count_two_viewers_at_peak(ev: Builder) -> None:
    # a [0, 30], b [10, 40]: both open during [10, 30] -> peak 2; watch 30 + 30 -> avg 30.
    body = analytics([
        ev("viewer.joined", 0, viewer="a"),
        ev("viewer.joined", 10, viewer="b"),
        ev("viewer.left", 30, viewer="a"),
        ev("viewer.left", 40, viewer="b"),
    ], 100)
    assert (body["totalViewers"], body["peakViewers"], body["avgWatchTime"]) == (2, 2, 30.0)
    assert body["currentViewers"] == 0


def test_reconnect_is_one_viewer_with_two_sessions(ev: Builder) -> None:
    # a [0, 10] and a [20, 50]: one viewer, peak 1, avg (10 + 30) / 2 = 20.
    body = analytics([
        ev("viewer.joined", 0, viewer="a"),
        ev("viewer.left", 10, viewer="a"),
        ev("viewer.joined", 20, viewer="a"),
        ev("viewer.left", 50, viewer="a"),
    ], 100)
    assert (body["totalViewers"], body["peakViewers"], body["avgWatchTime"]) == (1, 1, 20.0)


def test_touching_sessions_do_not_overlap_at_peak(ev: Builder) -> None:
    # b [0, 10] then c [10, 20]: at t=10 the leave applies first -> peak 1.
    body = analytics([
        ev("viewer.joined", 10, viewer="c"),
        ev("viewer.left", 20, viewer="c"),
        ev("viewer.joined", 0, viewer="b"),
        ev("viewer.left", 10, viewer="b"),
    ], 100)
    assert (body["totalViewers"], body["peakViewers"]) == (2, 1)


def test_session_straddling_window_start_is_clipped(ev: Builder) -> None:
    # now = 10_000, 1h window = [6_400, 10_000]; session [6_000, 7_000] keeps 600 s.
    # The session [1_000, 2_000] ends before the window: not counted at all.
    body = analytics([
        ev("viewer.joined", 1_000, viewer="old"),
        ev("viewer.left", 2_000, viewer="old"),
        ev("viewer.joined", 6_000, viewer="a"),
        ev("viewer.left", 7_000, viewer="a"),
    ], 10_000, "1h")
    assert (body["totalViewers"], body["avgWatchTime"]) == (1, 600.0)


def test_ended_stream_caps_sessions_and_duration(ev: Builder) -> None:
    # started 0, a joins 10 and never leaves, ended 100; now 200.
    # a's session is [10, 100] = 90 s; live [0, 100] = 100 s; nothing open now.
    body = analytics([ev("stream.started", 0), ev("viewer.joined", 10, viewer="a"), ev("stream.ended", 100)], 200)
    assert (body["avgWatchTime"], body["totalDuration"]) == (90.0, 100.0)
    assert (body["isLive"], body["currentViewers"]) == (False, 0)


def test_live_stream_runs_sessions_and_duration_to_now(ev: Builder) -> None:
    # started 0, a joins 10, now 200: a watched 190 s, live 200 s, one viewer now.
    body = analytics([ev("stream.started", 0), ev("viewer.joined", 10, viewer="a")], 200)
    assert (body["avgWatchTime"], body["totalDuration"]) == (190.0, 200.0)
    assert (body["isLive"], body["currentViewers"], body["peakViewers"]) == (True, 1, 1)


def test_multiple_live_cycles_add_up(ev: Builder) -> None:
    # live [0, 100], [200, 250], [300, now=400] -> 100 + 50 + 100 = 250 s.
    # The start at 50 (already live) and the end at 150 (not live) are ignored.
    events = [
        ev("stream.started", 0), ev("stream.started", 50), ev("stream.ended", 100),
        ev("stream.ended", 150), ev("stream.started", 200), ev("stream.ended", 250),
        ev("stream.started", 300),
    ]
    body = analytics(events, 400)
    assert (body["totalDuration"], body["isLive"]) == (250.0, True)


def test_live_time_is_clipped_to_the_window(ev: Builder) -> None:
    # live since 0, now 10_000, 1h window -> exactly 3600 s.
    assert analytics([ev("stream.started", 0)], 10_000, "1h")["totalDuration"] == 3600.0


def test_never_started_stream_has_zero_duration(ev: Builder) -> None:
    body = analytics([ev("viewer.joined", 0, viewer="a")], 50)
    assert (body["totalDuration"], body["isLive"]) == (0.0, False)


def test_empty_window_reports_zeros_and_nulls(ev: Builder) -> None:
    # Everything happened 40 days ago; the 1h window holds nothing.
    events = [
        ev("stream.started", 0), ev("viewer.joined", 5, viewer="a"), ev("playback.started", 6, startupTimeMs=300),
        ev("viewer.left", 10, viewer="a"), ev("stream.ended", 20),
    ]
    body = analytics(events, 40 * DAY, "1h")
    assert (body["totalViewers"], body["peakViewers"], body["avgWatchTime"], body["totalDuration"]) == (0, 0, 0.0, 0.0)
    assert body["quality"] == {
        "avgStartupTimeMs": None, "p95StartupTimeMs": None, "rebufferCount": 0, "rebufferSeconds": 0.0,
        "rebufferRatio": 0.0, "avgBitrateKbps": None, "errorCount": 0, "fatalErrorCount": 0,
    }


def test_two_streams_do_not_affect_each_other(ev: Builder) -> None:
    # a watches s1 [0, 100] and s2 [50, now=300]; leaving s1 does not close s2,
    # and s2's end does not touch s1.
    events = [
        ev("viewer.joined", 0, viewer="a", stream="s1"),
        ev("viewer.joined", 50, viewer="a", stream="s2"),
        ev("viewer.left", 100, viewer="a", stream="s1"),
        ev("stream.started", 0, stream="s2"),
        ev("stream.ended", 30, stream="s1"),
    ]
    s1, s2 = analytics(events, 300, stream="s1"), analytics(events, 300, stream="s2")
    # s1: the stream.ended at 30 closes a's session at 30 (a's leave at 100 is then ignored).
    assert (s1["avgWatchTime"], s1["totalDuration"], s1["currentViewers"]) == (30.0, 0.0, 0)
    assert (s2["avgWatchTime"], s2["totalDuration"], s2["currentViewers"]) == (250.0, 300.0, 1)


@pytest.mark.parametrize(("period", "viewers", "avg"), [
    # Sessions: v1 600 s ending 20 min ago, v2 3600 s 10 h ago, v3 60 s 3 d ago, v4 120 s 20 d ago.
    ("1h", 1, 600.0),                 # v1
    ("24h", 2, 2100.0),               # (600 + 3600) / 2
    ("7d", 3, 1420.0),                # (600 + 3600 + 60) / 3
    ("30d", 4, 1095.0),               # (600 + 3600 + 60 + 120) / 4
])
def test_every_period_sees_its_own_sessions(ev: Builder, period: str, viewers: int, avg: float) -> None:
    now = 40 * DAY
    events = [
        ev("viewer.joined", now - 1800, viewer="v1"), ev("viewer.left", now - 1200, viewer="v1"),
        ev("viewer.joined", now - 10 * HOUR, viewer="v2"), ev("viewer.left", now - 9 * HOUR, viewer="v2"),
        ev("viewer.joined", now - 3 * DAY, viewer="v3"), ev("viewer.left", now - 3 * DAY + 60, viewer="v3"),
        ev("viewer.joined", now - 20 * DAY, viewer="v4"), ev("viewer.left", now - 20 * DAY + 120, viewer="v4"),
    ]
    body = analytics(events, now, period)
    assert (body["totalViewers"], body["avgWatchTime"], body["period"]) == (viewers, avg, period)
    assert set(STREAM_PERIODS) == {"1h", "24h", "7d", "30d"}


def test_quality_metrics_from_samples(ev: Builder) -> None:
    # One viewer watches [0, 100] -> 100 watch seconds.
    # Startup 100..2000 step 100 (20 samples): mean 1050; p95 index ceil(19) - 1 = 18 -> 1900.
    # Rebuffers 1500 ms + 500 ms -> 2 stalls, 2.0 s, ratio 2 / 100 = 0.02.
    # Bitrates 1000, 2000, 4500 -> mean 2500. Errors fatal, non-fatal, fatal -> 3 and 2.
    events = [ev("viewer.joined", 0, viewer="a"), ev("viewer.left", 100, viewer="a")]
    events += [ev("playback.started", 1, startupTimeMs=100 * k) for k in range(1, 21)]
    events += [ev("playback.rebuffer", 2, durationMs=1500), ev("playback.rebuffer", 3, durationMs=500)]
    events += [ev("playback.quality_changed", 4, bitrateKbps=b) for b in (1000, 2000, 4500)]
    events += [ev("playback.error", 5, code="E1", fatal=f) for f in (True, False, True)]
    assert analytics(events, 200)["quality"] == {
        "avgStartupTimeMs": 1050.0, "p95StartupTimeMs": 1900.0, "rebufferCount": 2, "rebufferSeconds": 2.0,
        "rebufferRatio": 0.02, "avgBitrateKbps": 2500.0, "errorCount": 3, "fatalErrorCount": 2,
    }


def test_quality_counts_only_events_inside_the_window(ev: Builder) -> None:
    # now 10_000, 1h window starts at 6_400: the 300 ms sample at 6_000 is outside.
    events = [ev("playback.started", 6_000, startupTimeMs=300), ev("playback.started", 6_400, startupTimeMs=500)]
    assert analytics(events, 10_000, "1h")["quality"]["avgStartupTimeMs"] == 500.0


def test_rebuffers_without_watch_time_have_zero_ratio(ev: Builder) -> None:
    quality = analytics([ev("playback.rebuffer", 0, durationMs=1000)], 10)["quality"]
    assert (quality["rebufferCount"], quality["rebufferSeconds"], quality["rebufferRatio"]) == (1, 1.0, 0.0)


def test_invalid_samples_are_skipped(ev: Builder) -> None:
    # A startup without a number is no sample; a stall without durationMs still counts, with 0 s.
    quality = analytics([ev("playback.started", 0, startupTimeMs="fast"), ev("playback.rebuffer", 1)], 10)["quality"]
    assert (quality["avgStartupTimeMs"], quality["rebufferCount"], quality["rebufferSeconds"]) == (None, 1, 0.0)


@pytest.mark.parametrize(("samples", "expected"), [
    ([7.0], 7.0),                             # ceil(0.95) - 1 = 0
    ([float(x) for x in range(1, 21)], 19.0),  # ceil(19) - 1 = 18
    ([float(x) for x in range(1, 22)], 20.0),  # ceil(19.95) - 1 = 19 -> the 20th value
    ([], None),
])
def test_p95_is_nearest_rank(samples: list[float], expected: float | None) -> None:
    assert p95(samples) == expected


def test_future_events_are_ignored(ev: Builder) -> None:
    # now 100: the leave at 160, the stream.ended at 160 and the startup sample at 150
    # have not happened yet; a's session runs [0, 100].
    events = [
        ev("stream.started", 0), ev("viewer.joined", 0, viewer="a"),
        ev("playback.started", 150, startupTimeMs=900), ev("viewer.left", 160, viewer="a"), ev("stream.ended", 160),
    ]
    body = analytics(events, 100, "1h")
    assert (body["avgWatchTime"], body["currentViewers"], body["isLive"]) == (100.0, 1, True)
    assert body["quality"]["avgStartupTimeMs"] is None


def test_stream_with_only_future_events_exists_but_is_empty(ev: Builder) -> None:
    body = analytics([ev("stream.started", 500)], 100, "1h")
    assert (body["totalDuration"], body["isLive"], body["totalViewers"]) == (0.0, False, 0)


def test_docs_worked_example_matches(ev: Builder) -> None:
    # docs/metrics.md "Worked example": now = 12:00, 1h window.
    now = 12 * HOUR
    events = [
        ev("stream.started", now - 5400),                           # 10:30
        ev("viewer.joined", now - 4800, viewer="a"),                # 10:40
        ev("viewer.joined", now - 3000, viewer="b"),                # 11:10
        ev("playback.started", now - 2400, viewer="b", startupTimeMs=800),
        ev("viewer.joined", now - 1800, viewer="a"),                # 11:30, arrives before the leave
        ev("viewer.left", now - 1800, viewer="a"),                  # 11:30
        ev("playback.rebuffer", now - 900, viewer="b", durationMs=3000),
        ev("stream.ended", now + 1800),                             # 12:30, future
    ]
    assert analytics(events, now, "1h") == {
        "streamId": "s1", "period": "1h", "totalViewers": 2, "peakViewers": 2, "currentViewers": 2,
        "avgWatchTime": 2200.0, "totalDuration": 3600.0, "isLive": True,
        "quality": {"avgStartupTimeMs": 800.0, "p95StartupTimeMs": 800.0, "rebufferCount": 1,
                    "rebufferSeconds": 3.0, "rebufferRatio": 0.000455, "avgBitrateKbps": None,
                    "errorCount": 0, "fatalErrorCount": 0},
    }
