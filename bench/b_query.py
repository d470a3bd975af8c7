"""B3: stream analytics and dashboard latency at 10k / 100k / 1M stored events.

In-process: ``wave_mock.analytics`` on an ``EventStore`` filled with ``make_event``.
Over HTTP: ``wave-mock serve --load FIXTURE.jsonl --load-frozen`` (the clock freezes at the
fixture's "now"), queried by wrk with one connection (sequential requests, so latency is not
queueing); then ``DELETE /_mock/clock`` and again with a moving clock.

Caches: analytics memoises per stream (sorted events, timeline at the cut-off k) and per
tenant (dashboard per (now, period)). With a frozen clock, repeated queries hit those
memos, so "warm" numbers are memo hits and "cold" numbers are the first query per stream
(or the first dashboard). With a moving clock the dashboard memo misses on every call.
"""

from __future__ import annotations

import random
import time
from typing import Callable

import requests

from bodies import query_events, write_query_fixture
from common import AUTH, Options, Proc, Result, check, free_port, mock_command, percentile
from profiling import profile_during
from wrkload import run_wrk

TENANT = "bench"
STREAM_PERIOD = "24h"


def _store(total: int, streams: int, end: float):  # -> EventStore
    from wave_mock.events import make_event
    from wave_mock.storage.store import EventStore

    store = EventStore(max_events=total + 10)
    chunk = []
    for i, (t, body) in enumerate(query_events(total, streams, end)):
        chunk.append(make_event(body, event_id=f"evt_{i:012d}", tenant=TENANT, time=t, received_at=t))
        if len(chunk) >= 10_000:
            store.append(TENANT, chunk)
            chunk = []
    store.append(TENANT, chunk)
    return store


