"""Dashboard metrics from hand-worked tenant histories."""

from __future__ import annotations

from typing import Any

import pytest
from tests.metrics.metric_builders import T0, Builder

from wave_mock.events import Event
from wave_mock.metrics.dashboard import DASHBOARD_METRICS, UnknownMetric, dashboard_from_events
from wave_mock.metrics.windows import DASHBOARD_PERIODS

HOUR, DAY = 3600, 86400
NOW = 10 * DAY  # relative to T0, hour-aligned


def metrics(events: list[Event], period: str = "1d", now: float = NOW) -> dict[str, Any]:
    body = dashboard_from_events(events, T0 + now, period)
    assert body["period"] == period
    return body["metrics"]


def test_body_lists_every_metric_in_order(ev: Builder) -> None:
    assert tuple(metrics([])) == DASHBOARD_METRICS


def test_counts_cover_only_events_in_the_window(ev: Builder) -> None:
    # In the 1d window: 3 page views (users u1, u2; sessions x, y), one stream.started
    # (no userId: viewer key = its sessionId "z"). Outside: one 2 days old, one in the future.
    events = [
        ev("page.viewed", NOW - 100, viewer="u1", session="x", stream=None),
        ev("page.viewed", NOW - 90, viewer="u1", session="x", stream=None, platform="ios"),
        ev("page.viewed", NOW - 80, viewer="u2", session="y", stream=None),
        ev("stream.started", NOW - 70, session="z"),
        ev("page.viewed", NOW - 2 * DAY, viewer="old", session="old", stream=None),
        ev("page.viewed", NOW + 60, viewer="future", session="future", stream=None),
    ]
    m = metrics(events)
    assert (m["totalEvents"], m["uniqueUsers"], m["uniqueSessions"], m["streamsStarted"]) == (4, 3, 3, 1)
    assert m["eventsByType"] == {"page": 3, "stream": 1}
    assert m["eventsByPlatform"] == {"web": 3, "ios": 1, "android": 0}
    assert m["topEvents"] == [{"eventName": "page.viewed", "count": 3}, {"eventName": "stream.started", "count": 1}]


def test_top_events_keeps_ten_with_ties_by_name(ev: Builder) -> None:
    # 12 names: "n00" x3, then "n01".."n11" once each -> n00 first, then n01..n09 by name.
    events = [ev("n00.x", NOW - 10, stream=None) for _ in range(3)]
    events += [ev(f"n{k:02d}.x", NOW - 10, stream=None) for k in range(11, 0, -1)]
    top = metrics(events)["topEvents"]
    assert [t["eventName"] for t in top] == ["n00.x"] + [f"n{k:02d}.x" for k in range(1, 10)]
    assert top[0]["count"] == 3


def test_live_streams_counts_streams_live_now(ev: Builder) -> None:
    # s1 live; s2 ended; s3 starts only in the future.
    events = [
        ev("stream.started", NOW - 50, stream="s1"),
        ev("stream.started", NOW - 50, stream="s2"), ev("stream.ended", NOW - 10, stream="s2"),
        ev("stream.started", NOW + 10, stream="s3"),
    ]
    assert metrics(events)["liveStreams"] == 1


def test_viewing_sums_sessions_across_streams(ev: Builder) -> None:
    # s1: a [-100, -50]. s2: b [-80, now] (open), a [-60, -40].
    # Viewers {a, b} = 2. During [-60, -50] three sessions are open -> peak 3.
    # Watch 50 + 80 + 20 = 150 s over 3 sessions -> avg 50.
    events = [
        ev("viewer.joined", NOW - 100, viewer="a", stream="s1"), ev("viewer.left", NOW - 50, viewer="a", stream="s1"),
        ev("viewer.joined", NOW - 80, viewer="b", stream="s2"),
        ev("viewer.joined", NOW - 60, viewer="a", stream="s2"), ev("viewer.left", NOW - 40, viewer="a", stream="s2"),
    ]
    m = metrics(events)
    assert (m["totalViewers"], m["peakConcurrentViewers"], m["totalWatchTime"], m["avgWatchTime"]) == (2, 3, 150.0, 50.0)


def test_viewing_is_zero_without_sessions(ev: Builder) -> None:
    m = metrics([ev("page.viewed", NOW - 1, stream=None)])
    assert (m["totalViewers"], m["peakConcurrentViewers"], m["totalWatchTime"], m["avgWatchTime"]) == (0, 0, 0.0, 0.0)


