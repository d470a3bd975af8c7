"""B5 (fixture generation speed) and B6 (contract kit quick profile wall time)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

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


def _has_command(*words: str, wave_mock: str | None = None) -> bool:
    out = subprocess.run([wave_mock or str(VENV_BIN / "wave-mock"), *words, "--help"], capture_output=True, text=True, timeout=60)
    return out.returncode == 0


def _count_lines(path) -> int:
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


B5_TARGETS = {"events only": 200_000, "with expected": 100_000}  # events/s


def _generate(wave_mock: str, out_file, size: tuple[int, int, str], expected: bool) -> tuple[float, int, str]:
    """Run one ``fixtures generate`` (process start included); return (seconds, lines written, how)."""
    streams, viewers, duration = size
    if Path(wave_mock).exists() and _has_command("fixtures", "generate", wave_mock=wave_mock):
        command = [wave_mock, "fixtures", "generate", "--seed", "1", "--streams", str(streams), "--viewers", str(viewers),
                   "--duration", duration, "--out", str(out_file), "--expected" if expected else "--no-expected"]
        how = "CLI"
    elif not expected:
        command = [sys.executable, "-c", API_FALLBACK, str(out_file), str(streams), str(viewers), duration]
        how = "Python API (the fixtures CLI is not available yet)"
    else:
        raise RuntimeError(f"{wave_mock} has no 'fixtures generate'")
    t0 = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - t0
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {run.stderr.strip()[-400:]}")
    return seconds, _count_lines(out_file), how


def bench_b5(opts: Options) -> list[Result]:
    """Time ``wave-mock fixtures generate`` without and with its expected file, for this build and ``--baseline``.

    Sides alternate (this build, then the baseline, for each mode) so drift in the machine's
    load hits both alike; the same seed makes both sides' files byte-identical, which the
    note checks for the expected files.
    """
    size = (20, 300, "6h") if opts.quick else (100, 1100, "6h")  # ~1.43M events at full size
    sides = [("mock", str(VENV_BIN / "wave-mock"))]
    if opts.baseline:
        sides.append(("baseline", str(opts.baseline / "bin" / "wave-mock")))
    rows: list[Result] = []
    expected_files: dict[str, bytes] = {}
    for mode, expected in (("events only", False), ("with expected", True)):
        for side, wave_mock in sides:
            (opts.work / f"b5-{side}").mkdir(parents=True, exist_ok=True)
            out_file = opts.work / f"b5-{side}" / "b5.jsonl"  # one name: it is in the expected file
            seconds, lines, how = _generate(wave_mock, out_file, size, expected)
            rate = lines / seconds
            note = (f"{lines} events in {seconds:.1f} s via {how}; --streams {size[0]} --viewers {size[1]} "
                    f"--duration {size[2]} {'--expected' if expected else '--no-expected'}")
            if expected:
                expected_files[side] = out_file.with_name("b5.expected.json").read_bytes()
                if side == "baseline":
                    same = expected_files["baseline"] == expected_files["mock"]
                    note += f"; expected file byte-identical to this build's: {'yes' if same else 'NO'}"
            target = B5_TARGETS[mode]
            if side == "mock":
                rows.append(Result("B5", side, f"generate, {mode}", round(rate, 0), "events/s", f">= {target}",
                                   check(rate, ">=", target), note))
            else:
                rows.append(Result("B5", side, f"generate, {mode}", round(rate, 0), "events/s", "", None, note))
    return rows


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
