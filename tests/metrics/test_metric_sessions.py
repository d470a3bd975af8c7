"""Replaying one stream's events into sessions and live intervals."""

from __future__ import annotations

from tests.metrics.metric_builders import T0, Builder

from wave_mock.metrics.sessions import Interval, Session, replay


def test_leave_closes_the_viewers_open_session(ev: Builder) -> None:
    timeline = replay([ev("viewer.joined", 0, viewer="a"), ev("viewer.left", 30, viewer="a")], T0 + 100)
    assert timeline.sessions == (Session("a", T0, T0 + 30),)


def test_replay_uses_event_time_not_arrival_order(ev: Builder) -> None:
    join, leave = ev("viewer.joined", 0, viewer="a"), ev("viewer.left", 30, viewer="a")
    assert replay([leave, join], T0 + 100) == replay([join, leave], T0 + 100)


def test_duplicate_join_is_ignored(ev: Builder) -> None:
    # join 0, join 5 (ignored: already open), leave 20 -> one session [0, 20];
    # the second leave at 30 has no open session and is ignored.
    events = [
        ev("viewer.joined", 0, viewer="a"),
        ev("viewer.joined", 5, viewer="a"),
        ev("viewer.left", 20, viewer="a"),
        ev("viewer.left", 30, viewer="a"),
    ]
    assert replay(events, T0 + 100).sessions == (Session("a", T0, T0 + 20),)


def test_leave_without_join_is_ignored(ev: Builder) -> None:
    events = [ev("viewer.left", 5, viewer="a"), ev("viewer.joined", 10, viewer="a"), ev("viewer.left", 20, viewer="a")]
    assert replay(events, T0 + 100).sessions == (Session("a", T0 + 10, T0 + 20),)


def test_leave_applies_before_join_at_the_same_second(ev: Builder) -> None:
    # join 0, then leave 10 and join 10 arrive in the "wrong" order. Leave first:
    # [0, 10] then [10, 20]. Join first would swallow the join as a duplicate.
    events = [
        ev("viewer.joined", 0, viewer="a"),
        ev("viewer.joined", 10, viewer="a"),
        ev("viewer.left", 10, viewer="a"),
        ev("viewer.left", 20, viewer="a"),
    ]
    assert replay(events, T0 + 100).sessions == (Session("a", T0, T0 + 10), Session("a", T0 + 10, T0 + 20))


def test_session_open_at_the_end_has_no_end(ev: Builder) -> None:
    timeline = replay([ev("viewer.joined", 0, viewer="a")], T0 + 100)
    assert timeline.sessions == (Session("a", T0, None),)


def test_stream_ended_closes_every_open_session(ev: Builder) -> None:
    # a and b never leave: both sessions end at the stream.ended at 50; b's later
    # leave at 60 then has no open session. After the restart c's join opens anew.
    events = [
        ev("stream.started", 0),
        ev("viewer.joined", 10, viewer="a"),
        ev("viewer.joined", 20, viewer="b"),
        ev("stream.ended", 50),
        ev("viewer.left", 60, viewer="b"),
        ev("stream.started", 70),
        ev("viewer.joined", 80, viewer="a"),
    ]
    timeline = replay(events, T0 + 100)
    assert timeline.sessions == (
        Session("a", T0 + 10, T0 + 50),
        Session("b", T0 + 20, T0 + 50),
        Session("a", T0 + 80, None),
    )
    assert timeline.live == (Interval(T0, T0 + 50), Interval(T0 + 70, None))
    assert timeline.is_live


def test_repeated_start_and_stray_end_are_ignored(ev: Builder) -> None:
    # started 0, started 50 (already live: ignored), ended 100, ended 150 (not live: ignored).
    events = [ev("stream.started", 0), ev("stream.started", 50), ev("stream.ended", 100), ev("stream.ended", 150)]
    timeline = replay(events, T0 + 200)
    assert timeline.live == (Interval(T0, T0 + 100),)
    assert not timeline.is_live


def test_events_after_now_are_ignored(ev: Builder) -> None:
    # The leave at 150 and the stream.ended at 150 have "not happened yet" at now=100.
    events = [
        ev("stream.started", 0),
        ev("viewer.joined", 10, viewer="a"),
        ev("viewer.left", 150, viewer="a"),
        ev("stream.ended", 150),
    ]
    timeline = replay(events, T0 + 100)
    assert timeline.sessions == (Session("a", T0 + 10, None),)
    assert timeline.is_live


def test_other_events_do_not_open_sessions(ev: Builder) -> None:
    events = [ev("playback.started", 0, viewer="a", startupTimeMs=300), ev("page.viewed", 1, viewer="a")]
    assert replay(events, T0 + 100).sessions == ()
