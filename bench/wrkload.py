"""Drive load with wrk (a native process, so the load generator does not measure itself)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from common import BENCH_DIR, DEV_KEY

LUA = BENCH_DIR / "lua"
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


@dataclass
class WrkResult:
    """What one wrk run measured; latencies in milliseconds."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    raw: str


def ensure_wrk() -> str:
    """Return the wrk binary, installing it with apt-get when missing (the bench runs as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    for command in (["apt-get", "install", "-y", "wrk"], ["apt-get", "update"], ["apt-get", "install", "-y", "wrk"]):
        subprocess.run(command, check=False, capture_output=True, timeout=600)
        found = shutil.which("wrk")
        if found:
            return found
    raise RuntimeError("wrk is not installed and 'apt-get install -y wrk' failed; install it by hand")


def run_wrk(url: str, script: str, data_file: Path, seconds: float, connections: int, threads: int,
            bearer: str = DEV_KEY) -> WrkResult:
    """Run wrk with ``lua/<script>`` over ``data_file`` and parse its report."""
    wrk = ensure_wrk()
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
               "--timeout", "10s", "-s", str(LUA / script), url, "--", str(data_file)]
    env = {**os.environ, "WRK_BEARER": bearer, "WRK_DONE_LUA": str(LUA / "done.lua")}
    out = subprocess.run(command, capture_output=True, text=True, env=env, timeout=seconds + 120)
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr.strip() or out.stdout.strip()}")
    return parse_wrk(out.stdout)


def parse_wrk(text: str) -> WrkResult:
    """Parse wrk's text report (``--latency``), preferring the exact ``WRKJSON`` line of done.lua."""
    match = re.search(r"^WRKJSON (\{.*\})$", text, re.M)
    if match:
        data = json.loads(match.group(1))
        seconds = data["duration_us"] / 1e6
        errors = data["connect_errors"] + data["read_errors"] + data["write_errors"] + data["timeouts"]
        return WrkResult(data["requests"], seconds, data["requests"] / seconds, data["p50_us"] / 1000,
                         data["p90_us"] / 1000, data["p99_us"] / 1000, data["status_errors"], errors, text)
    return parse_wrk_text(text)


def parse_wrk_text(text: str) -> WrkResult:
    """Parse the human-readable report only (what plain ``wrk --latency`` prints)."""
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m),", text)
    if not done:
        raise ValueError(f"not a wrk report:\n{text}")
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[done.group(3)]
    requests, seconds = int(done.group(1)), float(done.group(2)) * scale
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    pct = {int(p): float(v) * _UNITS[u] for p, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)}
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return WrkResult(
        requests=requests,
        seconds=seconds,
        rps=float(rps.group(1)) if rps else requests / seconds,
        p50_ms=pct.get(50, float("nan")),
        p90_ms=pct.get(90, float("nan")),
        p99_ms=pct.get(99, float("nan")),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(x) for x in sock.groups()) if sock else 0,
        raw=text,
    )
