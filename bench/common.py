"""Shared pieces of the benchmark harness: results, machine info, processes, ports."""

from __future__ import annotations

import datetime as dt
import os
import platform
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import requests

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
VENV_BIN = Path(sys.executable).parent
DEV_KEY = "wave_dev_key"
AUTH = {"Authorization": f"Bearer {DEV_KEY}"}


@dataclass
class Options:
    """Knobs every benchmark reads; ``--quick`` shrinks them."""

    quick: bool = False
    duration: float = 10.0  # seconds of wrk load per side
    connections: int = 10
    threads: int = 2  # wrk threads
    sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    streams: int = 1000
    samples: int = 200  # queries per latency measurement
    memory_events: int = 1_000_000
    fixture_target: int = 1_000_000
    profile: bool = False
    sides: tuple[str, ...] = ()  # B1/B2: only these sides (empty: all)
    baseline: Path | None = None  # B1/B2/B5: also run this venv's wave-mock as side "baseline"
    work: Path = field(default_factory=lambda: Path("/tmp/wave-mock-bench"))


@dataclass
class Result:
    """One row of the results table."""

    bench: str
    side: str
    metric: str
    value: float | None
    unit: str = ""
    target: str = ""
    passed: bool | None = None  # None: informational, no target
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def check(value: float | None, op: str, bound: float) -> bool | None:
    """Return whether ``value op bound`` holds, or None when there is no value."""
    if value is None:
        return None
    return value >= bound if op == ">=" else value <= bound


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine_info() -> dict[str, Any]:
    """Describe the machine: CPU model, cores, memory, Python, tools, date."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],  # other work on the box skews absolutes
        "python": platform.python_version(),
        "platform": platform.platform(),
        "wrk": _version(["wrk", "--version"]),
        "node": _version(["node", "--version"]),
    }


def _version(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "missing"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else "unknown"


class Proc:
    """A server subprocess that is ready once ``ready_url`` answers; a context manager."""

    def __init__(self, name: str, command: Sequence[str], port: int, ready_url: str,
                 env: dict[str, str] | None = None, log: Path | None = None, cwd: Path | None = None,
                 timeout: float = 120.0) -> None:
        self.name, self.command, self.port, self.ready_url = name, list(command), port, ready_url
        self.env = {**os.environ, **(env or {})}
        self.log, self.cwd, self.timeout = log, cwd, timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.started_in = 0.0

    def __enter__(self) -> "Proc":
        out = self.log.open("ab") if self.log else subprocess.DEVNULL
        t0 = time.monotonic()
        # A new session, so stopping kills the whole tree (npx -> node, granian -> worker).
        self.process = subprocess.Popen(self.command, stdout=out, stderr=subprocess.STDOUT, env=self.env,
                                        cwd=self.cwd, start_new_session=True)
        while time.monotonic() - t0 < self.timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}: {' '.join(self.command)}")
            try:
                requests.get(self.ready_url, timeout=2, headers=AUTH)
                self.started_in = time.monotonic() - t0
                return self
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"{self.name} did not answer {self.ready_url} within {self.timeout}s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, 15)
            self.process.wait(timeout=15)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            try:
                os.killpg(self.process.pid, 9)
            except ProcessLookupError:
                pass
            self.process.wait()

    def pids(self) -> list[int]:
        """Return the process and its descendants (for RSS and profiling)."""
        import psutil

        if self.process is None:
            return []
        parent = psutil.Process(self.process.pid)
        return [parent.pid, *(c.pid for c in parent.children(recursive=True))]

    def __exit__(self, *exc: object) -> None:
        self.stop()


def mock_command(port: int, *extra: str) -> list[str]:
    """Return the command that runs the mock exactly as ``wave-mock serve`` does."""
    return [str(VENV_BIN / "wave-mock"), "serve", "--port", str(port), *extra]


def percentile(values: Sequence[float], q: float) -> float:
    """Return the q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]
