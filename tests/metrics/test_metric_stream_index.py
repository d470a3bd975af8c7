"""The indexed stream path (``stream_index.py``, ``exact.py``) equals the reference bit for bit."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.metrics.metric_builders import T0, Builder, build_history

from wave_mock.events import Event, make_event
from wave_mock.metrics.exact import ExactPrefix, fraction_bits, fraction_bits_of, scaled, scaled_all, to_float
from wave_mock.metrics.live_index import ExactWatch
from wave_mock.metrics.sessions import order_key, replay
from wave_mock.metrics.stream import stream_from_events
from wave_mock.metrics.stream_index import QualityIndex, ViewingIndex, stream_body
from wave_mock.metrics.windows import STREAM_PERIODS, window

HOUR, DAY = 3600, 86400


def indexed_body(events: list[Event], stream_id: str, built_at: float, now: float, period: str) -> dict[str, Any]:
    """Answer at ``now`` from indexes built at ``built_at`` (no event may lie in between)."""
    mine = sorted((e for e in events if e.stream == stream_id), key=order_key)
    timeline = replay(mine, built_at)
    codes: dict[Any, int] = {}
    viewers = np.array([codes.setdefault(s.viewer, len(codes)) for s in timeline.sessions], "i4")
    starts = np.array([s.start for s in timeline.sessions], "f8")
    ends = np.array([math.inf if s.end is None else s.end for s in timeline.sessions], "f8")
    labels = sorted({e.name for e in mine})
    quality = QualityIndex.build(
        np.array([e.time for e in mine], "f8"), np.array([labels.index(e.name) for e in mine], "i2"),
        np.array([math.nan if e.value is None else e.value for e in mine], "f8"), labels,
    )
    viewing = ViewingIndex.build(starts, ends, viewers, timeline.live)
    return stream_body(stream_id, period, viewing, quality, now, window(now, STREAM_PERIODS[period]))


def shifted(events: list[Event], base: float) -> list[Event]:
    """Move a history built at ``T0`` to start at ``base`` instead (near the epoch, say)."""
    return [make_event(e.body, event_id=e.event_id, tenant=e.tenant, time=e.time - T0 + base,
                       received_at=e.received_at - T0 + base) for e in events]


# Whole seconds, halves and tenths (not binary fractions: the sums must still be exact).
offsets = st.one_of(
    st.integers(0, 3 * DAY).map(float),
    st.integers(0, 2 * HOUR).map(float),  # dense: sessions across the window's start, 1h periods
    st.integers(0, 6 * DAY).map(lambda h: h / 2),
    st.integers(0, 30 * DAY).map(lambda d: d / 10),
)
spec = st.tuples(st.integers(0, 10), offsets, st.integers(0, 4), st.just(0), st.integers(0, 5000))


@settings(derandomize=True, max_examples=150, deadline=None)
@given(
    st.lists(spec, max_size=40),
    st.sampled_from([0.0, 0.5, 1e6, T0]),  # near the epoch, lo <= 0 or now > 2 * lo: one-by-one sums
    st.lists(offsets, min_size=1, max_size=3),
    st.sampled_from(sorted(STREAM_PERIODS)),
)
def test_indexes_equal_reference_at_any_now_between_two_events(
    specs: list, base: float, nows: list[float], period: str
) -> None:
    events = shifted(build_history(specs), base)
    if not any(e.stream == "s0" for e in events):
        return
    times = sorted(e.time for e in events)
    for offset in nows:
        built_at = base + offset
        later = [t for t in times if t > built_at]
        # Same replay (same k), clock moved: the indexes must answer without a rebuild.
        for now in (built_at, (built_at + later[0]) / 2 if later else built_at + DAY):
            assert indexed_body(events, "s0", built_at, now, period) == stream_from_events(events, "s0", now, period)


def test_open_sessions_and_lives_run_to_the_moving_now(ev: Builder) -> None:
    events = [ev("stream.started", 0), ev("viewer.joined", 10, viewer="a"), ev("viewer.joined", 20.1, viewer="b"),
              ev("viewer.left", 30.3, viewer="b"), ev("viewer.joined", 40, viewer="b")]
    for now in (T0 + 40, T0 + 100.7, T0 + 2 * DAY):
        got = indexed_body(events, "s1", T0 + 40, now, "24h")
        assert got == stream_from_events(events, "s1", now, "24h")
    assert (got["currentViewers"], got["isLive"], got["totalDuration"]) == (2, True, DAY)


def test_peak_ignores_sessions_that_ended_before_the_window(ev: Builder) -> None:
    # a [0, 10] and b [5, 20] overlap before lo = 15; inside W only b is open.
    events = [ev("viewer.joined", 0, viewer="a"), ev("viewer.joined", 5, viewer="b"),
              ev("viewer.left", 10, viewer="a"), ev("viewer.left", 20, viewer="b"), ev("viewer.joined", 30, viewer="c")]
    now = T0 + 15 + HOUR
    body = indexed_body(events, "s1", now, now, "1h")
    assert body == stream_from_events(events, "s1", now, "1h") and body["peakViewers"] == 1


def test_a_session_starting_exactly_at_now_never_raises_the_peak(ev: Builder) -> None:
    events = [ev("viewer.joined", 0, viewer="a"), ev("viewer.left", 50, viewer="a"), ev("viewer.joined", 100, viewer="b")]
    body = indexed_body(events, "s1", T0 + 100, T0 + 100, "1h")
    assert body == stream_from_events(events, "s1", T0 + 100, "1h") and body["peakViewers"] == 1


def test_watch_time_near_the_epoch_is_summed_one_by_one(ev: Builder, monkeypatch: pytest.MonkeyPatch) -> None:
    # now = 100 s after the epoch with a 1 h period: lo < 0, so "end - lo" may round.
    events = shifted([ev("viewer.joined", 0.1, viewer="a"), ev("viewer.joined", 0.3, viewer="b"),
                      ev("viewer.left", 70.7, viewer="a")], 0.0)
    calls = []
    slow = ViewingIndex._watch_one_by_one
    monkeypatch.setattr(ViewingIndex, "_watch_one_by_one", lambda self, lo, now: calls.append(lo) or slow(self, lo, now))
    assert indexed_body(events, "s1", 100.0, 100.0, "1h") == stream_from_events(events, "s1", 100.0, "1h")
    assert calls == [100.0 - HOUR]


def test_watch_time_from_prefix_sums_is_fsum_not_a_float_loop(ev: Builder) -> None:
    # Tenths are not binary fractions: a left-to-right float sum drifts, fsum does not.
    events = [e for k in range(40) for e in (ev("viewer.joined", k * 10 + 0.1, viewer=f"v{k}"),
                                             ev("viewer.left", k * 10 + 0.1 + 0.1 * (k + 1), viewer=f"v{k}"))]
    now = T0 + 1000
    view = ViewingIndex.build(np.array([e.time for e in events[::2]]), np.array([e.time for e in events[1::2]]),
                              np.arange(40, dtype="i4"), ())
    durations = [(e.time - s.time) for s, e in zip(events[::2], events[1::2])]
    assert view.watch_seconds(now - HOUR, now) == math.fsum(durations)
    assert indexed_body(events, "s1", now, now, "1h") == stream_from_events(events, "s1", now, "1h")


def test_quality_outside_every_sample_is_the_empty_answer(ev: Builder) -> None:
    events = [ev("playback.started", 0, startupTimeMs=800), ev("playback.error", 5, fatal=True)]
    for now in (T0 - DAY, T0 + 3 * DAY):
        body = indexed_body(events, "s1", now, now, "24h")
        assert body == stream_from_events(events, "s1", now, "24h")
    body["quality"]["errorCount"] = 9  # the caller owns its copy
    assert indexed_body(events, "s1", now, now, "24h")["quality"]["errorCount"] == 0


samples = st.one_of(
    st.floats(min_value=0, max_value=1e7, allow_nan=False),
    st.sampled_from([0.0, 5e-324, 1e-300, 0.1, 2.0**60, 1.8e9 + 0.01]),
)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.lists(samples, max_size=150), st.data())
def test_exact_prefix_range_sums_equal_fsum(values: list[float], data: st.DataObject) -> None:
    # Past 64 values the scaling runs in numpy; below it, per value.
    prefix = ExactPrefix.of(np.array(values, "f8"))
    start = data.draw(st.integers(0, len(values)))
    stop = data.draw(st.integers(start, len(values)))
    assert to_float(prefix.total(start, stop, prefix.bits), prefix.bits) == math.fsum(values[start:stop])
    finer = prefix.bits + 7
    assert to_float(prefix.total(start, stop, finer), finer) == math.fsum(values[start:stop])


def test_exact_prefix_keeps_int64_sums_unless_they_overflow() -> None:
    times = [1.8e9 + k / 100 for k in range(100)]  # real timestamps: int64, no Python ints for the GC to walk
    assert isinstance(ExactPrefix.of(np.array(times)).sums, np.ndarray)
    values = [1e300] * 40 + [0.5] * 40  # 1e300 * 2 is far past 63 bits
    prefix = ExactPrefix.of(np.array(values))
    assert isinstance(prefix.sums, list) and prefix.bits == 1
    assert to_float(prefix.total(0, 80, 1), 1) == math.fsum(values)


def test_exact_prefix_notices_when_the_scaled_values_would_overflow_int64() -> None:
    # Timestamps with millisecond fractions: each scaled value fits in 62 bits, 2,000 of them
    # summed do not (the demo's rebuffer seconds once came out 512 s off from a wrapped sum).
    values = [1_735_718_400 + (k * 7_919_993 % 21_600_000) / 1000 for k in range(2000)]
    prefix = ExactPrefix.of(np.array(values))
    assert to_float(prefix.total(0, 2000, prefix.bits), prefix.bits) == math.fsum(values)
    assert to_float(prefix.total(100, 1900, prefix.bits), prefix.bits) == math.fsum(values[100:1900])


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.lists(samples, max_size=40), st.integers(0, 12))
def test_vector_scaling_equals_the_per_value_scaling(values: list[float], extra: int) -> None:
    # The per-value functions read Python's exact as_integer_ratio; the vector ones frexp.
    array = np.array(values, "f8")
    bits = fraction_bits_of(array)
    assert bits == max((fraction_bits(v) for v in values), default=0)
    got = scaled_all(array, bits + extra)
    wanted = [scaled(v, bits + extra) for v in values]
    if got is None:  # refused only when a scaled value would pass 62 bits
        assert max(wanted) >= 2**62
    else:
        assert got.tolist() == wanted


@settings(derandomize=True, max_examples=100, deadline=None)
@given(st.lists(st.lists(samples, max_size=8), max_size=6))
def test_exact_watch_sums_of_starts_and_ends_equal_fsum_over_any_additions(batches: list[list[float]]) -> None:
    watch, starts, ends = ExactWatch(), [], []
    for k, batch in enumerate(batches):  # starts and ends arrive in any split
        watch.add(batch if k % 2 else [], [] if k % 2 else batch)
        (starts if k % 2 else ends).extend(batch)
    # With no open session and lo = now = 0, total() is the sum of every closed end minus every start.
    n, closed = len(starts), len(ends)
    got = watch.total(0, 0, n, 0, 0.0, 0.0)
    assert got == math.fsum(ends + [-s for s in starts])
    assert closed == len(watch.ends) - 1 and n == len(watch.starts) - 1
