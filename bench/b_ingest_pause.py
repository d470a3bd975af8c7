"""B3d: the worst pause ingestion sees while the inspection page refreshes every 2 s (issue 19).

    .venv/bin/python bench/b_ingest_pause.py                           # 1M events, this build
    .venv/bin/python bench/b_ingest_pause.py --baseline /path/to/old/src   # side by side

A real ``wave-mock serve`` (default: one server thread), fed B3c's audience shape (1,000
streams, about one new distinct viewer per ``viewer.joined``, most sessions open) in
100-event batches over one keep-alive connection, as fast as it answers. Each build runs
twice: once alone (the control) and once with a second client doing what the page's
auto-refresh does every 2 s (clock, feed, rejected, streams, the 1d dashboard, one stream
and its events). A "pause" is the time one batch took, send to answer; the target is a
worst pause of 100 ms or less with the page open. Bodies are encoded before the clock starts.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson

from b_dashboard_live import AUDIENCE

KEY = "bench-pause-key"
HEADERS = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
REFRESH_S = 2.0
BATCH = 100
STREAM = "str_00000"
PAGE = ["/_mock/clock", "/_mock/events?limit=200", "/_mock/rejected?limit=200", "/_mock/streams",
        "/api/v1/analytics/dashboards?period=1d", f"/api/v1/analytics/stream/{STREAM}?period=24h",
        f"/_mock/events?streamId={STREAM}&limit=10000"]


def bodies(total: int) -> list[bytes]:
    """Return the run's batches, encoded (the same events for every build)."""
    shape: dict = {}
    exec(AUDIENCE, shape)  # noqa: S102 - our own constant, shared with B3c
    body = shape["body"]
    return [orjson.dumps({"events": [body(k + i) for i in range(BATCH)]}) for k in range(0, total, BATCH)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(src: Path, port: int, total: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.Popen([sys.executable, "-m", "wave_mock", "serve", "--port", str(port), "--api-key", KEY,
                             "--no-access-log", "--max-events", str(2 * total)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/_mock/health")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    stop(proc)
    raise RuntimeError("the server did not start")


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def refresh(port: int, done: threading.Event, reads: list[float]) -> None:
    """Do the page's refresh every 2 s until ``done``; record how long each whole refresh took."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while not done.wait(REFRESH_S):
        t = time.perf_counter()
        for path in PAGE:
            conn.request("GET", path, headers=HEADERS)
            answer = conn.getresponse()
            answer.read()
            if answer.status != 200:
                raise RuntimeError(f"{path}: {answer.status}")
        reads.append(time.perf_counter() - t)


def run(src: Path, batches: list[bytes], with_page: bool) -> dict:
    port = free_port()
    proc = start(src, port, len(batches) * BATCH)
    reads: list[float] = []
    done = threading.Event()
    page = threading.Thread(target=refresh, args=(port, done, reads), daemon=True)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        if with_page:
            page.start()
        pauses = []
        t0 = time.perf_counter()
        for payload in batches:
            t = time.perf_counter()
            conn.request("POST", "/api/v1/analytics/events/batch", body=payload, headers=HEADERS)
            answer = conn.getresponse()
            answer.read()
            pauses.append(time.perf_counter() - t)
            if answer.status != 200:
                raise RuntimeError(f"batch answered {answer.status}")
        elapsed = time.perf_counter() - t0
        done.set()
        if with_page:
            page.join(120)
    finally:
        stop(proc)
    pauses.sort()
    return {"events/s": len(batches) * BATCH / elapsed, "p50": pauses[len(pauses) // 2], "p99": pauses[int(len(pauses) * 0.99)],
            "max": pauses[-1], "over 100ms": sum(p > 0.1 for p in pauses), "refreshes": len(reads),
            "refresh max": max(reads, default=0.0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=Path, help="another build's src/, run side by side")
    opts = parser.parse_args()
    batches = bodies(opts.events)
    builds = [("this", Path(__file__).resolve().parent.parent / "src")]
    if opts.baseline:
        builds.insert(0, ("baseline", opts.baseline.resolve()))
    print(f"{opts.events:,} events in {BATCH}-event batches; pauses are one batch's send-to-answer time")
    print(f"{'build':9} {'page':5} {'events/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'worst ms':>9} {'>100ms':>7} "
          f"{'refreshes':>9} {'slowest refresh':>15}")
    for name, src in builds:
        for with_page in (False, True):
            r = run(src, batches, with_page)
            print(f"{name:9} {'open' if with_page else 'none':5} {r['events/s']:>9,.0f} {r['p50'] * 1e3:>7.1f} "
                  f"{r['p99'] * 1e3:>7.1f} {r['max'] * 1e3:>9.1f} {r['over 100ms']:>7} {r['refreshes']:>9} "
                  f"{r['refresh max'] * 1e3:>12.0f} ms", flush=True)


if __name__ == "__main__":
    main()
