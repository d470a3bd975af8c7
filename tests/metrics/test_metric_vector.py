"""The numpy building blocks agree with the pure-Python reference functions."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wave_mock.metrics.vector import bucket_of, exact_sum
from wave_mock.metrics.windows import DASHBOARD_PERIODS, bucket_index, bucket_size, bucket_starts, window

durations = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)


@settings(derandomize=True, max_examples=200)
@given(st.lists(durations, max_size=60))
def test_exact_sum_equals_fsum_bit_for_bit(values: list[float]) -> None:
    assert exact_sum(np.array(values, "f8")) == math.fsum(values)


@settings(derandomize=True, max_examples=200)
@given(
    st.floats(min_value=1e5, max_value=2e9, allow_nan=False),
    st.sampled_from(sorted(DASHBOARD_PERIODS.values())),
    st.lists(st.floats(min_value=0, max_value=1), max_size=20),
)
def test_bucket_of_equals_bucket_index_even_at_fractional_edges(now: float, seconds: int, fractions: list[float]) -> None:
    win = window(now, seconds)
    starts = bucket_starts(win, bucket_size(seconds))
    # Each bucket start, and the floats just either side of it, are the tie-prone times.
    edges = [t for s in starts for t in (np.nextafter(s, -np.inf), s, np.nextafter(s, np.inf))]
    times = [t for t in edges + [win.start + f * seconds for f in fractions] + [win.end] if win.start <= t <= win.end]
    got = bucket_of(np.array(starts), np.array(times, "f8")).tolist()
    assert got == [bucket_index(starts, t) for t in times]
