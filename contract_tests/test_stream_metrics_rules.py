"""Layer 4: stream metrics follow the traffic (definitions in the spec and docs/metrics.md).

Documented: totalViewers, peakViewers, avgWatchTime (seconds) and totalDuration mean what
their names say; period values. Decided: currentViewers, isLive, a live stream's duration
growing to now, the echoed period, 404 for unknown streams, the `timestamp` extension.

Every expectation is drawn from ``--seed`` and worked here by a plain sweep; none equals the
spec's example. All the streams' events go out in one timeline and settle together.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest

from .behaviour import ViewerStory, assert_refused, error_checks, hold_decided, seeded, send_timeline
from .capabilities import Capability, TargetClock, target_clock
from .kit import Api, Reply, Target, event, unique
from .settle import Settler, has_viewers, viewers
from .tiers import decided, documented

GAP = 10.0  # seconds between steps when the target honours `timestamp`


@dataclass
class Flows:
    """The streams written for this module and what each must show."""

    story: ViewerStory
    counted: str  # the story's stream
    watched: str  # every session closed; durations in steps
    watch_steps: list[int]
    ran: str  # started, then ended `ran_steps` later
    ran_steps: int
    live: str  # started, never ended
    stamped: bool
    first_sent: float
    last_sent: float
    seen: Any  # the control poll of the story's stream


@pytest.fixture(scope="module")
def flows(api: Api, target: Target, settler: Settler, with_timestamps: Capability) -> Flows:
    """Send every stream's events in one timeline, then wait for the story's stream to settle."""
    rng = seeded(target, "stream_flows")
    story = ViewerStory.draw(rng)
    counted, watched, ran, live = (unique(f"str_{k}") for k in ("count", "watch", "ran", "live"))
    steps: list[list[dict[str, Any]]] = [[e] for e in story.events(counted, [unique("sess") for _ in story.steps])]
    length = len(steps)
    watch_steps = _add_sessions(steps, watched, rng)
    ran_steps = rng.randint(2, length - 1)
    steps[0] += [event("stream.started", unique("sess"), ran), event("stream.started", unique("sess"), live)]
    steps[ran_steps].append(event("stream.ended", unique("sess"), ran))
    clock = target_clock(api, target) if with_timestamps else None
    first = time.time()
    last = send_timeline(api, steps, clock, gap=GAP)
    seen = settler.control(lambda: api.stream(counted), has_viewers(story.total), since=last)
    return Flows(story, counted, watched, watch_steps, ran, ran_steps, live, clock is not None, first, last, seen)


def _add_sessions(steps: list[list[dict[str, Any]]], stream: str, rng: Any) -> list[int]:
    """Add 2-4 viewers who join and later leave ``stream``; return each session's length in steps."""
    lengths = []
    for _ in range(rng.randint(2, 4)):
        join = rng.randrange(len(steps) - 1)
        leave = rng.randint(join + 1, len(steps) - 1)
        session = unique("sess")
        steps[join].append(event("viewer.joined", session, stream))
        steps[leave].append(event("viewer.left", session, stream))
        lengths.append(leave - join)
    return lengths


def _number(reply: Reply, name: str) -> Any:
    value = reply.get(name)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def test_join_leave_sequence_gives_exact_viewer_counts(api: Api, target: Target, settler: Settler, flows: Flows) -> None:
    story = flows.story
    want = {"totalViewers": story.total, "peakViewers": story.peak}
    polled = settler.check(lambda: api.stream(flows.counted), lambda r: {k: r.get(k) for k in want} == want)
    got = {k: polled.reply.get(k) for k in want}
    documented(polled.ok, polled.explain(f"join/leave sequence {story.steps}: expected {want}, got {got}"))
    documented(polled.reply.get("streamId") == flows.counted, polled.explain("the streamId asked for is echoed"))
    current = polled.reply.get("currentViewers")
    hold_decided(target, [(current == story.current, f"currentViewers counts the {story.current} viewers still watching", f"currentViewers={current!r}")])


