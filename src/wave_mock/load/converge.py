"""Convergence: poll the target's stream metrics until they equal the fixture's, or ``--settle`` runs out.

The expected numbers come from the metrics engine over the fixture as written (never from
the target): with ``--frozen`` the fixture's own expected file (or the engine at the
fixture's "now"); with shifted timestamps, the engine at ``poll time - shift``, which is
the expected file's instant when the poll happens at the shifted "now". A time-dependent
value (a live stream's duration) may move while a request is in flight, so a value
matches when it equals the expectation just before the request or just after its answer,
or lies between.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import orjson

from wave_mock.analytics import stream_analytics
from wave_mock.client import NotFoundError, WaveClient, WaveError
from wave_mock.fixtures.expected import TENANT
from wave_mock.fixtures.loading import load_store
from wave_mock.fixtures.replay import retry_call
from wave_mock.metrics.windows import STREAM_PERIODS

# The metrics the WAVE docs define for a stream; a wave-mock target is held to every field.
DOCUMENTED = ("totalViewers", "peakViewers", "avgWatchTime", "totalDuration")
POLL_EVERY = 1.0
POLL_THREADS = 8
KEPT_DIFFERENCES = 50


def flatten(body: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested objects into dotted keys.

    >>> flatten({"a": 1, "quality": {"b": 2}})
    {'a': 1, 'quality.b': 2}
    """
    out: dict[str, Any] = {}
    for key, value in body.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


class Oracle:
    """The fixture's stream metrics at any instant, from the plain engine over the unshifted file."""

    def __init__(self, path: Path, now_s: float) -> None:
        self.store = load_store(path, now_s, TENANT)

    def stream(self, stream_id: str, at_s: float, period: str) -> dict[str, Any] | None:
        return stream_analytics(self.store, TENANT, stream_id, at_s, period)


Expect = Callable[[str, str, float], dict[str, Any] | None]  # (stream, period, poll time) -> body


def frozen_expectation(expected_file: Path | None, oracle: Callable[[], Oracle], now_s: float) -> Expect:
    """Expect the expected file's numbers (or the engine's at the fixture's "now"), whatever the poll time."""
    if expected_file is not None:
        streams = orjson.loads(expected_file.read_bytes())["streams"]
        return lambda sid, period, _t: streams.get(sid, {}).get(period)
    engine = oracle()
    return lambda sid, period, _t: engine.stream(sid, now_s, period)


def shifted_expectation(oracle: Oracle, shift_s: float) -> Expect:
    """Expect the engine's numbers at the poll time moved back by the shift."""
    return lambda sid, period, t: oracle.stream(sid, t - shift_s, period)


def matches(actual: Any, low: Any, high: Any) -> bool:
    """Return True when ``actual`` equals ``low`` or ``high``, or (numbers) lies between them."""
    if actual == low or actual == high:
        return True
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (actual, low, high))
    return numbers and min(low, high) <= actual <= max(low, high)


@dataclass
class Convergence:
    """The result of polling."""

    converged: bool
    seconds: float  # until correct, or the whole settle time
    rounds: int
    compared: int  # values compared in the last round
    differences: list[dict[str, Any]] = field(default_factory=list)
    difference_count: int = 0


Fetched = tuple[dict[str, Any] | None, float, float]  # body (None: 404), time before and after the answer


def _fetch(client: WaveClient, sid: str, period: str, clock: Callable[[], float]) -> Fetched:
    def get() -> Fetched:
        began = clock()
        try:
            body: dict[str, Any] | None = client.analytics.get_stream_analytics(sid, period)
        except NotFoundError:
            body = None
        return body, began, clock()
    return retry_call(get, 5, lambda _: None)  # 429 and 5xx: wait as told, then ask again


def compare_round(client: WaveClient, streams: list[str], expect: Expect, every_field: bool,
                  clock: Callable[[], float] = time.time) -> tuple[list[dict[str, Any]], int]:
    """Fetch every stream and period once; return the differences and how many values were compared."""
    pairs = [(sid, period) for sid in streams for period in STREAM_PERIODS]
    with ThreadPoolExecutor(POLL_THREADS) as pool:
        fetched = list(pool.map(lambda pair: _fetch(client, *pair, clock), pairs))
    differences: list[dict[str, Any]] = []
    compared = 0
    for (sid, period), (body, began, ended) in zip(pairs, fetched):
        # Bracketed per request: a window's numbers need not move monotonically over a whole round.
        low, high = expect(sid, period, began), expect(sid, period, ended)
        if low is None and high is None:
            continue  # the stream has no events in this window at either instant
        want_low, want_high = flatten(low or {}), flatten(high or {})
        got = flatten(body or {})
        names = sorted(want_low) if every_field else [n for n in DOCUMENTED if n in want_low]
        for name in names:
            compared += 1
            if body is None or not matches(got.get(name), want_low.get(name), want_high.get(name)):
                differences.append({"streamId": sid, "period": period, "metric": name,
                                    "expected": want_high.get(name), "actual": None if body is None else got.get(name)})
    return differences, compared


def converge(client: WaveClient, streams: list[str], expect: Expect, every_field: bool, settle: float,
             clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep) -> Convergence:
    """Poll until a round shows no difference or ``settle`` seconds have passed."""
    began = time.monotonic()
    rounds = 0
    while True:
        rounds += 1
        differences, compared = compare_round(client, streams, expect, every_field, clock)
        elapsed = time.monotonic() - began
        if not differences:
            return Convergence(True, elapsed, rounds, compared)
        if elapsed + POLL_EVERY > settle:
            return Convergence(False, elapsed, rounds, compared, differences[:KEPT_DIFFERENCES], len(differences))
        sleep(POLL_EVERY)


def safe_converge(*args: Any, **kwargs: Any) -> Convergence:
    """``converge``, turning a target that stops answering into a failed convergence."""
    try:
        return converge(*args, **kwargs)
    except WaveError as exc:
        return Convergence(False, 0.0, 0, 0, [{"error": str(exc)}], 1)