def test_hourly_timeseries_buckets_events_and_viewers(ev: Builder) -> None:
    # 1d window [now - 1d, now], 24 hourly buckets anchored at its start S.
    start = NOW - DAY
    events = [
        ev("page.viewed", start, stream=None),             # bucket 0 (closed start)
        ev("page.viewed", start + HOUR, stream=None),      # bucket 1 (bucket starts are inclusive)
        ev("page.viewed", NOW, stream=None),               # bucket 23 (last bucket closed at now)
        ev("viewer.joined", start + 2 * HOUR + 5, viewer="a"),
        ev("viewer.left", start + 4 * HOUR + 5, viewer="a"),   # a active in buckets 2, 3, 4
        ev("viewer.joined", start + 5 * HOUR + 5, viewer="b"),
        ev("viewer.left", start + 6 * HOUR, viewer="b"),       # b active in 5 and 6 (ends at 6's start)
    ]
    series = metrics(events)["timeseries"]
    assert len(series) == 24
    assert series[0]["start"] == "2027-01-24T08:00:00Z"
    assert series[1]["start"] == "2027-01-24T09:00:00Z"
    counts = [b["events"] for b in series]
    assert counts[:7] == [1, 1, 1, 0, 1, 1, 1] and counts[23] == 1 and sum(counts) == 7
    assert [b["activeViewers"] for b in series[:8]] == [0, 0, 1, 1, 1, 1, 1, 0]


@pytest.mark.parametrize(("period", "buckets"), [("1d", 24), ("7d", 7), ("30d", 30), ("90d", 90)])
def test_timeseries_is_zero_filled_per_period(period: str, buckets: int) -> None:
    series = metrics([], period)["timeseries"]
    assert len(series) == buckets
    assert all(b["events"] == 0 and b["activeViewers"] == 0 for b in series)


def test_daily_buckets_are_anchored_at_window_start() -> None:
    # 7d window from now - 7d: bucket k starts exactly k days later.
    series = metrics([], "7d", NOW + 1800)["timeseries"]
    assert [b["start"] for b in series[:2]] == ["2027-01-18T08:30:00Z", "2027-01-19T08:30:00Z"]


def test_fractional_window_start_keeps_milliseconds() -> None:
    assert metrics([], "1d", NOW + 0.5)["timeseries"][0]["start"] == "2027-01-24T08:00:00.500Z"


@pytest.mark.parametrize(("period", "total"), [("1d", 1), ("7d", 2), ("30d", 3), ("90d", 4)])
def test_every_period_counts_its_own_events(ev: Builder, period: str, total: int) -> None:
    # Events 12 h, 3 d, 20 d, 60 d and 100 d old.
    ages = [12 * HOUR, 3 * DAY, 20 * DAY, 60 * DAY, 100 * DAY]
    events = [ev("page.viewed", 200 * DAY - age, stream=None) for age in ages]
    assert metrics(events, period, 200 * DAY)["totalEvents"] == total
    assert set(DASHBOARD_PERIODS) == {"1d", "7d", "30d", "90d"}


def test_metric_filter_returns_only_that_key(ev: Builder) -> None:
    body = dashboard_from_events([ev("page.viewed", NOW - 1, stream=None)], T0 + NOW, "7d", "totalEvents")
    assert body == {"period": "7d", "metrics": {"totalEvents": 1}}


def test_unknown_metric_names_the_valid_ones() -> None:
    with pytest.raises(UnknownMetric) as caught:
        dashboard_from_events([], T0 + NOW, "7d", "bogus")
    assert isinstance(caught.value, ValueError)
    assert caught.value.name == "bogus" and caught.value.valid_names == DASHBOARD_METRICS
    assert "totalEvents" in str(caught.value)


def test_future_events_are_ignored_by_dashboards(ev: Builder) -> None:
    # The join at now + 10 has not happened; the session [-100, now] stays open.
    events = [
        ev("viewer.joined", NOW - 100, viewer="a"), ev("viewer.left", NOW + 10, viewer="a"),
        ev("viewer.joined", NOW + 20, viewer="b", stream="s2"),
    ]
    m = metrics(events)
    assert (m["totalEvents"], m["totalViewers"], m["totalWatchTime"]) == (1, 1, 100.0)


def test_viewer_on_two_streams_is_active_once_per_bucket(ev: Builder) -> None:
    # a watches s1 and s2 at the same time in one hour: one active viewer, two concurrent sessions.
    start = NOW - DAY
    events = [
        ev("viewer.joined", start + 10, viewer="a", stream="s1"), ev("viewer.left", start + 100, viewer="a", stream="s1"),
        ev("viewer.joined", start + 20, viewer="a", stream="s2"), ev("viewer.left", start + 90, viewer="a", stream="s2"),
    ]
    m = metrics(events)
    assert m["timeseries"][0]["activeViewers"] == 1
    assert (m["totalViewers"], m["peakConcurrentViewers"]) == (1, 2)
