"""The analytics facade: store indexes and memos give the same numbers as recomputation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.metrics.metric_builders import T0, Builder, build_history

from wave_mock.analytics import dashboard_metrics, stream_analytics
from wave_mock.events import Event, make_event
from wave_mock.metrics.dashboard import UnknownMetric, dashboard_from_events
from wave_mock.metrics.stream import stream_from_events
from wave_mock.metrics.windows import DASHBOARD_PERIODS, STREAM_PERIODS, UnknownPeriod
from wave_mock.storage import store as store_module
from wave_mock.storage.store import EventStore

HOUR, DAY = 3600, 86400
NOW = 40 * DAY  # relative to T0

# Hour boundaries and half-hours make the facade mix whole-hour tallies with ragged edges.
times = st.one_of(
    st.integers(NOW // HOUR - 41 * 24, NOW // HOUR + 1).map(lambda h: float(h * HOUR)),
    st.integers(NOW - 41 * DAY, NOW + HOUR).map(float),
)
spec = st.tuples(st.integers(0, 10), times, st.integers(0, 3), st.integers(0, 1), st.integers(0, 5000))
nows = st.sampled_from([NOW, NOW + 0.5, NOW + 1800, NOW - 7 * HOUR, NOW + 2 * HOUR + 0.25])


@pytest.fixture
def ev() -> Builder:
    return Builder()


def _check(store: EventStore, events: list[Event], now: float) -> None:
    """Assert the facade equals the reference path over ``events`` for every query."""
    for sid in ("s0", "s1"):
        for period in STREAM_PERIODS:
            assert stream_analytics(store, "t1", sid, T0 + now, period) == stream_from_events(
                events, sid, T0 + now, period
            )
    for period in DASHBOARD_PERIODS:
        assert dashboard_metrics(store, "t1", T0 + now, period) == dashboard_from_events(events, T0 + now, period)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.lists(st.lists(spec, max_size=15), min_size=1, max_size=4), st.lists(nows, min_size=1, max_size=4))
def test_memoised_results_equal_recomputation_after_interleaved_appends(batches: list, clock: list) -> None:
    store, builder, seen = EventStore(), Builder(), []
    for k, specs in enumerate(batches):
        batch = build_history(specs, builder)
        store.append("t1", batch)
        seen.extend(batch)
        # Query twice at moving clocks so memos from one "now" meet the next one.
        _check(store, seen, clock[k % len(clock)])
        _check(store, seen, clock[(k + 1) % len(clock)])


@settings(derandomize=True, max_examples=40, deadline=None)
@given(st.lists(spec, max_size=40), st.integers(1, 8))
def test_splitting_into_batches_changes_nothing(specs: list, parts: int) -> None:
    events = build_history(specs)
    whole, split = EventStore(), EventStore()
    whole.append("t1", events)
    for k in range(parts):
        split.append("t1", events[k::parts])
    for period in STREAM_PERIODS:
        assert stream_analytics(split, "t1", "s0", T0 + NOW, period) == stream_analytics(whole, "t1", "s0", T0 + NOW, period)
    for period in DASHBOARD_PERIODS:
        assert dashboard_metrics(split, "t1", T0 + NOW, period) == dashboard_metrics(whole, "t1", T0 + NOW, period)


@settings(derandomize=True, max_examples=40, deadline=None)
@given(st.lists(spec, max_size=40), st.integers(1, 30))
def test_eviction_leaves_indexes_consistent(specs: list, cap: int) -> None:
    store = EventStore(max_events=cap)
    events = build_history(specs)
    for event in events:
        store.append("t1", [event])
        if len(store) % 7 == 0:
            dashboard_metrics(store, "t1", T0 + NOW, "30d")  # warm memos that eviction must clear
    kept = events[-cap:] if events else []
    assert store.stats("t1")["evicted"] == len(events) - len(kept)
    _check(store, kept, NOW)


def test_unknown_stream_is_none_and_future_only_stream_exists(ev: Builder) -> None:
    store = EventStore()
    store.append("t1", [ev("stream.started", NOW + 60)])
    assert stream_analytics(store, "t1", "nope", T0 + NOW, "24h") is None
    assert stream_analytics(store, "t2", "s1", T0 + NOW, "24h") is None
    body = stream_analytics(store, "t1", "s1", T0 + NOW, "24h")
    assert body is not None and (body["isLive"], body["totalDuration"]) == (False, 0.0)


def test_new_events_show_up_after_a_memoised_answer(ev: Builder) -> None:
    store = EventStore()
    store.append("t1", [ev("viewer.joined", NOW - 100, viewer="a")])
    first = stream_analytics(store, "t1", "s1", T0 + NOW, "1h")
    store.append("t1", [ev("viewer.left", NOW - 40, viewer="a")])
    second = stream_analytics(store, "t1", "s1", T0 + NOW, "1h")
    assert first is not None and second is not None
    assert (first["avgWatchTime"], second["avgWatchTime"]) == (100.0, 60.0)


def test_moving_clock_moves_open_sessions(ev: Builder) -> None:
    # a joins at -100; at now the session is 100 s, 50 s later it is 150 s.
    store = EventStore()
    store.append("t1", [ev("viewer.joined", NOW - 100, viewer="a"), ev("viewer.left", NOW + 100, viewer="a")])
    later = [dashboard_metrics(store, "t1", T0 + NOW + d, "1d", "totalWatchTime") for d in (0, 50, 200)]
    assert [b["metrics"]["totalWatchTime"] for b in later] == [100.0, 150.0, 200.0]


def test_reset_forgets_memoised_answers(ev: Builder) -> None:
    store = EventStore()
    store.append("t1", [ev("page.viewed", NOW - 10, stream=None)])
    assert dashboard_metrics(store, "t1", T0 + NOW, "1d", "totalEvents")["metrics"] == {"totalEvents": 1}
    store.reset("t1")
    assert dashboard_metrics(store, "t1", T0 + NOW, "1d", "totalEvents")["metrics"] == {"totalEvents": 0}


def test_editing_a_returned_body_does_not_change_the_next_one(ev: Builder) -> None:
    store = EventStore()
    store.append("t1", [ev("page.viewed", NOW - 10, stream=None)])
    first = dashboard_metrics(store, "t1", T0 + NOW, "1d")
    first["metrics"]["eventsByType"]["page"] = 99
    assert dashboard_metrics(store, "t1", T0 + NOW, "1d")["metrics"]["eventsByType"] == {"page": 1}


def test_dashboard_for_an_empty_tenant_is_all_zero() -> None:
    body = dashboard_metrics(EventStore(), "t1", T0 + NOW, "7d")
    assert body["metrics"]["totalEvents"] == 0 and len(body["metrics"]["timeseries"]) == 7


def test_bad_metric_and_period_raise_value_errors() -> None:
    with pytest.raises(UnknownMetric):
        dashboard_metrics(EventStore(), "t1", T0 + NOW, "7d", "bogus")
    with pytest.raises(UnknownPeriod):
        dashboard_metrics(EventStore(), "t1", T0 + NOW, "24h")
    with pytest.raises(UnknownPeriod):
        stream_analytics(EventStore(), "t1", "s1", T0 + NOW, "1d")


# One step of a random history: append a batch (to t1 or t2), move the clock, or reset t1.
steps = st.one_of(
    st.tuples(st.sampled_from(["t1", "t1", "t2"]), st.lists(spec, min_size=1, max_size=12)),
    st.tuples(st.just("advance"), st.sampled_from([0.25, 60.0, 1800.0, 3600.0, DAY])),
    st.tuples(st.just("reset"), st.none()),
)


def _ingest_ids(events: list[Event], first: int) -> list[Event]:
    """Give every other event an ingest-style id ("evt_" + 12 digits), stored as a number."""
    return [
        make_event(e.body, event_id=f"evt_{first + k:012d}", tenant=e.tenant, time=e.time, received_at=e.received_at)
        if k % 2 else e
        for k, e in enumerate(events)
    ]


@settings(derandomize=True, max_examples=80, deadline=None)
@given(st.lists(steps, min_size=1, max_size=10), st.integers(3, 40), st.sampled_from([NOW - 7 * HOUR, NOW, NOW + 0.5]))
def test_columnar_engine_equals_reference_under_a_moving_clock(history: list, cap: int, start: float) -> None:
    store, now = EventStore(max_events=cap), start
    builders = {"t1": Builder("t1"), "t2": Builder("t2")}
    stored: list[Event] = []  # the model: every stored event, oldest arrival first
    for kind, arg in history:
        if kind == "advance":
            now += arg
        elif kind == "reset":
            store.reset("t1")
            stored = [e for e in stored if e.tenant != "t1"]
        else:
            batch = _ingest_ids(build_history(arg, builders[kind]), len(stored) * 100)
            store.append(kind, batch)
            stored = (stored + batch)[-cap:]
        # Future-dated events (up to 1 h ahead of NOW) stay stored but uncounted until reached.
        kept = [e for e in stored if e.tenant == "t1"]
        _check(store, kept, now)
        assert store.events("t1", limit=1000) == kept[::-1]


def test_a_stream_evicted_and_sent_again_is_not_served_from_old_sessions(ev: Builder) -> None:
    store = EventStore(max_events=1)
    store.append("t1", [ev("viewer.joined", NOW - 100, viewer="a")])
    assert dashboard_metrics(store, "t1", T0 + NOW, "1d", "totalWatchTime")["metrics"] == {"totalWatchTime": 100.0}
    store.append("t1", [ev("page.viewed", NOW - 90, stream=None)])  # evicts s1 entirely
    store.append("t1", [ev("viewer.joined", NOW - 50, viewer="b")])  # a new s1, one event again
    assert dashboard_metrics(store, "t1", T0 + NOW, "1d", "totalWatchTime")["metrics"] == {"totalWatchTime": 50.0}


# One step through the store's queue: single-event appends (to t1 or t2), or a round of queries.
queue_steps = st.one_of(
    st.tuples(st.sampled_from(["t1", "t1", "t2"]), st.lists(spec, min_size=1, max_size=4)),
    st.tuples(st.just("query"), nows),
)


@settings(derandomize=True, max_examples=80, deadline=None)
@given(st.lists(queue_steps, min_size=1, max_size=20), st.integers(2, 30), st.sampled_from([1, 2, 5, 1024]))
def test_queued_single_appends_and_evictions_are_seen_by_every_query(
    history: list, cap: int, flush_rows: int
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store_module, "_FLUSH_ROWS", flush_rows)
        store = EventStore(max_events=cap)
        builders = {"t1": Builder("t1"), "t2": Builder("t2")}
        stored: list[Event] = []  # the model: every stored event, oldest arrival first
        for kind, arg in history:
            if kind != "query":
                for event in build_history(arg, builders[kind]):
                    store.append(kind, [event])
                    stored = (stored + [event])[-cap:]
                continue
            kept = [e for e in stored if e.tenant == "t1"]
            _check(store, kept, arg)
            assert store.events("t1", limit=1000) == kept[::-1]
            assert store.events("t1", stream_id="s1", limit=1000) == [e for e in kept[::-1] if e.stream == "s1"]
            assert store.has_stream("t1", "s0") == any(e.stream == "s0" for e in kept)
        assert len(store) == len(stored)
        stats = store.stats("t1")
        assert stats["accepted"] - stats["evicted"] == sum(e.tenant == "t1" for e in stored)


def test_stream_index_is_reused_while_the_clock_moves_and_rebuilt_past_a_future_event(ev: Builder) -> None:
    store = EventStore()
    events = [ev("stream.started", NOW - 50), ev("viewer.joined", NOW - 40.5, viewer="a"),
              ev("viewer.joined", NOW - 30, viewer="b"), ev("viewer.left", NOW - 20.25, viewer="b"),
              ev("playback.rebuffer", NOW - 10, viewer="a", durationMs=1500),
              ev("viewer.left", NOW + 1800, viewer="a")]  # future-dated: a's session is open until then
    store.append("t1", events)
    memo = store.tenant_index("t1").streams["s1"].memo
    seen = []
    for now in (NOW, NOW + 0.5, NOW + 1799.75, NOW + 1800, NOW + DAY):
        for period in STREAM_PERIODS:
            assert stream_analytics(store, "t1", "s1", T0 + now, period) == stream_from_events(events, "s1", T0 + now, period)
        seen.append(memo["viewing"])
    assert seen[0] is seen[1] is seen[2]  # same events not after now: the index answers every "now"
    assert seen[3] is not seen[2] and seen[3] is seen[4]  # a's leave reached: one rebuild
    assert stream_analytics(store, "t1", "s1", T0 + NOW + DAY, "1h")["currentViewers"] == 0


def test_stream_indexes_equal_recomputation_on_the_demo_fixture() -> None:
    # Generated data: millisecond timestamps and ~1,000 events per stream, the scale at which
    # the exact prefix sums need their overflow guard.
    from pathlib import Path

    from wave_mock.fixtures.expected import TENANT, read_bodies, to_events
    from wave_mock.seed import fixture_now

    demo = Path(__file__).resolve().parents[1] / "fixtures" / "demo.jsonl"
    now = fixture_now(demo)
    assert now is not None
    events = to_events(read_bodies(demo), now)
    store = EventStore()
    store.append(TENANT, events)
    streams = sorted({e.stream for e in events if e.stream})
    for clock in (now, now - 2 * HOUR - 0.25, now + HOUR):
        for sid in streams:
            for period in STREAM_PERIODS:
                assert stream_analytics(store, TENANT, sid, clock, period) == stream_from_events(events, sid, clock, period)


def test_dashboard_replay_is_reused_while_the_clock_moves_and_rebuilt_past_a_future_event(ev: Builder) -> None:
    store = EventStore()
    events = [ev("stream.started", NOW - 50), ev("viewer.joined", NOW - 40, viewer="a"),
              ev("viewer.left", NOW + 1800, viewer="a"), ev("stream.ended", NOW + 1800)]  # future-dated
    store.append("t1", events)
    memo = store.tenant_index("t1").memo
    seen = []
    for now in (NOW, NOW + 0.5, NOW + 1799.75, NOW + 1800, NOW + DAY):
        for period in DASHBOARD_PERIODS:
            assert dashboard_metrics(store, "t1", T0 + now, period) == dashboard_from_events(events, T0 + now, period)
        seen.append((memo.get("by_time"), memo.get("replay")))
    assert all(by_time is seen[0][0] for by_time, _ in seen[:3])  # no append: sorted once, kept past the body memo's cap
    assert seen[0][1] is seen[1][1] is seen[2][1]  # no event reached: one replay serves every "now"
    # Once the clock reaches the newest event the live index answers, and the full engine's memos rest.
    assert seen[3][1] is seen[2][1] and store.tenant_index("t1").live.max_time == T0 + NOW + 1800
    assert dashboard_metrics(store, "t1", T0 + NOW + DAY, "1d", "liveStreams")["metrics"] == {"liveStreams": 0}


def test_the_first_dashboard_after_a_change_scans_and_the_second_builds_indexes(ev: Builder) -> None:
    # Under steady ingest every dashboard is a first one, and indexes would die at the next append.
    # A future-dated event keeps the live index (tests/metrics/test_metric_live_index.py) out of it.
    store = EventStore()
    events = [ev("stream.started", NOW - 50), ev("viewer.joined", NOW - 40, viewer="a"), ev("page.viewed", NOW + HOUR),
              ev("page.viewed", NOW - 5)]

    def first_scans_then_second_indexes(seen: list[Event]) -> None:
        memo = store.tenant_index("t1").memo
        assert dashboard_metrics(store, "t1", T0 + NOW, "1d") == dashboard_from_events(seen, T0 + NOW, "1d")
        assert "by_time" not in memo
        assert dashboard_metrics(store, "t1", T0 + NOW + 1, "1d") == dashboard_from_events(seen, T0 + NOW + 1, "1d")
        assert "by_time" in memo and "replay" in memo

    store.append("t1", events[:3])
    first_scans_then_second_indexes(events[:3])
    store.append("t1", events[3:])
    first_scans_then_second_indexes(events)
