"""Pure metric functions: no Flask, no store; events, sessions and windows in, numbers out.

    windows.py    periods, closed windows, timeseries buckets, RFC 3339
    sessions.py   replay one stream's events into sessions and live intervals
    stream.py     stream analytics over a window (the reference)
    stream_index.py  the same numbers from memoised per-stream indexes (exact.py: exact sums)
    dashboard.py  tenant dashboard over a window
"""

from __future__ import annotations

from wave_mock.metrics.dashboard import DASHBOARD_METRICS, Tally, UnknownMetric, dashboard_from_events
from wave_mock.metrics.sessions import Interval, Session, Timeline, order_key, replay
from wave_mock.metrics.stream import stream_from_events
from wave_mock.metrics.windows import DASHBOARD_PERIODS, STREAM_PERIODS, UnknownPeriod, Window, window

__all__ = [
    "DASHBOARD_METRICS",
    "DASHBOARD_PERIODS",
    "STREAM_PERIODS",
    "Interval",
    "Session",
    "Tally",
    "Timeline",
    "UnknownMetric",
    "UnknownPeriod",
    "Window",
    "dashboard_from_events",
    "order_key",
    "replay",
    "stream_from_events",
    "window",
]
