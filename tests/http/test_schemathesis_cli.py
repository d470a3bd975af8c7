"""The upstream Schemathesis CLI, default checks, finds nothing wrong with the mock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from wave_mock.auth import DEFAULT_DEV_KEY
from wave_mock.resources import spec_path
from wave_mock.testing import MockServer

ST = Path(sys.executable).with_name("schemathesis")


def test_schemathesis_default_checks_report_zero_failures(tmp_path: Path) -> None:
    with MockServer(["--no-access-log"]) as server:
        result = subprocess.run(
            [str(ST), "run", str(spec_path()), "--url", server.base_url,
             "-H", f"Authorization: Bearer {DEFAULT_DEV_KEY}", "--seed", "1", "--max-examples", "25"],
            capture_output=True, text=True, timeout=600, cwd=tmp_path,
        )
    summary = result.stdout[-3000:]
    assert result.returncode == 0, summary
    assert "No issues found" in result.stdout, summary
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in result.stdout, summary
