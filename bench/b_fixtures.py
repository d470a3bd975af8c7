"""B5 (fixture generation speed) and B6 (contract kit quick profile wall time)."""

from __future__ import annotations

import subprocess
import sys
import time

from common import VENV_BIN, Options, Proc, Result, check, free_port, mock_command

# Runs the generator's Python API when its CLI is not wired up yet.
API_FALLBACK = r"""
import sys
from wave_mock.fixtures.generate import GenerateConfig, parse_duration, parse_ms, DEFAULT_END, write_jsonl
end = parse_ms(DEFAULT_END)
config = GenerateConfig(seed=1, streams=int(sys.argv[2]), viewers=int(sys.argv[3]),
                        start_ms=end - parse_duration(sys.argv[4]), end_ms=end)
with open(sys.argv[1], "wb") as out:
    write_jsonl(config, out, jobs=None)
"""


def _has_command(*words: str) -> bool:
    out = subprocess.run([str(VENV_BIN / "wave-mock"), *words, "--help"], capture_output=True, text=True, timeout=60)
    return out.returncode == 0


def _count_lines(path) -> int:
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def bench_b5(opts: Options) -> list[Result]:
    """Time ``wave-mock fixtures generate`` (process start included) and count the lines it wrote."""
    streams, viewers, duration = (20, 300, "6h") if opts.quick else (100, 800, "6h")
    out_file = opts.work / "b5.jsonl"
    if _has_command("fixtures", "generate"):
        command = [str(VENV_BIN / "wave-mock"), "fixtures", "generate", "--seed", "1", "--streams", str(streams),
                   "--viewers", str(viewers), "--duration", duration, "--out", str(out_file), "--no-expected"]
        how = "CLI"
    else:
        command = [sys.executable, "-c", API_FALLBACK, str(out_file), str(streams), str(viewers), duration]
        how = "Python API (the fixtures CLI is not available yet)"
    t0 = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - t0
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {run.stderr.strip()[-400:]}")
    lines = _count_lines(out_file)
    rate = lines / seconds
    note = f"{lines} events in {seconds:.1f} s via {how}; --streams {streams} --viewers {viewers} --duration {duration}"
    return [Result("B5", "generate", "events/s", round(rate, 0), "events/s", ">= 200000", check(rate, ">=", 200_000), note)]


def bench_b6(opts: Options) -> list[Result]:
    """Time ``wave-mock contract --profile quick`` against a local mock."""
    if not _has_command("contract"):
        return [Result("B6", "contract quick", "wall time", None, "s", "<= 120", None,
                       "skipped: 'wave-mock contract' is not available yet")]
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    with Proc("mock", mock_command(port, "--no-access-log"), port, root + "/_mock/health", log=opts.work / "b6-mock.log"):
        command = [str(VENV_BIN / "wave-mock"), "contract", "--profile", "quick", "--base-url", f"{root}/api/v1",
                   "--api-key", "wave_dev_key"]
        t0 = time.perf_counter()
        run = subprocess.run(command, capture_output=True, text=True, timeout=1800)
        seconds = time.perf_counter() - t0
    note = f"exit {run.returncode}: {' '.join(command[1:])}"
    return [Result("B6", "contract quick", "wall time", round(seconds, 1), "s", "<= 120", check(seconds, "<=", 120), note)]