def _timed(call: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    call()
    return (time.perf_counter() - t0) * 1000


def _rows(side: str, metric: str, samples: list[float], target: str = "", passed: bool | None = None) -> list[Result]:
    p50, p99 = percentile(samples, 50), percentile(samples, 99)
    return [Result("B3", side, f"{metric} p50", round(p50, 4), "ms", target, passed),
            Result("B3", side, f"{metric} p99", round(p99, 4), "ms")]


def in_process(total: int, opts: Options, end: float) -> tuple[list[Result], dict[str, float]]:
    """Measure the analytics functions directly; return rows and the key p50s."""
    from wave_mock.analytics import dashboard_metrics, stream_analytics

    t0 = time.perf_counter()
    store = _store(total, opts.streams, end)
    build_s = time.perf_counter() - t0
    rng = random.Random(7)
    ids = [f"str_{rng.randrange(opts.streams):05d}" for _ in range(opts.samples)]
    side = f"in-process {total // 1000}k"
    rows = [Result("B3", side, "store build", round(build_s, 2), "s", note=f"{len(store)} events, {opts.streams} streams")]
    cold = [_timed(lambda s=s: stream_analytics(store, TENANT, s, end, STREAM_PERIOD)) for s in ids]
    warm = [_timed(lambda s=s: stream_analytics(store, TENANT, s, end, STREAM_PERIOD)) for s in ids]
    rows += _rows(side, "stream cold", cold) + _rows(side, "stream warm", warm)
    key = {"stream": percentile(warm, 50)}
    for period in ("30d", "90d"):
        first = _timed(lambda: dashboard_metrics(store, TENANT, end, period))
        warm_d = [_timed(lambda: dashboard_metrics(store, TENANT, end, period)) for _ in range(opts.samples)]
        rows.append(Result("B3", side, f"dashboard {period} cold", round(first, 3), "ms"))
        rows += _rows(side, f"dashboard {period} warm", warm_d)
        key[f"dash{period}"] = percentile(warm_d, 50)
        moving = [_timed(lambda: dashboard_metrics(store, TENANT, time.time(), period)) for _ in range(max(10, min(20, opts.samples // 4)))]
        rows += _rows(side, f"dashboard {period} moving-clock", moving)
        key[f"dash{period}-moving"] = percentile(moving, 50)
    moving_s = [_timed(lambda s=s: stream_analytics(store, TENANT, s, time.time(), STREAM_PERIOD)) for s in ids]
    rows += _rows(side, "stream moving-clock", moving_s)
    return rows, key


def _http_latency(root: str, paths: list[str], opts: Options, name: str) -> tuple[float, float]:
    """Return wrk p50/p99 (ms) of sequential GETs cycling over ``paths``."""
    data = opts.work / f"paths-{name}.txt"
    data.write_text("\n".join(paths) + "\n")
    res = run_wrk(root + paths[0], "paths.lua", data, max(2.0, opts.duration / 2), 1, 1)
    if res.non_2xx:
        raise RuntimeError(f"{res.non_2xx} non-2xx answers for {name}")
    return res.p50_ms, res.p99_ms


def over_http(total: int, opts: Options, end: float) -> tuple[list[Result], dict[str, float]]:
    """Serve a generated fixture with --load and query it with wrk."""
    # Always regenerated: "now" must be recent for the moving-clock variant.
    fixture = opts.work / f"query-{total}-{opts.streams}.jsonl"
    write_query_fixture(fixture, total, opts.streams, end)
    side = f"http {total // 1000}k"
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    command = mock_command(port, "--no-access-log", "--load", str(fixture), "--load-frozen", "--max-events", str(total + 10))
    rows: list[Result] = []
    key: dict[str, float] = {}
    with Proc("mock", command, port, root + "/_mock/health", log=opts.work / f"b3-{total}.log", timeout=1800) as proc:
        rows.append(Result("B3", side, "--load start-up", round(proc.started_in, 1), "s", note="includes the CLI's up-front validation build"))
        rng = random.Random(7)
        paths = [f"/api/v1/analytics/stream/str_{rng.randrange(opts.streams):05d}?period={STREAM_PERIOD}" for _ in range(opts.samples)]
        session = requests.Session()
        cold = [_timed(lambda p=p: session.get(root + p, headers=AUTH, timeout=60).raise_for_status()) for p in paths]
        rows.append(Result("B3", side, "stream cold p50", round(percentile(cold, 50), 3), "ms", note="first query per stream, Python client (adds ~0.5 ms)"))
        for name, query in (("stream", paths), ("dashboard 30d", ["/api/v1/analytics/dashboards?period=30d"]),
                            ("dashboard 90d", ["/api/v1/analytics/dashboards?period=90d"])):
            p50, p99 = _http_latency(root, query, opts, f"{total}-{name.replace(' ', '')}")
            rows += [Result("B3", side, f"{name} p50", round(p50, 3), "ms"), Result("B3", side, f"{name} p99", round(p99, 3), "ms")]
            key[name] = p50
        if opts.profile and total == max(opts.sizes):
            data = opts.work / "paths-profile.txt"
            data.write_text("\n".join(paths + ["/api/v1/analytics/dashboards?period=30d"] * 20) + "\n")
            session.delete(root + "/_mock/clock", headers=AUTH, timeout=10)
            profile_during(proc.pids(), opts.duration, "B3-http-moving",
                           lambda: run_wrk(root + paths[0], "paths.lua", data, opts.duration, 1, 1))
        session.delete(root + "/_mock/clock", headers=AUTH, timeout=10).raise_for_status()
        for name, query in (("stream moving-clock", paths), ("dashboard 30d moving-clock", ["/api/v1/analytics/dashboards?period=30d"])):
            p50, p99 = _http_latency(root, query, opts, f"{total}-{name.replace(' ', '')}")
            rows += [Result("B3", side, f"{name} p50", round(p50, 3), "ms"), Result("B3", side, f"{name} p99", round(p99, 3), "ms")]
    return rows, key


def bench_b3(opts: Options) -> list[Result]:
    """B3 at every size, in-process and over HTTP, then the targets."""
    end = float(int(time.time()) - 120)  # recent, so the moving-clock variant still sees the data
    rows: list[Result] = []
    keys: dict[str, dict[str, float]] = {}
    for total in opts.sizes:
        print(f"  B3 size {total}", flush=True)
        for mode, measure in (("in", in_process), ("http", over_http)):
            try:
                r, k = measure(total, opts, end)
            except Exception as exc:  # keep the other sizes' numbers when one side breaks
                rows.append(Result("B3", f"{mode} {total // 1000}k", "error", None, passed=False,
                                   note=f"{type(exc).__name__}: {exc}"[:300]))
                continue
            rows += r
            keys[f"{mode}-{total}"] = k
    small, big = min(opts.sizes), max(opts.sizes)
    for mode in ("in", "http"):
        if f"{mode}-{big}" not in keys or f"{mode}-{small}" not in keys:
            continue
        stream_big = keys[f"{mode}-{big}"]["stream"]
        stream_small = keys[f"{mode}-{small}"]["stream"]
        dash = keys[f"{mode}-{big}"]["dash30d" if mode == "in" else "dashboard 30d"]
        label = f"{'in-process' if mode == 'in' else 'http'} {big // 1000}k"
        rows.append(Result("B3", label, "stream p50 (target)", round(stream_big, 3), "ms", "<= 5", check(stream_big, "<=", 5)))
        ratio = stream_big / stream_small if stream_small else None
        rows.append(Result("B3", label, f"stream p50 / {small // 1000}k", round(ratio, 2) if ratio else None, "x", "<= 2", check(ratio, "<=", 2)))
        rows.append(Result("B3", label, "dashboard 30d p50 (target)", round(dash, 3), "ms", "<= 50", check(dash, "<=", 50)))
    if "dash30d-moving" in keys.get(f"in-{big}", {}):
        moving = keys[f"in-{big}"]["dash30d-moving"]
        rows.append(Result("B3", f"in-process {big // 1000}k", "dashboard 30d moving p50 (target)", round(moving, 3), "ms", "<= 50", check(moving, "<=", 50)))
    return rows
