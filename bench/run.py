#!/usr/bin/env python
"""Run the wave-mock benchmarks, print a table and write bench/results/latest.json.

    .venv/bin/python bench/run.py                 # everything, full size (~15-25 min)
    .venv/bin/python bench/run.py --only B1,B3    # a subset
    .venv/bin/python bench/run.py --quick         # tiny sizes, a smoke run (~1-2 min)
    .venv/bin/python bench/run.py --profile       # also py-spy the mock under B1/B2/B3
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH_DIR, Options, Result, machine_info  # noqa: E402

RESULTS = BENCH_DIR / "results"


def _registry() -> dict[str, Callable[[Options], list[Result]]]:
    from b_contract import bench_b6b
    from b_fixtures import bench_b5, bench_b6
    from b_ingest import bench_b1, bench_b2, bench_b7
    from b_load import bench_b9
    from b_memory import bench_b4
    from b_proxy import bench_b8
    from b_query import bench_b3

    return {"B1": bench_b1, "B2": bench_b2, "B3": bench_b3, "B4": bench_b4, "B5": bench_b5, "B6": bench_b6, "B6b": bench_b6b,
            "B7": bench_b7, "B8": bench_b8, "B9": bench_b9}


def parse_args(argv: list[str] | None) -> tuple[Options, list[str], Path | None]:
    parser = argparse.ArgumentParser(description="Run the wave-mock benchmarks (B1-B9).")
    parser.add_argument("--only", default="", help="Comma-separated benchmarks to run, e.g. B1,B3 (default: all).")
    parser.add_argument("--quick", action="store_true", help="Shrink sizes and durations for a smoke run.")
    parser.add_argument("--duration", type=float, help="Seconds of wrk load per side (default 10; 2 with --quick).")
    parser.add_argument("--connections", type=int, default=10, help="wrk connections (default 10).")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (default 2).")
    parser.add_argument("--profile", action="store_true", help="py-spy the mock under B1/B2/B3 (extra load runs).")
    parser.add_argument("--sides", default="", help="B1/B2/B7: only these sides, e.g. mock,prism (default: all).")
    parser.add_argument("--baseline", type=Path, help="B1/B2/B5: also run the wave-mock of this venv (e.g. main's .venv) as side 'baseline', for a before/after in one run.")
    parser.add_argument("--work", type=Path, default=Path("/tmp/wave-mock-bench"), help="Scratch directory for fixtures and logs.")
    parser.add_argument("--out", type=Path, help="Write the JSON here instead of bench/results/.")
    args = parser.parse_args(argv)
    opts = Options(quick=args.quick, connections=args.connections, threads=args.wrk_threads, profile=args.profile, work=args.work, baseline=args.baseline,
                   sides=tuple(s.strip() for s in args.sides.split(",") if s.strip()))
    if args.quick:
        opts.duration, opts.sizes, opts.streams, opts.samples = 2.0, (2_000, 10_000), 50, 30
        opts.memory_events, opts.fixture_target = 20_000, 20_000
    if args.duration:
        opts.duration = args.duration
    only = [b.strip() for b in args.only.split(",") if b.strip()]
    return opts, only, args.out


def _mark(passed: bool | None) -> str:
    return "" if passed is None else ("PASS" if passed else "FAIL")


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"


def table(rows: list[Result]) -> str:
    """Render the rows as a fixed-width table."""
    head = ("bench", "side", "metric", "value", "unit", "target", "result")
    body = [(r.bench, r.side, r.metric, _fmt(r.value), r.unit, r.target, _mark(r.passed)) for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [line(head), line("-" * w for w in widths), *(line(b) for b in body)]
    notes = [f"  {r.bench} {r.side} {r.metric}: {r.note}" for r in rows if r.note]
    return "\n".join(out + (["", "notes:", *notes] if notes else []))


def main(argv: list[str] | None = None) -> int:
    opts, only, out = parse_args(argv)
    registry = _registry()
    by_upper = {name.upper(): name for name in registry}
    only = [by_upper.get(b.upper(), b) for b in only]
    unknown = [b for b in only if b not in registry]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {sorted(registry)}", file=sys.stderr)
        return 2
    opts.work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    load_start = [round(x, 2) for x in os.getloadavg()]
    rows: list[Result] = []
    timings: dict[str, float] = {}
    for name in only or list(registry):
        print(f"== {name}", flush=True)
        t0 = time.monotonic()
        try:
            rows += registry[name](opts)
        except Exception as exc:  # one broken benchmark must not lose the others' numbers
            traceback.print_exc()
            rows.append(Result(name, "-", "error", None, note=f"{type(exc).__name__}: {exc}"[:300], passed=False))
        timings[name] = round(time.monotonic() - t0, 1)
    report = {
        "machine": {**machine_info(), "loadavg_at_start": load_start},
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(opts).items()},
        "seconds": {**timings, "total": round(time.monotonic() - started, 1)},
        "results": [r.to_json() for r in rows],
    }
    print()
    print(table(rows))
    _write(report, out, opts.quick)
    return 1 if any(r.passed is False for r in rows) else 0


def _write(report: dict, out: Path | None, quick: bool) -> None:
    text = json.dumps(report, indent=2)
    if out is not None:
        out.write_text(text)
        print(f"\nwrote {out}")
        return
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = "quick" if quick else "full"
    (RESULTS / "latest.json").write_text(text)
    (RESULTS / f"{stamp}-{name}.json").write_text(text)
    print(f"\nwrote {RESULTS / 'latest.json'} and {RESULTS / f'{stamp}-{name}.json'}")


if __name__ == "__main__":
    sys.exit(main())
