"""Sample a running server with py-spy while load runs, and summarise the hottest frames."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Callable

from common import BENCH_DIR, VENV_BIN

RESULTS = BENCH_DIR / "results"


def py_spy() -> str | None:
    """Return the py-spy binary (bench-only dependency: pip install py-spy), or None."""
    candidate = VENV_BIN / "py-spy"
    return str(candidate) if candidate.exists() else shutil.which("py-spy")


def profile_during(pids: list[int], seconds: float, label: str, load: Callable[[], object]) -> Path | None:
    """Record ``pids`` with py-spy while ``load()`` runs; write and return a summary file."""
    binary = py_spy()
    if binary is None:
        return None
    RESULTS.mkdir(exist_ok=True)
    raw = RESULTS / f"profile-{label}.collapsed"
    recorders = [
        subprocess.Popen([binary, "record", "-p", str(pid), "-d", str(max(1, round(seconds))), "-r", "250",
                          "-f", "raw", "-o", f"{raw}.{pid}", "--nonblocking"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for pid in pids
    ]
    load()
    for rec in recorders:
        try:
            rec.wait(timeout=seconds + 60)
        except subprocess.TimeoutExpired:
            rec.kill()
    stacks = Counter[str]()
    for part in RESULTS.glob(f"{raw.name}.*"):
        for line in part.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                stacks[stack] += int(count)
        part.unlink()
    if not stacks:
        return None
    raw.write_text("".join(f"{s} {c}\n" for s, c in stacks.most_common()))
    summary = RESULTS / f"profile-{label}.txt"
    summary.write_text(summarise(stacks, label))
    return summary


def _short(frame: str) -> str:
    # py-spy raw frames look like "func (path/to/file.py:123)"; keep function and file tail.
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path, _, _line = where.rpartition(":")
    tail = "/".join(Path(path).parts[-2:]) if path else where
    return f"{name} ({tail})"


def summarise(stacks: Counter[str], label: str, top: int = 25) -> str:
    """Return the top frames by self and by inclusive sample share."""
    total = sum(stacks.values())
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for stack, count in stacks.items():
        frames = [_short(f) for f in stack.split(";") if f]
        if not frames:
            continue
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    lines = [f"py-spy profile: {label}; {total} samples over all threads (py-spy drops idle threads, but native waits and lock waits count as active)", "", "top self:"]
    lines += [f"  {100 * c / total:5.1f}%  {f}" for f, c in own.most_common(top)]
    lines += ["", "top inclusive (wave_mock/flask/werkzeug frames):"]
    ours = [(f, c) for f, c in inclusive.most_common() if any(k in f for k in ("wave_mock", "flask/", "werkzeug/", "jsonschema"))]
    lines += [f"  {100 * c / total:5.1f}%  {f}" for f, c in ours[:top]]
    return "\n".join(lines) + "\n"
