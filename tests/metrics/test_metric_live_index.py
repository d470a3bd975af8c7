"""The live dashboard index (extended by each read) equals the plain engine, on audience data:
many distinct viewers, most sessions open, batches across streams appended between reads,
the clock moving between reads (issue 19)."""

from __future__ import annotations

import random
import threading
from typing import Any

import numpy as np
import pytest

from tests.metrics.metric_builders import T0, Builder
from wave_mock.analytics import dashboard_metrics
from wave_mock.events import Event
from wave_mock.metrics.dashboard import dashboard_from_events
from wave_mock.metrics.live_index import LiveDashboard
from wave_mock.metrics.windows import DASHBOARD_PERIODS
from wave_mock.storage.store import EventStore

DAY = 86400


def _batch(rng: random.Random, ev: Builder, state: dict, size: int, t: float, step: float) -> list[Event]:
    """Audience-like events: mostly new viewers joining, few leaving, some on a second stream."""
    out = []
    for _ in range(size):
        t += step if rng.random() < 0.8 else 0.0  # some equal times: leaves replay before joins
        stream = f"s{rng.randrange(state['streams'])}"
        roll = rng.random()
        if roll < 0.5 or not state["viewers"]:
            state["n"] += 1
            viewer = f"u{state['n']}"
            state["viewers"].append(viewer)
            out.append(ev("viewer.joined", t, viewer=viewer, stream=stream, session=f"x{viewer}"))
        elif roll < 0.6:  # an old viewer (re)joins, maybe a second stream: a multi-session viewer
            out.append(ev("viewer.joined", t, viewer=rng.choice(state["viewers"]), stream=stream))
        elif roll < 0.7:
            out.append(ev("viewer.left", t, viewer=rng.choice(state["viewers"]), stream=stream))
        elif roll < 0.73:
            out.append(ev("stream.ended" if rng.random() < 0.5 else "stream.started", t, stream=stream))
        elif roll < 0.76:
            out.append(ev("page.viewed", t, viewer=rng.choice(state["viewers"]), stream=None))
        elif roll < 0.78:  # lifecycle names about no stream: the replay must skip them
            name = "viewer.joined" if rng.random() < 0.5 else "viewer.left"
            out.append(ev(name, t, viewer=rng.choice(state["viewers"]), stream=None))
        else:
            out.append(ev("playback.rebuffer", t, viewer=rng.choice(state["viewers"]), stream=stream, durationMs=500))
    return out


def _check(store: EventStore, events: list[Event], now: float) -> None:
    for period in DASHBOARD_PERIODS:
        assert dashboard_metrics(store, "t1", T0 + now, period) == dashboard_from_events(events, T0 + now, period)


@pytest.mark.parametrize("seed", range(6))
def test_live_index_equals_plain_engine_with_appends_and_a_running_clock(seed: int) -> None:
    rng, ev = random.Random(seed), Builder()
    state = {"n": 0, "viewers": [], "streams": rng.choice([3, 20])}
    store, seen = EventStore(), []
    starts = [ev("stream.started", -40 * DAY + k, stream=f"s{k}") for k in range(state["streams"])]
    prefill = _batch(rng, ev, state, 300, -35 * DAY, 35 * DAY / 600)  # spans the 30d and 1d windows
    store.append("t1", starts + prefill)
    seen += starts + prefill
    t = seen[-1].time - T0
    for _ in range(8):
        # A batch may start at the newest stored time: joins there extend the index, leaves drop it.
        batch = _batch(rng, ev, state, rng.randrange(1, 30), t + rng.choice([0.0, 0.25]), rng.choice([0.25, 600.0]))
        store.append("t1", batch)
        seen += batch
        t = max(t, batch[-1].time - T0)
        _check(store, seen, t)  # the clock exactly at the newest event
        _check(store, seen, t + rng.choice([0.5, 3600.0, 2 * DAY]))  # and moving on, nothing changed
    live = store.tenant_index("t1").live
    assert isinstance(live, LiveDashboard) and live.end_row == len(seen)  # positive control: it answered
    assert len(live.multi.view()) > 0 and live.n_open > 0