def test_avg_watch_time_is_in_seconds_and_plausible(api: Api, settler: Settler, flows: Flows) -> None:
    elapsed = time.time() - flows.first_sent
    if flows.stamped:
        want = round(sum(flows.watch_steps) * GAP / len(flows.watch_steps), 3)
        polled = settler.check(lambda: api.stream(flows.watched), lambda r: abs(_number(r, "avgWatchTime") - want) < 0.01)
        rule = f"sessions of {[s * GAP for s in flows.watch_steps]} s: avgWatchTime = {want} s"
    else:
        polled = settler.check(lambda: api.stream(flows.watched), lambda r: 0 < _number(r, "avgWatchTime") <= time.time() - flows.first_sent + 2)
        rule = f"every session lies within the {elapsed:.1f} s since the first event: 0 < avgWatchTime (seconds) <= that"
    documented(polled.ok, polled.explain(rule))


def test_total_duration_is_the_time_between_start_and_end(api: Api, settler: Settler, flows: Flows) -> None:
    if flows.stamped:
        want = flows.ran_steps * GAP
        polled = settler.check(lambda: api.stream(flows.ran), lambda r: abs(_number(r, "totalDuration") - want) < 0.01)
        rule = f"started, then ended {want:.0f} s later: totalDuration = {want} s"
    else:
        polled = settler.check(lambda: api.stream(flows.ran), lambda r: 0 < _number(r, "totalDuration") <= time.time() - flows.first_sent + 2)
        rule = "started, then ended a few seconds later: 0 < totalDuration (seconds) <= the time since the start"
    documented(polled.ok, polled.explain(rule))


def test_total_duration_grows_while_live(api: Api, target: Target, settler: Settler, flows: Flows, clock: TargetClock) -> None:
    if clock.frozen:
        pytest.skip("the target's clock is frozen (/_mock/health), so a live stream's duration cannot grow")
    first = settler.check(lambda: api.stream(flows.live), lambda r: _number(r, "totalDuration") > 0)
    documented(first.ok, first.explain("a started stream has a duration"))
    time.sleep(1.1)
    second = api.stream(flows.live)
    grown = (_number(second, "totalDuration") or 0) > _number(first.reply, "totalDuration")
    hold_decided(target, [
        (first.reply.get("isLive") is True, "a started stream that has not ended is live (isLive)", f"isLive={first.reply.get('isLive')!r}"),
        (grown, "a live stream's totalDuration runs to now", f"{first.reply.get('totalDuration')} then {second.get('totalDuration')} 1.1 s later"),
    ])


def test_stream_metrics_respond_to_new_events(api: Api, target: Target, settler: Settler) -> None:
    stream = unique("str_again")
    assert api.track(event("viewer.joined", unique("sess"), stream)).status == 200
    before = settler.control(lambda: api.stream(stream), has_viewers(1), since=time.time())
    documented(before.ok, before.explain("one viewer joined"))
    assert api.track(event("viewer.joined", unique("sess"), stream)).status == 200
    after = settler.control(lambda: api.stream(stream), has_viewers(2), since=time.time())
    documented(after.ok, after.explain("a second join shows up within --settle (no stale metrics)"))
    current = after.reply.get("currentViewers")
    hold_decided(target, [(current == 2, "currentViewers counts both open sessions", f"currentViewers={current!r}")])


def test_unknown_stream_gets_404(api: Api, target: Target, settler: Settler, flows: Flows) -> None:
    known = settler.check(lambda: api.stream(flows.counted), lambda r: viewers(r) is not None)
    documented(known.ok, known.explain("positive control: a stream with events is readable"))
    reply = api.stream(unique("str_never_sent"))
    documented(reply.status == 404 or viewers(reply) == 0, reply.explain("a stream never sent shows no viewers (404, or 200 with zeros)"))
    hold_decided(target, error_checks(reply, 404, target, "a stream never sent"))


def test_stream_period_is_validated(api: Api, target: Target, settler: Settler, flows: Flows) -> None:
    known = settler.check(lambda: api.stream(flows.counted, "1h"), lambda r: viewers(r) is not None)
    documented(known.ok, known.explain("period=1h is one of the documented values"))
    bad = api.stream(flows.counted, period="2h")
    assert_refused(bad, "period=2h is not one of 1h, 24h, 7d, 30d")
    hold_decided(target, [(known.reply.get("period") == "1h", "the period asked for is echoed", f"period={known.reply.get('period')!r}"),
                          *error_checks(bad, 400, target, "an unknown stream period")])


def test_timestamp_field_places_events_in_time(target: Target, with_timestamps: Capability) -> None:
    assert with_timestamps.broken is None, with_timestamps.broken
    decided(with_timestamps.supported, "the mock-only `timestamp` sets an event's time", with_timestamps.reason, strict=target.strict)
