"""Run the contract kit in a subprocess, as a user would, and read what it reported."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from wave_mock.resources import contract_tests_dir

DIVERGENCE_PREFIX = "divergence from wave-mock's decision"
# The two tenants' keys of the targets these tests start.
KEYS = ("kit_a", "kit_b")


@dataclass(frozen=True)
class KitRun:
    returncode: int
    output: str
    junit: str

    def cases(self) -> list[tuple[str, str, str]]:
        """Return (test name, outcome, message) per JUnit case; outcome is passed, failure, error or skipped."""
        if not self.junit:
            return []
        out = []
        for case in ET.fromstring(self.junit).iter("testcase"):
            outcome, message = "passed", ""
            for child in case:
                if child.tag in ("failure", "error", "skipped"):
                    outcome, message = child.tag, child.get("message") or ""
            out.append((case.get("name") or "", outcome, message))
        return out

    def failed(self) -> list[str]:
        """Return the names of the failed (or errored) tests."""
        return [name for name, outcome, _ in self.cases() if outcome in ("failure", "error")]

    def divergences(self) -> list[str]:
        """Return the skip messages of the cases skipped as divergences."""
        return [message for _, outcome, message in self.cases() if outcome == "skipped" and message.startswith(DIVERGENCE_PREFIX)]

    def tail(self, chars: int = 4000) -> str:
        return self.output[-chars:]


def run_kit(base_url: str | None, keys: Sequence[str], junit: Path, *extra: str, timeout: float = 900) -> KitRun:
    """Run the kit against ``base_url`` (None: the kit starts its own mock) with ``extra`` options.

    The kit runs in its own process group, killed as a whole if it overruns ``timeout``.
    """
    kit = contract_tests_dir()
    command = [sys.executable, "-m", "pytest", str(kit), "-c", str(kit / "pytest.ini"), "--rootdir", str(kit),
               "-q", "--junit-xml", str(junit), *extra]
    if base_url:
        command += ["--base-url", base_url, "--api-key", keys[0], "--second-api-key", keys[1]]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        output += f"\n[the kit was killed after {timeout:.0f} s]"
    return KitRun(process.returncode, output, junit.read_text() if junit.exists() else "")


def run_selected(base_url: str | None, selection: str | None, junit: Path, *extra: str, timeout: float = 900) -> KitRun:
    """Run the kit's quick profile (seed 0, skip reasons shown) with the ``-k`` ``selection``, if any."""
    args = ["-rs", "--profile", "quick", "--seed", "0", *(["-k", selection] if selection else []), *extra]
    return run_kit(base_url, KEYS, junit, *args, timeout=timeout)
