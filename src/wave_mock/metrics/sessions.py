"""Replay one stream's events into viewing sessions and live intervals.

Replay walks the events in event-time order (never arrival order):

    time ascending
      -> at equal times: viewer.left and stream.ended before everything else
        -> at equal time and kind: event_id (never changes a number; it only
           makes the walk deterministic)

State per stream: the open session of each viewer and whether the stream is live.

    viewer.joined   opens a session unless the viewer already has one open
    viewer.left     closes the viewer's open session; ignored when none is open
    stream.ended    closes every open session at its time; ends the live interval
    stream.started  starts a live interval unless already live

A session or live interval still open after the last event has ``end=None``:
it runs until "now", which the caller supplies.
"""

from __future__ import annotations

from typing import Hashable, Iterable, NamedTuple, Sequence

from wave_mock.events import STREAM_ENDED, STREAM_STARTED, VIEWER_JOINED, VIEWER_LEFT, Event

_FIRST_AT_EQUAL_TIME = frozenset({VIEWER_LEFT, STREAM_ENDED})


class Session(NamedTuple):
    """One viewer watching one stream, from join to leave (``end=None``: still open)."""

    viewer: Hashable  # the viewer key (the store passes its int code instead)
    start: float
    end: float | None


class Interval(NamedTuple):
    """One live period of a stream (``end=None``: still live)."""

    start: float
    end: float | None


class Timeline(NamedTuple):
    """What a stream's events say about viewing and liveness, in start order."""

    sessions: tuple[Session, ...]
    live: tuple[Interval, ...]

    @property
    def is_live(self) -> bool:
        """Return whether the stream is live after the last replayed event."""
        return bool(self.live) and self.live[-1].end is None


def order_key(event: Event) -> tuple[float, int, str]:
    """Return the replay sort key: time, then leaves/ends first, then event_id."""
    return (event.time, 0 if event.name in _FIRST_AT_EQUAL_TIME else 1, event.event_id)


def replay(events: Iterable[Event], now: float) -> Timeline:
    """Build the timeline of one stream from its events, ignoring events after ``now``."""
    ordered = sorted((e for e in events if e.time <= now), key=order_key)
    return replay_ordered(ordered)


def replay_ordered(ordered: Iterable[Event]) -> Timeline:
    """Build a timeline from events already sorted by ``order_key``."""
    events = list(ordered)
    return replay_columns([e.name for e in events], [e.viewer for e in events], [e.time for e in events])


def replay_columns(names: Sequence[str], viewers: Sequence[Hashable], times: Sequence[float]) -> Timeline:
    """Build a timeline from parallel columns already in ``order_key`` order.

    Viewers may be any hashable key (strings, or the store's int codes).
    """
    open_sessions: dict[Hashable, float] = {}
    sessions: list[Session] = []
    live: list[Interval] = []
    live_since: float | None = None
    for name, viewer, time in zip(names, viewers, times):
        if name == VIEWER_JOINED:
            open_sessions.setdefault(viewer, time)
        elif name == VIEWER_LEFT:
            start = open_sessions.pop(viewer, None)
            if start is not None:
                sessions.append(Session(viewer, start, time))
        elif name == STREAM_ENDED:
            sessions.extend(Session(v, s, time) for v, s in open_sessions.items())
            open_sessions.clear()
            if live_since is not None:
                live.append(Interval(live_since, time))
                live_since = None
        elif name == STREAM_STARTED and live_since is None:
            live_since = time
    sessions.extend(Session(v, s, None) for v, s in open_sessions.items())
    if live_since is not None:
        live.append(Interval(live_since, None))
    sessions.sort(key=lambda s: (s.start, s.viewer))
    return Timeline(tuple(sessions), tuple(live))
