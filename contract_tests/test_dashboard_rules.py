"""Layer 4: dashboard counts grow by exactly what was sent; period and metric filters are honoured."""

from __future__ import annotations

import pytest

from .behaviour import assert_error_body
from .kit import Api, Target, days_ago, event, unique

DASHBOARD_METRICS = [
    "totalEvents", "uniqueUsers", "uniqueSessions", "streamsStarted", "liveStreams", "totalViewers",
    "peakConcurrentViewers", "totalWatchTime", "avgWatchTime", "eventsByType", "eventsByPlatform",
    "topEvents", "timeseries",
]


def _by_type(api: Api, event_type: str, period: str = "7d") -> int:
    reply = api.dashboard(period=period, metric="eventsByType")
    assert reply.status == 200, reply.explain("metric=eventsByType is served")
    return reply.body["metrics"]["eventsByType"].get(event_type, 0)


def test_dashboard_counts_grow_by_exactly_what_was_sent(api: Api, target: Target) -> None:
    kind, name = unique("kit_type"), unique("kit.counted")
    before = api.dashboard(period="7d")
    assert before.status == 200, before.explain("the dashboard is served")
    sent = [event(name, unique("sess"), unique("str_dash"), event_type=kind) for _ in range(12)]
    reply = api.batch(sent)
    assert reply.status == 200 and reply.body["accepted"] == 12, reply.explain("12 valid events are accepted")
    after = api.dashboard(period="7d")
    metrics = after.body["metrics"]
    assert metrics["eventsByType"].get(kind) == 12, after.explain(f"eventsByType[{kind}] counts all 12 events sent")
    top = {e["eventName"]: e["count"] for e in metrics["topEvents"]}
    assert top.get(name) == 12, after.explain(f"topEvents counts {name} 12 times")
    grown = metrics["totalEvents"] - before.body["metrics"]["totalEvents"]
    if target.local:  # the kit is the only client of its own mock; shared targets see other traffic
        assert grown == 12, after.explain(f"totalEvents grew by exactly 12; it grew by {grown}")
    else:
        assert grown >= 12, after.explain(f"totalEvents grew by at least 12; it grew by {grown}")


def test_metric_filter_returns_only_that_metric(api: Api) -> None:
    for metric in ("totalEvents", "topEvents", "timeseries"):
        reply = api.dashboard(metric=metric)
        assert reply.status == 200, reply.explain(f"metric={metric} is served")
        assert list(reply.body["metrics"]) == [metric], reply.explain(f"metric={metric} returns only {metric}")


def test_dashboard_without_filter_returns_every_metric(api: Api) -> None:
    reply = api.dashboard()
    assert reply.status == 200 and reply.body.get("period") == "7d", reply.explain("the default period is 7d")
    assert set(DASHBOARD_METRICS) <= set(reply.body["metrics"]), reply.explain("every metric is present without a filter")


def test_unknown_metric_gets_400_listing_valid_names(api: Api, target: Target) -> None:
    reply = api.dashboard(metric="notAMetric")
    assert_error_body(reply, 400, target.spec_path)
    assert "totalEvents" in reply.text and "timeseries" in reply.text, reply.explain("the 400 lists the valid metric names")


@pytest.mark.parametrize("period", ["2d", "7", "week"])
def test_unknown_period_gets_400(api: Api, target: Target, period: str) -> None:
    assert_error_body(api.dashboard(period=period), 400, target.spec_path)


def test_dashboard_period_excludes_events_older_than_it(api: Api, with_timestamps: bool) -> None:
    if not with_timestamps:
        pytest.skip("the target rejects the mock-only `timestamp` field, so events cannot be placed 3 days back")
    kind = unique("kit_old")
    old = [event("kit.old", unique("sess"), event_type=kind, timestamp=days_ago(3)) for _ in range(4)]
    reply = api.batch(old)
    assert reply.status == 200 and reply.body["accepted"] == 4, reply.explain("events 3 days old are accepted")
    for period, want in (("1d", 0), ("7d", 4), ("90d", 4)):
        got = _by_type(api, kind, period)
        assert got == want, reply.explain(f"period={period}: events 3 days old count {want}, got {got}")
    periods = {p: api.dashboard(period=p, metric="timeseries").body["metrics"]["timeseries"] for p in ("1d", "7d", "90d")}
    assert [len(periods[p]) for p in ("1d", "7d", "90d")] == [24, 7, 90], "timeseries has 24 hourly (1d) or 7/90 daily buckets"
