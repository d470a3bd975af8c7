"""The dashboard indexes give the numbers of the vectorised path, at any clock."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wave_mock.metrics.dashboard_index import EventTimeIndex, ViewingSet, _merge
from wave_mock.metrics.vector import SessionSet, viewing_at, window_counts
from wave_mock.metrics.windows import DASHBOARD_PERIODS, DAY, HOUR, bucket_size, bucket_starts, window

T0 = 1_700_000_000.0
LABELS = [f"n{k}" for k in range(6)]
PLATFORM_LABELS = ["web", "ios", "android", "tv"]

# Times on hour and day edges and just beside them, where bucket ties live.
offsets = st.one_of(
    st.integers(-3 * DAY // HOUR, 3 * DAY // HOUR).map(lambda h: float(h * HOUR)),
    st.integers(-3 * DAY, 3 * DAY).map(float),
    st.floats(-3 * DAY, 3 * DAY, allow_nan=False),
)
clocks = st.sampled_from([0.0, 0.5, 1800.0, DAY - 0.25, 3 * DAY + 0.125])
# A session: viewer, start offset, length (gaps near a bucket's size included), open or not.
lengths = st.one_of(st.sampled_from([0.0, 1.0, HOUR - 1, HOUR, HOUR + 1, DAY - 1, DAY, DAY + 1]),
                    st.floats(0, 2 * DAY, allow_nan=False))
sessions = st.lists(st.tuples(st.integers(0, 5), offsets, lengths, st.booleans()), max_size=40)


def _edges(now: float, seconds: int) -> tuple[float, np.ndarray]:
    win = window(now, seconds)
    return win.start, np.array(bucket_starts(win, bucket_size(seconds)), "f8")


@settings(derandomize=True, max_examples=150, deadline=None)
@given(st.lists(st.tuples(offsets, st.integers(0, 5), st.integers(0, 3), st.integers(0, 7), st.integers(0, 9)),
                max_size=60), clocks, st.sampled_from(sorted(DASHBOARD_PERIODS.values())))
def test_time_index_counts_equal_window_counts(rows: list, clock: float, seconds: int) -> None:
    times, names, platforms, viewers, session_ids = zip(*rows) if rows else ((),) * 5
    cols = {
        "time": T0 + np.array(times, "f8"), "name": np.array(names, "i2"), "type": np.array(names, "i2") % 2,
        "platform": np.array(platforms, "i1"), "viewer": np.array(viewers, "i4"), "session": np.array(session_ids, "i4"),
    }
    now = T0 + clock
    lo, edges = _edges(now, seconds)
    types = ["playback", "stream"]
    expected = window_counts(cols, lo, now, edges, LABELS, types, PLATFORM_LABELS)
    assert EventTimeIndex.build(cols).counts(lo, now, edges, LABELS, types, PLATFORM_LABELS) == expected


def _session_arrays(spec: list, now: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sessions as replayed at ``now``: starts not after now, ends past now are open (inf)."""
    kept = [(v, T0 + s, T0 + s + n, is_open) for v, s, n, is_open in spec if T0 + s <= now]
    starts = np.array([s for _, s, _, _ in kept], "f8")
    ends = np.array([np.inf if is_open or e > now else e for _, _, e, is_open in kept], "f8")
    return starts, ends, np.array([v for v, _, _, _ in kept], "i4")


@settings(derandomize=True, max_examples=300, deadline=None)
@given(sessions, clocks, st.sampled_from(sorted(DASHBOARD_PERIODS.values())))
def test_viewing_set_equals_viewing_at(spec: list, clock: float, seconds: int) -> None:
    now = T0 + clock
    starts, ends, viewers = _session_arrays(spec, now)
    lo, edges = _edges(now, seconds)
    expected = viewing_at(SessionSet.build(starts, ends, viewers), lo, now, edges)
    assert ViewingSet.build(starts, ends, viewers).viewing(lo, now, edges, bucket_size(seconds)) == expected


@settings(derandomize=True, max_examples=100, deadline=None)
@given(sessions, clocks)
def test_active_viewers_for_an_unindexed_bucket_size_are_checked_gap_by_gap(spec: list, clock: float) -> None:
    # 1000 s buckets have no precomputed gaps: the one-by-one path must give the same counts.
    now = T0 + clock
    starts, ends, viewers = _session_arrays(spec, now)
    edges = np.array([now - 5000 + 1000 * k for k in range(5)], "f8")
    expected = viewing_at(SessionSet.build(starts, ends, viewers), now - 5000, now, edges)[1]
    assert ViewingSet.build(starts, ends, viewers).active(edges, now, 1000) == expected


def test_merge_joins_touching_and_overlapping_sessions_per_viewer() -> None:
    starts = np.array([0.0, 10.0, 5.0, 30.0, 0.0], "f8")
    ends = np.array([10.0, 20.0, 8.0, np.inf, 1.0], "f8")
    viewers = np.array([1, 1, 1, 1, 2], "i4")
    merged_starts, merged_ends, gap_ends, gap_starts = _merge(starts, ends, viewers)
    assert merged_starts.tolist() == [0.0, 30.0, 0.0]
    assert merged_ends.tolist() == [20.0, np.inf, 1.0]
    assert (gap_ends.tolist(), gap_starts.tolist()) == ([20.0], [30.0])


def test_gaps_near_a_bucket_long_count_a_viewer_once_per_bucket() -> None:
    # Gaps just under a day (checked one by one), just over, and spanning a whole bucket.
    now = T0 + 0.5
    lo, edges = _edges(now, 7 * DAY)
    edge = float(edges[3])
    spec = [(1, edge + 0.001, 0.0), (1, edge + DAY - 0.009, 1.0),  # gap DAY - 0.01 inside bucket 3
            (2, edge - 10, 5.0), (2, edge + DAY + 5, 1.0),  # gap spans bucket 3 entirely
            (3, edge + 0.5, 0.0), (3, edge + DAY + 0.25, 1.0)]  # gap just over a bucket
    starts = np.array([s for _, s, _ in spec], "f8")
    ends = starts + np.array([n for _, _, n in spec], "f8")
    viewers = np.array([v for v, _, _ in spec], "i4")
    expected = viewing_at(SessionSet.build(starts, ends, viewers), lo, now, edges)
    assert ViewingSet.build(starts, ends, viewers).viewing(lo, now, edges, DAY) == expected
