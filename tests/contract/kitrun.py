"""Run the contract kit in a subprocess, as CI would, and keep its output and JUnit XML."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from wave_mock.resources import contract_tests_dir

KEYS = ("kit_a", "kit_b")


@dataclass(frozen=True)
class KitRun:
    returncode: int
    output: str
    junit: str


def run_kit(base_url: str | None, selection: str | None, junit: Path, *extra: str) -> KitRun:
    """Run the kit (quick profile, seed 0) against ``base_url`` (None: its own local mock)."""
    kit = contract_tests_dir()
    command = [sys.executable, "-m", "pytest", str(kit), "-c", str(kit / "pytest.ini"), "--rootdir", str(kit),
               "-q", "-rs", "--profile", "quick", "--seed", "0", "--junit-xml", str(junit), *extra]
    if base_url:
        command += ["--base-url", base_url, "--api-key", KEYS[0], "--second-api-key", KEYS[1]]
    if selection:
        command += ["-k", selection]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    return KitRun(done.returncode, done.stdout + done.stderr, junit.read_text() if junit.exists() else "")
