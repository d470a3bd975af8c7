"""B1 (single-event ingest) and B2 (100-event batches): the mock against Prism and bare Flask."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import requests

from bodies import write_batch_bodies, write_single_bodies
from common import AUTH, BENCH_DIR, REPO, VENV_BIN, Options, Proc, Result, check, free_port, mock_command
from profiling import profile_during
from wrkload import WrkResult, run_wrk

PRISM = ["npx", "--yes", "@stoplight/prism-cli@5", "mock", str(REPO / "openapi" / "wave-analytics.yaml")]
WARMUP_SECONDS = 2.0
MOCK_THREADS = 1  # wave-mock serve's default without --latency or --data-file


@dataclass(frozen=True)
class Side:
    """One server under test: how to start it and where its endpoints are."""

    name: str
    command: Callable[[int], list[str]]
    base: str  # path prefix of the WAVE routes ("/api/v1"; Prism drops the server's base path)
    ready: str  # a path that answers once the server is up
    cwd: Path | None = None
    profile: bool = False


def _sides_b1(opts: Options) -> list[Side]:
    # Baselines get the mock's default thread count (1, see wave_mock.cli.default_threads), so
    # each server is compared as configured; "mock-16-threads" shows what threads cost.
    t = str(MOCK_THREADS)
    sides = [
        Side("mock", lambda p: mock_command(p, "--no-access-log"), "/api/v1", "/_mock/health", profile=True),
        Side("mock+access-log", lambda p: mock_command(p), "/api/v1", "/_mock/health"),
        Side("mock-16-threads", lambda p: mock_command(p, "--no-access-log", "--threads", "16"), "/api/v1", "/_mock/health"),
        Side("prism", lambda p: [*PRISM, "-p", str(p)], "", "/analytics/dashboards"),
        Side("flask-granian", lambda p: [sys.executable, "baseline_app.py", str(p), t], "/api/v1", "/health", BENCH_DIR),
    ]
    if opts.baseline:
        # Another checkout's build (e.g. main), for a before/after measured in the same run.
        baseline = str(opts.baseline / "bin" / "wave-mock")
        sides.insert(1, Side("baseline", lambda p: [baseline, "serve", "--port", str(p), "--no-access-log"], "/api/v1", "/_mock/health"))
    if (VENV_BIN / "gunicorn").exists():
        sides.append(Side("flask-gunicorn-gthread", lambda p: [str(VENV_BIN / "gunicorn"), "-k", "gthread", "--threads", t, "-w", "1",
                                                                 "-b", f"127.0.0.1:{p}", "--log-level", "warning", "baseline_app:app"],
                          "/api/v1", "/health", BENCH_DIR))
    if (VENV_BIN / "waitress-serve").exists():
        sides.append(Side("flask-waitress", lambda p: [str(VENV_BIN / "waitress-serve"), f"--threads={t}", f"--listen=127.0.0.1:{p}", "baseline_app:app"],
                          "/api/v1", "/health", BENCH_DIR))
    return sides


def _prism_available() -> bool:
    return shutil.which("npx") is not None


def _measure(side: Side, path: str, script: str, data: Path, opts: Options, label: str) -> tuple[WrkResult, int]:
    """Start ``side``, check one request succeeds, warm up, then run wrk (and py-spy if asked)."""
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    url = f"{root}{side.base}{path}"
    log = opts.work / f"{label}-{side.name}.log"
    with Proc(side.name, side.command(port), port, root + side.ready, cwd=side.cwd, log=log, timeout=180) as proc:
        first = data.read_text().splitlines()[0]
        status = requests.post(url, data=first, headers={**AUTH, "Content-Type": "application/json"}, timeout=30).status_code
        run_wrk(url, script, data, min(WARMUP_SECONDS, opts.duration), opts.connections, opts.threads)
        result = run_wrk(url, script, data, opts.duration, opts.connections, opts.threads)
        if opts.profile and side.profile:
            profile_during(proc.pids(), opts.duration, label,
                           lambda: run_wrk(url, script, data, opts.duration, opts.connections, opts.threads))
    return result, status


def _rows(bench: str, side: str, res: WrkResult, status: int, scale: int = 1) -> list[Result]:
    note = f"first status {status}; {res.requests} requests"
    if res.non_2xx or res.socket_errors:
        note += f"; {res.non_2xx} non-2xx, {res.socket_errors} socket errors"
    ok = 200 <= status < 300 and res.non_2xx == 0
    rows = [Result(bench, side, "req/s", round(res.rps, 1), "req/s", note=note if ok else "INVALID: " + note)]
    if scale > 1:
        rows.append(Result(bench, side, "events/s", round(res.rps * scale, 1), "events/s"))
    rows += [Result(bench, side, "p50", round(res.p50_ms, 3), "ms"), Result(bench, side, "p99", round(res.p99_ms, 3), "ms")]
    return rows


def _run_sides(bench: str, sides: list[Side], path: str, data: Path, opts: Options, scale: int) -> tuple[list[Result], dict[str, float]]:
    rows: list[Result] = []
    rps: dict[str, float] = {}
    for side in sides:
        if opts.sides and side.name not in opts.sides:
            continue
        if side.name == "prism" and not _prism_available():
            rows.append(Result(bench, side.name, "req/s", None, note="skipped: npx not found"))
            continue
        try:
            res, status = _measure(side, path, "bodies.lua", data, opts, f"{bench}-{side.name}")
        except (RuntimeError, TimeoutError, requests.RequestException) as exc:
            rows.append(Result(bench, side.name, "req/s", None, note=f"failed: {exc}"[:300]))
            continue
        rows += _rows(bench, side.name, res, status, scale)
        if 200 <= status < 300 and res.non_2xx == 0:
            rps[side.name] = res.rps
        print(f"  {bench} {side.name}: {res.rps:,.0f} req/s p50 {res.p50_ms:.2f} ms p99 {res.p99_ms:.2f} ms", flush=True)
    return rows, rps


def bench_b1(opts: Options) -> list[Result]:
    """B1: single-event POST, 10 keep-alive connections, every side in this run."""
    data = write_single_bodies(opts.work / "single.txt")
    rows, rps = _run_sides("B1", _sides_b1(opts), "/analytics/events", data, opts, 1)
    prism = rps.get("prism")
    for name in ("mock", "mock+access-log"):
        ratio = rps[name] / prism if prism and name in rps else None
        rows.append(Result("B1", f"{name}/prism", "speed-up", round(ratio, 2) if ratio else None, "x", ">= 2.5", check(ratio, ">=", 2.5)))
    base = rps.get("flask-granian")
    if base and "mock" in rps:
        rows.append(Result("B1", "mock/flask-granian", "share of floor", round(rps["mock"] / base, 2), "x",
                           note="the mock's validation/auth/indexing cost vs. an append-only handler"))
    return rows


def bench_b2(opts: Options) -> list[Result]:
    """B2: 100-event batches, mock vs Prism; events/s = req/s x 100."""
    data = write_batch_bodies(opts.work / "batch.txt", count=50 if opts.quick else 300)
    sides = [s for s in _sides_b1(opts) if s.name in ("mock", "baseline", "mock-16-threads", "prism")]
    rows, rps = _run_sides("B2", sides, "/analytics/events/batch", data, opts, 100)
    events = rps["mock"] * 100 if "mock" in rps else None
    rows.append(Result("B2", "mock", "events/s vs target", round(events, 1) if events else None, "events/s",
                       ">= 100000", check(events, ">=", 100_000)))
    if rps.get("prism") and "mock" in rps:
        rows.append(Result("B2", "mock/prism", "speed-up", round(rps["mock"] / rps["prism"], 2), "x"))
    return rows


def _fresh_data_file(path: Path) -> str:
    """Return ``path`` with no data file, WAL or lock left from an earlier side."""
    for leftover in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", ".lock"))):
        leftover.unlink(missing_ok=True)
    return str(path)


def _sides_b7(opts: Options) -> list[Side]:
    data = opts.work / "b7-events.db"
    durable = lambda *extra: (lambda p: mock_command(p, "--no-access-log", "--data-file", _fresh_data_file(data), *extra))  # noqa: E731
    return [
        Side("mock", lambda p: mock_command(p, "--no-access-log"), "/api/v1", "/_mock/health"),
        Side("mock-data-file", durable(), "/api/v1", "/_mock/health", profile=True),
        Side("mock-data-file-4-threads", durable("--threads", "4"), "/api/v1", "/_mock/health"),
    ]


def bench_b7(opts: Options) -> list[Result]:
    """B7: durable ingest (--data-file, fsync before each 2xx), 100-event batches, against in-memory."""
    data = write_batch_bodies(opts.work / "batch.txt", count=50 if opts.quick else 300)
    rows, rps = _run_sides("B7", _sides_b7(opts), "/analytics/events/batch", data, opts, 100)
    for name in ("mock-data-file", "mock-data-file-4-threads"):
        share = rps[name] / rps["mock"] if name in rps and "mock" in rps else None
        target = (">= 0.5", check(share, ">=", 0.5)) if name == "mock-data-file" else ("", None)
        rows.append(Result("B7", f"{name}/mock", "share of in-memory", round(share, 2) if share else None, "x", *target))
    return rows