def test_rows_at_the_newest_time_extend_the_index_unless_they_replay_first(ev: Builder) -> None:
    store = EventStore()
    seen = [ev("stream.started", 0), ev("viewer.joined", 10, viewer="a"), ev("viewer.joined", 20, viewer="b")]
    store.append("t1", seen)
    _check(store, seen, 20)
    live = store.tenant_index("t1").live
    tie = [ev("viewer.joined", 20, viewer="c"), ev("viewer.joined", 20, viewer="a", stream="s2")]
    store.append("t1", tie)
    seen += tie
    _check(store, seen, 20)
    assert store.tenant_index("t1").live is live and live.end_row == 5  # extended, not dropped
    leave = [ev("viewer.left", 20, viewer="b")]  # replays before the joins at 20 already in
    store.append("t1", leave)
    seen += leave
    assert dashboard_metrics(store, "t1", T0 + 20, "1d") == dashboard_from_events(seen, T0 + 20, "1d")
    assert store.tenant_index("t1").live is False
    _check(store, seen, 21)  # a second read at this version rebuilds it
    assert isinstance(store.tenant_index("t1").live, LiveDashboard)


def test_out_of_order_rows_and_evictions_fall_back_and_stay_equal() -> None:
    rng, ev = random.Random(7), Builder()
    state = {"n": 0, "viewers": [], "streams": 5}
    store, seen = EventStore(max_events=400), []
    first = [ev("stream.started", -DAY, stream=f"s{k}") for k in range(5)] + _batch(rng, ev, state, 200, -DAY + 10, 60.0)
    store.append("t1", first)
    seen += first
    t = seen[-1].time - T0
    _check(store, seen, t)
    assert isinstance(store.tenant_index("t1").live, LiveDashboard)
    late = _batch(rng, ev, state, 20, t - 5000, 1.0)  # earlier than the index's newest event
    store.append("t1", late)
    seen += late
    _check(store, seen, t + 1)
    _check(store, seen, t + 2)  # a second dashboard at one version rebuilds the index
    assert isinstance(store.tenant_index("t1").live, LiveDashboard)
    more = _batch(rng, ev, state, 300, t + 10, 1.0)  # past max_events: the oldest are evicted
    store.append("t1", more)
    seen = (seen + more)[-400:]
    now = max(e.time for e in seen) - T0
    _check(store, seen, now)
    _check(store, seen, now - 100)  # a clock behind the newest event: the full engine answers


def test_ingest_goes_on_while_the_index_is_built_or_caught_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """Building and extending the index run without the store lock: an append from another
    thread completes while they are held up, and the read still equals the plain engine."""
    rng, ev = random.Random(3), Builder()
    state = {"n": 0, "viewers": [], "streams": 4}
    store = EventStore()
    seen = [ev("stream.started", -DAY + k, stream=f"s{k}") for k in range(4)] + _batch(rng, ev, state, 200, -DAY + 10, 60.0)
    store.append("t1", seen)
    held, appended = threading.Event(), threading.Event()
    in_time: list[bool] = []  # per hold-up: did the append finish while the index waited?
    real_extend = LiveDashboard.extend

    def slow_extend(self: LiveDashboard, snap: Any, first_row: int | None = None) -> bool:
        if not held.is_set():
            held.set()
            in_time.append(appended.wait(5))  # held up until the other thread's append is in
        return real_extend(self, snap, first_row)

    monkeypatch.setattr(LiveDashboard, "extend", slow_extend)
    for phase in ("build", "catch up"):
        held.clear()
        appended.clear()
        t = seen[-1].time - T0
        batch = _batch(rng, ev, state, 20, t + 1, 1.0)
        writer = threading.Thread(target=lambda: (held.wait(5), store.append("t1", batch), appended.set()))
        writer.start()
        body = dashboard_metrics(store, "t1", T0 + t + 100, "1d")
        writer.join(5)
        assert in_time == [True] * len(in_time) and in_time, phase
        seen += batch
        _check(store, seen, t + 100)
        assert body["metrics"]["totalEvents"] == dashboard_from_events(seen, T0 + t + 100, "1d")["metrics"]["totalEvents"]
    assert isinstance(store.tenant_index("t1").live, LiveDashboard)  # positive control: the index answered


