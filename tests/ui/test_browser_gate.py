"""CI cannot go green without the browser tests: a missing browser fails there (issue 15, item 10)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "scripts" / "ensure-browser.sh"
UI_TESTS = REPO_ROOT / "tests" / "ui" / "test_ui_browser.py"


def _env(tmp_path: Path, browser: Path, ci: bool) -> dict[str, str]:
    """An environment where another browser name is on PATH but ``browser`` is what the tests use."""
    decoy = tmp_path / "bin" / "google-chrome"
    decoy.parent.mkdir(exist_ok=True)
    decoy.write_text("#!/bin/sh\necho decoy\n")
    decoy.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(PATH=f"{decoy.parent}:{env['PATH']}", WAVE_MOCK_CHROMIUM=str(browser), WAVE_MOCK_SKIP_BROWSER_INSTALL="1")
    if ci:
        env["CI"] = "true"
    return env


def _run_script(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)


def test_ensure_browser_fails_in_ci_when_only_another_browser_name_is_present(tmp_path: Path) -> None:
    result = _run_script(_env(tmp_path, tmp_path / "no-chromium", ci=True))
    assert result.returncode == 1, result.stderr
    assert "CI must run the browser tests" in result.stderr


def test_ensure_browser_only_notes_a_missing_browser_outside_ci(tmp_path: Path) -> None:
    result = _run_script(_env(tmp_path, tmp_path / "no-chromium", ci=False))
    assert result.returncode == 0 and "browser tests will skip" in result.stderr


def test_ensure_browser_accepts_the_browser_the_tests_use(tmp_path: Path) -> None:
    browser = tmp_path / "chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    result = _run_script(_env(tmp_path, browser, ci=True))  # positive control: the same check passes
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("ci", [True, False], ids=["CI fails", "a developer machine skips"])
def test_browser_tests_fail_rather_than_skip_in_ci_without_a_browser(tmp_path: Path, ci: bool) -> None:
    env = _env(tmp_path, tmp_path / "no-chromium", ci=ci)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(UI_TESTS), "-q", "-p", "no:randomly", "-p", "no:cacheprovider"],
        env=env, capture_output=True, text=True, timeout=300, cwd=REPO_ROOT,
    )
    if ci:
        assert result.returncode != 0, result.stdout[-2000:]
        assert "CI must run the browser tests" in result.stdout
    else:
        # A module-level skip collects nothing: pytest's exit code 5, with the reason shown.
        assert result.returncode == 5 and "1 skipped" in result.stdout, result.stdout[-2000:]
