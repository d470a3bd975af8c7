"""Negative fuzzing: schema-violating requests on every operation get a 4xx, never a 5xx.

The default run sends over two thousand seeded cases (about a minute); ``pytest -m slow``
runs the deep one (about 9,000).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from wave_mock.resources import spec_path
from wave_mock.testing import MockServer

KEY = "fuzz-key"
ST = Path(sys.executable).with_name("schemathesis")


def _negative_run(tmp_path: Path, max_examples: int) -> tuple[int, str]:
    with MockServer(["--api-key", KEY, "--no-access-log"]) as server:
        result = subprocess.run(
            [str(ST), "run", str(spec_path()), "--url", server.base_url, "-H", f"Authorization: Bearer {KEY}",
             "--mode", "negative", "--phases", "examples,coverage,fuzzing", "--seed", "42",
             "--max-examples", str(max_examples), "--generation-deterministic"],
            capture_output=True, text=True, timeout=1800, cwd=tmp_path,
        )
    return result.returncode, result.stdout


def _generated(output: str) -> int:
    found = re.search(r"(\d+) generated", output)
    return int(found.group(1)) if found else 0


def test_negative_fuzzing_finds_no_server_error_or_accepted_bad_data(tmp_path: Path) -> None:
    code, output = _negative_run(tmp_path, max_examples=500)
    assert code == 0, output[-4000:]
    assert _generated(output) >= 2000, output[-2000:]


@pytest.mark.slow
def test_deep_negative_fuzzing(tmp_path: Path) -> None:
    code, output = _negative_run(tmp_path, max_examples=2000)
    assert code == 0, output[-4000:]
    assert _generated(output) >= 8000, output[-2000:]
