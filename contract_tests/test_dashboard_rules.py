"""Layer 4: dashboards honour `period` and `metric`, and count what was sent.

Documented (the docs say only "metrics: object", so these hold for any metric vocabulary):
`metrics` is an object; the period asked for is echoed, 7d by default; an unknown period is
refused; `metric=X` returns only X, for names the target itself returns; events older than
a period stay out of it (checked through stream viewers, needs `timestamp`).
Decided: wave-mock's metric names and what they count, the 400 for an unknown metric.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from .behaviour import assert_refused, count_in, error_checks, hold_decided, metrics_of, seeded, top_events_check
from .capabilities import Capability, TargetClock
from .kit import Api, Target, event, unique
from .settle import Settler, has_viewers, nothing_stored
from .tiers import documented

DASHBOARD_METRICS = [
    "totalEvents", "uniqueUsers", "uniqueSessions", "streamsStarted", "liveStreams", "totalViewers",
    "peakConcurrentViewers", "totalWatchTime", "avgWatchTime", "eventsByType", "eventsByPlatform",
    "topEvents", "timeseries",
]
PERIODS = ("1d", "7d", "30d", "90d")


def test_dashboard_counts_grow_by_exactly_what_was_sent(api: Api, target: Target, settler: Settler) -> None:
    rng = seeded(target, "dashboard_counts")
    viewers, typed = rng.randint(11, 29), rng.randint(11, 29)
    stream, kind, name = unique("str_dash"), unique("kit_type"), unique("kit.counted")
    before = api.dashboard(period="7d")
    documented(before.status == 200 and isinstance(before.get("metrics"), dict), before.explain("the dashboard is served: metrics is an object"))
    typed_reply = api.batch([event(name, unique("sess"), event_type=kind) for _ in range(typed)])
    documented(typed_reply.status == 200 and typed_reply.get("accepted") == typed, typed_reply.explain(f"{typed} valid events are accepted"))
    # The viewers go last, as the flow's control, in a batch of their own: any event of it lost shows.
    reply = api.batch([event("viewer.joined", unique("sess"), stream) for _ in range(viewers)])
    documented(reply.status == 200 and reply.get("accepted") == viewers, reply.explain(f"{viewers} valid viewer events are accepted"))
    seen = settler.control(lambda: api.stream(stream), has_viewers(viewers), since=time.time())
    documented(seen.ok, seen.explain(f"all {viewers} accepted viewer events are stored: totalViewers = {viewers}"))
    # Poll only while the target speaks wave-mock's vocabulary; its own metric set is no failure.
    after = settler.check(lambda: api.dashboard(period="7d"), lambda r: "eventsByType" not in metrics_of(r) or count_in(r, "eventsByType", kind) == typed)
    documented(after.reply.status == 200 and after.reply.get("period") == "7d", after.explain("the dashboard echoes period=7d"))
    grown = (metrics_of(after.reply).get("totalEvents") or 0) - (metrics_of(before).get("totalEvents") or 0)
    # The kit is the only client of its own mock; elsewhere other traffic may add to the total.
    exact = grown == typed + viewers if target.local else grown >= typed + viewers
    hold_decided(target, [
        (count_in(after.reply, "eventsByType", kind) == typed, f"eventsByType[{kind}] counts the {typed} events of that type", f"{count_in(after.reply, 'eventsByType', kind)!r}"),
        top_events_check(after.reply, name, typed),
        (exact, f"totalEvents grew by {'exactly' if target.local else 'at least'} {typed + viewers}", f"it grew by {grown}"),
    ])


def test_metric_filter_returns_only_that_metric(api: Api, target: Target) -> None:
    full = api.dashboard()
    documented(full.status == 200 and isinstance(full.get("metrics"), dict), full.explain("the dashboard is served: metrics is an object"))
    names = list(metrics_of(full))
    if not names:
        pytest.skip("the target's dashboard returns no metrics, so there is no name to filter by")
    wanted = [n for n in ("totalEvents", "topEvents", "timeseries") if n in names] or names[:: max(1, len(names) // 3)][:3]
    for metric in wanted:
        reply = api.dashboard(metric=metric)
        documented(reply.status == 200, reply.explain(f"metric={metric} (a name the target returns) is served"))
        documented(list(metrics_of(reply)) == [metric], reply.explain(f"metric={metric} returns only {metric}"))


def test_dashboard_defaults_to_7d_and_echoes_every_period(api: Api, target: Target) -> None:
    default = api.dashboard()
    documented(default.status == 200 and default.get("period") == "7d", default.explain("the default period is 7d, echoed"))
    for period in PERIODS:
        reply = api.dashboard(period=period)
        documented(reply.status == 200 and reply.get("period") == period and isinstance(reply.get("metrics"), dict),
                   reply.explain(f"period={period} is served and echoed, with a metrics object"))
    missing = sorted(set(DASHBOARD_METRICS) - set(metrics_of(default)))
    hold_decided(target, [(not missing, "the dashboard returns wave-mock's metric set", f"missing {missing}; got {sorted(metrics_of(default))}")])


def test_unknown_metric_gets_400_listing_valid_names(api: Api, target: Target) -> None:
    reply = api.dashboard(metric="notAMetric")
    documented(reply.status < 500, reply.explain("no input gets a 5xx"))
    hold_decided(target, [*error_checks(reply, 400, target, "an unknown dashboard metric"),
                          ("totalEvents" in reply.text and "timeseries" in reply.text, "the 400 lists the valid metric names", reply.text[:300])])


@pytest.mark.parametrize("period", ["2d", "7", "week"])
def test_unknown_period_gets_400(api: Api, target: Target, period: str) -> None:
    good = api.dashboard(period="30d")
    documented(good.status == 200, good.explain("positive control: period=30d is served"))
    reply = api.dashboard(period=period)
    assert_refused(reply, f"period={period} is not one of {', '.join(PERIODS)}")
    hold_decided(target, error_checks(reply, 400, target, "an unknown dashboard period"))


def test_dashboard_period_excludes_events_older_than_it(api: Api, target: Target, settler: Settler, with_timestamps: Capability, clock: TargetClock) -> None:
    with_timestamps.require()
    rng = seeded(target, "dashboard_period")
    viewers, typed = rng.randint(4, 9), rng.randint(4, 9)
    stream, kind = unique("str_old"), unique("kit_old")
    old = [e for _ in range(viewers) for e in _closed_session(stream, clock, 3 * 86400)]
    old += [event("kit.old", unique("sess"), event_type=kind, timestamp=clock.at(3 * 86400)) for _ in range(typed)]
    reply = api.batch(old)
    documented(reply.status == 200 and reply.get("accepted") == len(old), reply.explain("events 3 days old are accepted"))
    seen = settler.control(lambda: api.stream(stream, "7d"), has_viewers(viewers), since=time.time())
    documented(seen.ok, seen.explain(f"the {viewers} viewers of 3 days ago count in the 7d window"))
    month = api.stream(stream, "30d")
    documented(has_viewers(viewers)(month), month.explain(f"the {viewers} viewers of 3 days ago count in the 30d window"))
    day = api.stream(stream, "24h")
    documented(nothing_stored(day), day.explain("viewers of 3 days ago do not count in the 24h window"))
    by_period = {p: api.dashboard(period=p) for p in ("1d", "7d", "90d")}
    counts = {p: count_in(r, "eventsByType", kind) for p, r in by_period.items()}
    buckets = {p: len(api.dashboard(period=p, metric="timeseries").get("metrics", {}).get("timeseries") or []) for p in ("1d", "7d", "90d")}
    hold_decided(target, [
        (counts == {"1d": 0, "7d": typed, "90d": typed}, f"eventsByType counts events 3 days old in 7d and 90d ({typed}), not in 1d", str(counts)),
        (buckets == {"1d": 24, "7d": 7, "90d": 90}, "timeseries has 24 hourly (1d) or 7/90 daily buckets", str(buckets)),
    ])


def _closed_session(stream: str, clock: TargetClock, seconds_ago: float) -> list[dict[str, Any]]:
    session = unique("sess")
    return [event("viewer.joined", session, stream, timestamp=clock.at(seconds_ago)),
            event("viewer.left", session, stream, timestamp=clock.at(seconds_ago - 120))]
