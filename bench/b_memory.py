"""B4: resident memory per stored event, in a fresh process (VmRSS before/after loading)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from bodies import write_query_fixture
from common import Options, Result, check

# Runs in a fresh interpreter: the app is built first (spec, validators, Flask), so the
# delta is the events and their indexes only. Loading goes through the real --load path.
WORKER = r"""
import gc, json, sys, time
from pathlib import Path

def rss():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024

from wave_mock.app import create_app
from wave_mock.seed import load_file
app = create_app({"MAX_EVENTS": int(sys.argv[2])})
st = app.extensions["wave_mock"]
st.clocks.of(st.keys.tenants[0]).freeze(float(sys.argv[3]))
gc.collect()
before = rss()
t0 = time.perf_counter()
loaded = load_file(st.ingestor, st.keys.tenants[0], Path(sys.argv[1]))
seconds = time.perf_counter() - t0
gc.collect()
after = rss()
print(json.dumps({"loaded": loaded, "stored": len(st.store), "before": before, "after": after, "seconds": seconds}))
"""


def bench_b4(opts: Options) -> list[Result]:
    """Load ``memory_events`` events into a fresh process and divide the RSS growth by them."""
    total = opts.memory_events
    end = float(int(time.time()) - 120)
    fixture = opts.work / f"memory-{total}-{opts.streams}.jsonl"
    write_query_fixture(fixture, total, opts.streams, end)
    out = subprocess.run([sys.executable, "-c", WORKER, str(fixture), str(total + 10), str(end)],
                         capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip()[-500:])
    data = json.loads(out.stdout.strip().splitlines()[-1])
    per_event = (data["after"] - data["before"]) / data["stored"]
    side = f"{data['stored'] // 1000}k events"
    return [
        Result("B4", side, "RSS per event", round(per_event, 1), "bytes", "<= 500", check(per_event, "<=", 500),
               note=f"VmRSS {data['before'] / 2**20:.0f} -> {data['after'] / 2**20:.0f} MiB"),
        Result("B4", side, "load rate (validate+index)", round(data["loaded"] / data["seconds"], 0), "events/s",
               note="wave_mock.seed.load_file, the --load path"),
    ]
