"""``wave-mock load`` option mistakes: refused with advice before anything starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from wave_mock.cli import main
from wave_mock.testing import free_port

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo.jsonl"
TARGET = ["--base-url", "http://127.0.0.1:9/api/v1", "--api-key", "k"]


def _usage(*args: str) -> str:
    # These mistakes are caught before Locust is imported, so click's in-process runner is safe here.
    result = CliRunner().invoke(main, ["load", *args])
    assert result.exit_code == 2, result.output
    return result.output


def test_fixture_and_generate_together_are_refused() -> None:
    assert "not both and not neither" in _usage(str(DEMO), "--generate", "--seed 1", *TARGET)
    assert "not both and not neither" in _usage(*TARGET)


def test_profile_without_generate_is_refused() -> None:
    assert "--profile goes with --generate" in _usage(str(DEMO), "--profile", "launch", *TARGET)


def test_worker_needs_the_master_host() -> None:
    assert "--worker needs --master-host" in _usage("--worker")


def test_missing_target_is_refused() -> None:
    assert "--base-url is required" in _usage(str(DEMO), "--api-key", "k")


def test_frozen_against_a_target_without_clock_control_is_refused() -> None:
    # Nothing listens on this port: not a wave-mock, so --frozen cannot freeze its clock.
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    done = subprocess.run([sys.executable, "-m", "wave_mock", "load", str(DEMO), "--frozen", "--base-url", url,
                           "--api-key", "k"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Error: --frozen needs a wave-mock target" in done.stderr
