"""Micro-bench of the metrics engine in-process: moving-clock dashboards, stream analytics, RSS.

    .venv/bin/python bench/b_dashboard_engine.py --sizes 10000,100000,1000000

Each size runs in a fresh interpreter so RSS growth per stored event is not polluted by the
previous size. The store is filled with ``make_event`` from ``bodies.query_events`` (the B3
mix: 1,000 streams, joins/leaves, playback events, 60 days). The clock moves between calls
(``end + elapsed``), so no dashboard is a memo hit.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

WORKER = r"""
import gc, json, random, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])

def rss():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024

from bodies import query_events
from wave_mock.analytics import dashboard_metrics, stream_analytics
from wave_mock.events import make_event
from wave_mock.storage.store import EventStore

total, streams = int(sys.argv[1]), int(sys.argv[2])
end = float(int(time.time()) - 120)
gc.collect()
before = rss()
store = EventStore(max_events=total + 10)
t0 = time.perf_counter()
chunk = []
for i, (t, body) in enumerate(query_events(total, streams, end)):
    chunk.append(make_event(body, event_id=f"evt_{i:012d}", tenant="bench", time=t, received_at=t))
    if len(chunk) >= 10_000:
        store.append("bench", chunk)
        chunk = []
store.append("bench", chunk)
build = time.perf_counter() - t0
del chunk
gc.collect()
after = rss()

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]

t_start = time.perf_counter()
def now():
    return end + (time.perf_counter() - t_start)

def timed(call):
    t = time.perf_counter(); call(); return (time.perf_counter() - t) * 1000

out = {"events": len(store), "build_s": round(build, 2), "rss_per_event": round((after - before) / len(store), 1)}
for period in ("30d", "90d"):
    first = timed(lambda: dashboard_metrics(store, "bench", now(), period))
    xs = [timed(lambda: dashboard_metrics(store, "bench", now(), period)) for _ in range(40)]
    out[f"dash{period}_first_ms"] = round(first, 2)
    out[f"dash{period}_p50_ms"] = round(pct(xs, 50), 2)
    out[f"dash{period}_p99_ms"] = round(pct(xs, 99), 2)
rng = random.Random(7)
ids = [f"str_{rng.randrange(streams):05d}" for _ in range(400)]
for s in ids[:50]:
    stream_analytics(store, "bench", s, now(), "24h")
xs = [timed(lambda s=s: stream_analytics(store, "bench", s, now(), "24h")) for s in ids]
out["stream_p50_ms"] = round(pct(xs, 50), 3)
out["stream_p99_ms"] = round(pct(xs, 99), 3)
print(json.dumps(out))
"""


def main() -> None:
    """Run each size in a fresh interpreter and print one JSON line per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--streams", type=int, default=1000)
    opts = parser.parse_args()
    here = Path(__file__).resolve().parent
    for size in (int(s) for s in opts.sizes.split(",")):
        done = subprocess.run([sys.executable, "-c", WORKER, str(size), str(opts.streams), str(here)],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stderr[-2000:], file=sys.stderr)
            continue
        print(json.dumps({"size": size, **json.loads(done.stdout.strip().splitlines()[-1])}), flush=True)


if __name__ == "__main__":
    main()