def test_concurrent_readers_and_writers_end_equal_to_the_plain_engine() -> None:
    rng, ev = random.Random(11), Builder()
    state = {"n": 0, "viewers": [], "streams": 6}
    store = EventStore()
    seen = [ev("stream.started", -DAY + k, stream=f"s{k}") for k in range(6)]
    store.append("t1", seen)
    batches, t = [], 0.0
    for _ in range(60):
        batch = _batch(rng, ev, state, 50, t, 1.0)
        batches.append(batch)
        t = batch[-1].time - T0 + 1
    errors: list[BaseException] = []

    def read() -> None:
        try:
            for k in range(40):
                dashboard_metrics(store, "t1", T0 + t + k, list(DASHBOARD_PERIODS)[k % len(DASHBOARD_PERIODS)])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for thread in readers:
        thread.start()
    for batch in batches:
        store.append("t1", batch)
        seen += batch
    for thread in readers:
        thread.join(60)
    assert not errors
    _check(store, seen, t + 50)
    assert isinstance(store.tenant_index("t1").live, LiveDashboard)


@pytest.mark.parametrize("seed", range(3))
def test_small_pieces_and_copy_blocks_give_the_same_answers(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows taken in a few at a time (runs cut where the time rises) equal the plain engine."""
    from wave_mock import analytics
    from wave_mock.metrics import live_index

    monkeypatch.setattr(live_index, "_PIECE", 7)
    monkeypatch.setattr(analytics, "_COPY_ROWS", 5)
    rng, ev = random.Random(seed), Builder()
    state = {"n": 0, "viewers": [], "streams": 5}
    store = EventStore()
    seen = [ev("stream.started", -DAY + k, stream=f"s{k}") for k in range(5)] + _batch(rng, ev, state, 200, -DAY + 10, 0.5)
    store.append("t1", seen)
    t = seen[-1].time - T0
    _check(store, seen, t)
    # Cuts near rows 7 and 14, moved back to where the time rises (rows 3 and 13).
    assert live_index._pieces(np.array([0.0] * 3 + [1.0] * 10 + [2.0] * 2)) == [(0, 3), (3, 13), (13, 15)]
    for _ in range(4):
        batch = _batch(rng, ev, state, 60, t, rng.choice([0.0, 0.25]))  # equal times within runs
        store.append("t1", batch)
        seen += batch
        t = max(t, batch[-1].time - T0)
        _check(store, seen, t + 1)
    assert isinstance(store.tenant_index("t1").live, LiveDashboard)


def test_rows_stamped_after_the_reads_clock_during_the_read_are_left_for_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ingestion goes on during a read and stamps rows after its clock: the read answers for
    the rows before them (the store as it was at one moment), and remembers no answer."""
    from wave_mock import analytics

    rng, ev = random.Random(5), Builder()
    state = {"n": 0, "viewers": [], "streams": 3}
    store = EventStore()
    seen = [ev("stream.started", -DAY + k, stream=f"s{k}") for k in range(3)] + _batch(rng, ev, state, 100, -DAY + 10, 60.0)
    store.append("t1", seen)
    now = seen[-1].time - T0 + 5
    _check(store, seen, now)  # builds the index
    before = list(seen)
    during = _batch(rng, ev, state, 30, now - 2, 0.25)  # some at or before "now", then later ones
    real_copy = analytics._copy_rows
    calls = []

    def copy_with_an_append(*args: Any) -> Any:
        if not calls:
            calls.append(1)
            store.append("t1", during)
        return real_copy(*args)

    monkeypatch.setattr(analytics, "_copy_rows", copy_with_an_append)
    body = dashboard_metrics(store, "t1", T0 + now, "1d")
    on_time = [e for e in during if e.time <= T0 + now]
    first_late = next(k for k, e in enumerate(during) if e.time > T0 + now)
    assert 0 < first_late < len(during)  # positive control: the append straddles the clock
    assert body == dashboard_from_events(before + during[:first_late], T0 + now, "1d")
    # The live index answered (the full engine would have had to: a row later than the clock declines it).
    assert store.tenant_index("t1").live.end_row == len(before) + first_late
    seen = before + during
    _check(store, seen, now)  # the next read at the same clock sees every row: nothing stale was remembered
    assert on_time  # rows at or before the clock were stored during the read
