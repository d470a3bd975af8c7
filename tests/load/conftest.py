"""Helpers for real ``wave-mock load`` runs: the command in its own process group, a small fixture, mock calls."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
import requests
from click.testing import CliRunner

from wave_mock.fixtures.cli import fixtures_group

KEY = "load-key"
# ~2,000 events in 3 streams: big enough for two workers and several lanes, small enough for the time budget.
SMALL = ["--seed", "4", "--streams", "3", "--viewers", "60", "--duration", "2h"]


def start_load(*args: str, cwd: Path) -> subprocess.Popen[str]:
    """Start ``wave-mock load ARGS`` in its own process group (stopped by group in ``stop``)."""
    return subprocess.Popen([sys.executable, "-m", "wave_mock", "load", *args], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen[str]) -> None:
    """Kill what is left of a process group started by ``start_load``."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@dataclass
class Finished:
    code: int
    output: str
    report: dict[str, Any]


def run_load(*args: str, cwd: Path, timeout: float = 180) -> Finished:
    """Run ``wave-mock load`` to the end with ``--report-json``; return its exit code, output and report."""
    report = cwd / "report.json"
    proc = start_load(*args, "--report-json", str(report), cwd=cwd)
    try:
        output, _ = proc.communicate(timeout=timeout)
    finally:
        stop(proc)
    return Finished(proc.returncode, output, orjson.loads(report.read_bytes()) if report.exists() else {})


@pytest.fixture(scope="module")
def small_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generate the small fixture (and its expected file) once per module."""
    out = tmp_path_factory.mktemp("load-fixture") / "small.jsonl"
    result = CliRunner().invoke(fixtures_group, ["generate", *SMALL, "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def fixture_bodies(path: Path) -> Counter[bytes]:
    """Return the fixture's events as a multiset of canonical JSON."""
    return Counter(canonical(orjson.loads(line)) for line in path.read_bytes().splitlines() if line.strip())


def canonical(body: Any) -> bytes:
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def stored_bodies(root_url: str, key: str = KEY) -> Counter[bytes]:
    """Return every event the mock stored for ``key`` (as sent), as a multiset of canonical JSON."""
    listed = requests.get(f"{root_url}/_mock/events", params={"limit": 10000},
                          headers={"Authorization": f"Bearer {key}"}, timeout=10).json()
    return Counter(canonical(item["event"]) for item in listed["events"])


def children_running(pattern: str, parent: int) -> list[int]:
    """Return the pids of ``parent``'s children whose command line contains ``pattern``."""
    import psutil

    try:
        kids = psutil.Process(parent).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return [k.pid for k in kids if pattern in " ".join(k.cmdline())]
