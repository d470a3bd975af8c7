"""The GitHub Action's scripts (scripts/action/), run for real against real mocks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from wave_mock.testing import MockServer, free_port

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts" / "action"
WAVE_MOCK = f"{sys.executable} -m wave_mock"  # the scripts' WAVE_MOCK_BIN: this checkout, this venv


def run(script: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPTS / script)], env={**os.environ, "WAVE_MOCK_BIN": WAVE_MOCK, **env},
                          capture_output=True, text=True, timeout=timeout)


def outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


def test_serve_start_waits_for_health_writes_outputs_and_stop_ends_it(tmp_path: Path) -> None:
    port = free_port()
    github_output = tmp_path / "github_output"
    env = {"WAVE_MOCK_PORT": str(port), "WAVE_MOCK_API_KEY": "e2e-key", "WAVE_MOCK_STATE_DIR": str(tmp_path),
           "GITHUB_OUTPUT": str(github_output), "WAVE_MOCK_ARGS": "--cors-origin http://localhost:3000"}
    started = run("serve-start.sh", env)
    try:
        assert started.returncode == 0, started.stderr
        out = outputs(github_output)
        assert out["url"] == f"http://127.0.0.1:{port}/api/v1" and out["api-key"] == "e2e-key"
        # Healthy the moment the step ends; the outputs work as a frontend job would use them.
        event = {"eventType": "ui", "eventName": "clicked", "sessionId": "s1"}
        headers = {"Authorization": f"Bearer {out['api-key']}", "Origin": "http://localhost:3000"}
        posted = requests.post(f"{out['url']}/analytics/events", json=event, headers=headers, timeout=10)
        assert posted.status_code == 200 and posted.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
        pid = int(out["pid"])
        assert (tmp_path / f"wave-mock-{port}.pid").read_text().strip() == str(pid)
        again = run("serve-start.sh", env)  # a second start on the same port is refused clearly
        assert again.returncode == 1 and "already runs" in again.stderr
    finally:
        stopped = run("serve-stop.sh", env)
    assert stopped.returncode == 0, stopped.stderr
    assert not (tmp_path / f"wave-mock-{port}.pid").exists()
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # the whole group is gone, granian's worker included
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/_mock/health", timeout=2)
    # Stopping again (an `if: always()` step after a failed start) is a no-op, not an error.
    assert run("serve-stop.sh", env).returncode == 0


def test_serve_start_fails_with_the_log_when_the_mock_cannot_start(tmp_path: Path) -> None:
    env = {"WAVE_MOCK_PORT": str(free_port()), "WAVE_MOCK_STATE_DIR": str(tmp_path),
           "WAVE_MOCK_ARGS": "--load /nonexistent.jsonl", "GITHUB_OUTPUT": str(tmp_path / "out")}
    failed = run("serve-start.sh", env)
    assert failed.returncode == 1
    assert "exited before it was healthy" in failed.stderr and "/nonexistent.jsonl" in failed.stderr
    assert not (tmp_path / "out").exists() or "url=" not in (tmp_path / "out").read_text()


def test_contract_hands_the_inputs_to_the_kit(tmp_path: Path) -> None:
    """What contract.sh runs, seen by a stand-in for wave-mock (the real kit run is the slow test below)."""
    seen = tmp_path / "seen.json"
    stand_in = tmp_path / "stand_in.py"
    stand_in.write_text(
        "import json, os, sys\n"
        f"json.dump({{'argv': sys.argv[1:], 'env': {{k: v for k, v in os.environ.items() if k.startswith('WAVE_')}}}}, open({str(seen)!r}, 'w'))\n"
    )
    env = {"WAVE_BASE_URL": "https://api.example.test/api/v1", "WAVE_API_KEY": "secret-1", "WAVE_SECOND_API_KEY": "",
           "WAVE_PROFILE": "deep", "WAVE_JUNIT": str(tmp_path / "r" / "j.xml"), "WAVE_CONTRACT_ARGS": "-k auth",
           "WAVE_MOCK_BIN": f"{sys.executable} {stand_in}"}
    assert run("contract.sh", env).returncode == 0
    got = json.loads(seen.read_text())
    assert got["argv"] == ["contract", "--junit-xml", str(tmp_path / "r" / "j.xml"), "-k", "auth"]
    assert (tmp_path / "r").is_dir()  # made for the report
    # Keys travel in the environment, never on the command line; an empty second key is "not given".
    assert got["env"]["WAVE_API_KEY"] == "secret-1" and "WAVE_SECOND_API_KEY" not in got["env"]
    assert got["env"]["WAVE_PROFILE"] == "deep" and got["env"]["WAVE_BASE_URL"] == env["WAVE_BASE_URL"]


@pytest.mark.slow  # ~20-30 s: the kit's start-up (Schemathesis, the spec) dominates
def test_contract_runs_the_kit_and_writes_junit(tmp_path: Path) -> None:
    junit = tmp_path / "reports" / "contract.xml"
    with MockServer(["--api-key", "k1", "--api-key", "k2", "--no-access-log"]) as server:
        env = {"WAVE_BASE_URL": server.base_url, "WAVE_API_KEY": "k1", "WAVE_SECOND_API_KEY": "k2",
               "WAVE_JUNIT": str(junit), "WAVE_CONTRACT_ARGS": "-k test_reads_without_key_are_refused -p no:cacheprovider"}
        result = run("contract.sh", env, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    cases = ET.parse(junit).getroot().iter("testcase")
    names = [case.get("name") for case in cases]
    assert names and all("test_reads_without_key_are_refused" in name for name in names)


def test_contract_needs_a_base_url_and_passes_the_kits_failure_on() -> None:
    missing = run("contract.sh", {"WAVE_BASE_URL": "", "WAVE_API_KEY": "k"})
    assert missing.returncode != 0 and "set base-url" in missing.stderr
    failing = run("contract.sh", {"WAVE_BASE_URL": "http://127.0.0.1:9/api/v1", "WAVE_API_KEY": "k", "WAVE_MOCK_BIN": "false"})
    assert failing.returncode == 1  # the kit's status is the step's status


@pytest.mark.slow
def test_contract_fails_on_a_target_that_is_not_there(tmp_path: Path) -> None:
    junit = tmp_path / "fail.xml"
    dead = run("contract.sh", {"WAVE_BASE_URL": f"http://127.0.0.1:{free_port()}/api/v1", "WAVE_API_KEY": "k",
                               "WAVE_JUNIT": str(junit), "WAVE_CONTRACT_ARGS": "-k test_reads_without_key_are_refused"}, timeout=300)
    assert dead.returncode != 0


def test_action_yml_runs_these_scripts_for_each_mode() -> None:
    action: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert {"url", "api-key"} <= set(action["outputs"])
    assert {"mode", "base-url", "api-key", "second-api-key", "profile", "junit"} <= set(action["inputs"])
    steps = action["runs"]["steps"]
    scripts = {s["run"].split("/scripts/action/")[1]: s["if"] for s in steps if "/scripts/action/" in s.get("run", "")}
    assert scripts == {"contract.sh": "inputs.mode == 'contract'", "serve-start.sh": "inputs.mode == 'serve'",
                       "serve-stop.sh": "inputs.mode == 'stop'"}
    assert all(os.access(SCRIPTS / name, os.X_OK) for name in scripts)
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "${{ inputs.junit }}" and upload["if"].startswith("always()")
