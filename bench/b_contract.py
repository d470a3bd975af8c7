"""B6b: the contract kit's quick profile against a deployment-like target and against the plain mock.

Both sides run ``wave-mock contract --profile quick`` with the same keys and no other flag,
one after the other in the same run, against a server this benchmark starts:

- deployment-like: ``tests/targets/deployment_like.py`` (a wave-mock behind a layer with
  no /_mock/, its own shapes, a 3 s ingest lag, 20 requests/s per key and 2 % 503s), held
  to the documented rules: the kit polls until writes settle and waits out 429/503;
- plain mock: ``wave-mock serve``, held to every rule.
"""

from __future__ import annotations

import subprocess
import sys
import time

from common import REPO, VENV_BIN, Options, Proc, Result, check, free_port, mock_command

KEYS = ("b6b_key_a", "b6b_key_b")
LAG, RATE = 3, 20


def _deployment_like(port: int) -> list[str]:
    keys = [arg for key in KEYS for arg in ("--api-key", key)]
    return [sys.executable, "-m", "tests.targets.deployment_like", "--port", str(port), *keys,
            "--ingest-lag", str(LAG), "--rate-limit", str(RATE)]


def _plain_mock(port: int) -> list[str]:
    return mock_command(port, *(arg for key in KEYS for arg in ("--api-key", key)), "--no-access-log")


SIDES = [
    # side, command, readiness path, target seconds
    (f"deployment-like ({LAG} s lag, {RATE} req/s)", _deployment_like, "/health", 180),
    ("plain mock", _plain_mock, "/_mock/health", 30),
]


def _kit_summary(output: str) -> str:
    """Return pytest's final line ("3 failed, 40 passed, 5 skipped in 61.2s"), or the last line."""
    lines = output.strip().splitlines() or ["no output"]
    finals = [line.strip("= ") for line in lines if " in " in line and ("passed" in line or "failed" in line)]
    return (finals or lines)[-1][:200]


def _time_side(opts: Options, side: str, command, ready: str, bound: float) -> Result:
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    log = opts.work / f"b6b-{side.split()[0]}.log"
    with Proc(side, command(port), port, root + ready, log=log, cwd=REPO):
        kit = [str(VENV_BIN / "wave-mock"), "contract", "--profile", "quick", "--base-url", f"{root}/api/v1",
               "--api-key", KEYS[0], "--second-api-key", KEYS[1]]
        t0 = time.perf_counter()
        run = subprocess.run(kit, capture_output=True, text=True, timeout=1800, cwd=opts.work)
        seconds = time.perf_counter() - t0
    summary = _kit_summary(run.stdout + run.stderr)
    # A failing run is not the timing this target is about: it counts as a FAIL, and says why.
    note = f"exit {run.returncode} ({summary})" + ("" if run.returncode == 0 else "; INVALID: the kit did not pass")
    passed = check(seconds, "<=", bound) and run.returncode == 0
    return Result("B6b", side, "kit quick wall time", round(seconds, 1), "s", f"<= {bound}", passed, note)


def bench_b6b(opts: Options) -> list[Result]:
    """Time the kit's quick profile against the deployment-like target and the plain mock, side by side."""
    return [_time_side(opts, side, command, ready, bound) for side, command, ready, bound in SIDES]
