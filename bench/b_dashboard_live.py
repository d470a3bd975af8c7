"""B3c: dashboard reads at audience scale while events keep arriving (in-process).

    .venv/bin/python bench/b_dashboard_live.py                       # 1M events, this build
    .venv/bin/python bench/b_dashboard_live.py --events 1000000,3000000
    .venv/bin/python bench/b_dashboard_live.py --baseline /work/main/src   # also today's engine

Data shape (issue 19): 1,000 streams, all started; about one new distinct viewer per
``viewer.joined`` (half the events), few leaves (most sessions stay open), playback events
for viewers already in; times rise with arrival over the 10 days before the clock. After the
prefill, each round appends one batch of 100 events across the streams, then times a
dashboard read (1d and 30d alternately) and the same read again with the clock moved on
(nothing stored changed). "append" is ``store.append_batch`` of one batch; "RSS +first read"
is what the first dashboard left resident (the indexes it built). Each size and each build runs in a fresh interpreter; the
baseline's ``src`` goes first on its ``sys.path``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

# The data shape, shared with b_ingest_pause.py (which runs it in its own process): ``body(k)``
# is the k-th event of the run.
AUDIENCE = r"""
import random
streams = 1000
rng = random.Random(19)
joined: list[list[str]] = [[] for _ in range(streams)]
serial = [0]

def body(k: int) -> dict:
    s = rng.randrange(streams)
    sid = f"str_{s:05d}"
    roll = rng.random()
    if k < streams:
        return {"eventType": "stream", "eventName": "stream.started", "sessionId": f"host_{k}",
                "properties": {"streamId": f"str_{k:05d}"}}
    if roll < 0.5 or not joined[s]:
        serial[0] += 1
        viewer = f"usr_{serial[0]:09d}"
        joined[s].append(viewer)
        return {"eventType": "stream", "eventName": "viewer.joined", "sessionId": "s" + viewer,
                "userId": viewer, "platform": "web", "properties": {"streamId": sid}}
    viewer = rng.choice(joined[s])
    if roll < 0.55:
        return {"eventType": "stream", "eventName": "viewer.left", "sessionId": "s" + viewer,
                "userId": viewer, "platform": "ios", "properties": {"streamId": sid}}
    return {"eventType": "playback", "eventName": "playback.rebuffer", "sessionId": "s" + viewer, "userId": viewer,
            "platform": "android", "properties": {"streamId": sid, "durationMs": rng.randint(100, 8000)}}

"""

WORKER = r"""
import json, random, sys, time
sys.path.insert(0, sys.argv[1])
from wave_mock.analytics import dashboard_metrics
from wave_mock.events import make_events
from wave_mock.storage.store import EventStore

total, rounds = int(sys.argv[2]), int(sys.argv[3])
clock = [float(int(time.time()) - 10 * 86400)]
step = 10 * 86400 / total  # prefill spans ten days
""" + AUDIENCE + r"""count = [0]
def batch(size: int, dt: float):
    bodies = [body(count[0] + k) for k in range(size)]
    times = []
    for _ in bodies:
        clock[0] += dt
        times.append(clock[0])
    ids = range(count[0], count[0] + size)
    count[0] += size
    return make_events(bodies, ids=ids, tenant="bench", times=times, received=times)

store = EventStore(max_events=total + 100 * rounds + 10)
prefill = [batch(100, step) for _ in range(total // 100)]
t0 = time.perf_counter()
for b in prefill:
    store.append_batch(b)
store.tenant_index("bench")  # flush
append_s = time.perf_counter() - t0
del prefill

def timed(period, now):
    t = time.perf_counter()
    dashboard_metrics(store, "bench", now, period)
    return (time.perf_counter() - t) * 1000

def rss_mb():
    import gc
    gc.collect()
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024

rss_before = rss_mb()
first = timed("30d", clock[0] + 1)
first_mb = rss_mb() - rss_before
profile = sys.argv[4] == "1"
if profile:
    import cProfile, pstats
    prof = cProfile.Profile()
    prof.enable()
res = {"1d": [], "30d": [], "unchanged": [], "append": []}
for r in range(rounds):
    b = batch(100, 0.01)
    t = time.perf_counter()
    store.append_batch(b)
    res["append"].append((time.perf_counter() - t) * 1000)
    period = "1d" if r % 2 == 0 else "30d"
    now = clock[0] + 0.5
    res[period].append(timed(period, now))
    res["unchanged"].append(timed(period, now + 0.3))
    clock[0] += 0.5
if profile:
    prof.disable()
    pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(18)

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]

out = {"events": len(store), "viewers": serial[0], "prefill_append_s": round(append_s, 2), "first_30d_ms": round(first, 1),
       "first_read_mb": round(first_mb)}
for k, xs in res.items():
    out[k] = [round(pct(xs, 50), 2), round(pct(xs, 95), 2)]
print(json.dumps(out))
"""


def run(src: Path, total: int, rounds: int, profile: bool) -> dict:
    """Run one size with the wave-mock at ``src`` in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", WORKER, str(src), str(total), str(rounds), str(int(profile))],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    if profile:
        print(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", default="1000000", help="comma-separated sizes (e.g. 1000000,3000000,10000000)")
    parser.add_argument("--rounds", type=int, default=40, help="batches appended (and reads timed) per size")
    parser.add_argument("--profile", action="store_true", help="cProfile the rounds (not the prefill); print the top")
    parser.add_argument("--baseline", type=Path, help="another build's src/ (e.g. /work/main/src), run side by side")
    opts = parser.parse_args()
    builds = [("this", Path(__file__).resolve().parent.parent / "src")]
    if opts.baseline:
        builds.insert(0, ("baseline", opts.baseline.resolve()))
    print(f"{'build':9} {'events':>9} {'viewers':>8} {'read 1d p50/p95':>17} {'read 30d p50/p95':>17} "
          f"{'unchanged p50/p95':>18} {'append p50':>10} {'prefill':>8} {'first 30d':>9} {'RSS +first read':>15}")
    for total in (int(s) for s in opts.events.split(",")):
        for name, src in builds:
            r = run(src, total, opts.rounds, opts.profile)
            print(f"{name:9} {r['events']:>9} {r['viewers']:>8} {r['1d'][0]:>8}/{r['1d'][1]:<8} "
                  f"{r['30d'][0]:>8}/{r['30d'][1]:<8} {r['unchanged'][0]:>8}/{r['unchanged'][1]:<9} "
                  f"{r['append'][0]:>10} {r['prefill_append_s']:>7}s {r['first_30d_ms']:>8}ms {r['first_read_mb']:>12} MB", flush=True)


if __name__ == "__main__":
    main()
