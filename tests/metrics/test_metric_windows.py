"""Windows, buckets and timestamp formatting."""

from __future__ import annotations

import pytest

from wave_mock.metrics.windows import (
    STREAM_PERIODS,
    UnknownPeriod,
    Window,
    bucket_index,
    bucket_starts,
    period_seconds,
    rfc3339,
)


def test_bucket_index_puts_boundaries_in_the_later_bucket() -> None:
    starts = bucket_starts(Window(0.0, 30.0), 10)
    assert starts == [0.0, 10.0, 20.0]
    assert [bucket_index(starts, t) for t in (0.0, 9.99, 10.0, 29.0, 30.0)] == [0, 0, 1, 2, 2]


def test_rfc3339_keeps_sub_millisecond_fractions() -> None:
    assert rfc3339(1_800_000_000.25) == "2027-01-15T08:00:00.250Z"
    assert rfc3339(1_800_000_000.000125) == "2027-01-15T08:00:00.000125Z"


def test_unknown_period_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownPeriod, match="1h, 24h, 7d, 30d"):
        period_seconds("90d", STREAM_PERIODS)
