"""The kit against real servers: precheck lines, tiers and divergences, secrets, JUnit, a clean cwd.

Each kit run is a subprocess (``python -m pytest <kit>``) against a server in its own process,
from an empty temporary working directory, several at a time.
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
import requests

from wave_mock.resources import contract_tests_dir
from wave_mock.testing import MockServer, free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
# Distinctive keys: if any of them shows up in a report, a secret leaked.
KEY_A, KEY_B = "sk_test_7QvN3xLpD2wK9mZa", "sk_test_5HrT8cYbE4uJ1nWq"


@dataclass(frozen=True)
class KitRun:
    returncode: int
    output: str
    junit: str
    cwd_after: list[str]


def run_kit(cwd: Path, *args: str, keys: tuple[str, str] | None = (KEY_A, KEY_B), timeout: float = 600) -> KitRun:
    """Run the kit from ``cwd`` (expected empty) with a relative JUnit path, and list ``cwd`` afterwards."""
    kit = contract_tests_dir()
    command = [sys.executable, "-m", "pytest", str(kit), "-c", str(kit / "pytest.ini"), "--rootdir", str(kit),
               "--profile", "quick", "--seed", "0", "--junit-xml", "junit.xml", *args]
    if keys:
        command += ["--api-key", keys[0], "--second-api-key", keys[1]]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    junit = cwd / "junit.xml"
    return KitRun(done.returncode, done.stdout + done.stderr, junit.read_text() if junit.exists() else "", sorted(p.name for p in cwd.iterdir()))


def _wait_until_up(url: str) -> None:
    for _ in range(300):
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} never answered")


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer(["--api-key", KEY_A, "--api-key", KEY_B, "--no-access-log"]) as server:
        yield server


@contextmanager
def _serving(args: list[str], ready_path: str) -> Iterator[str]:
    """Run ``python -m ARGS --port P`` from the repo root; yield its API base URL once ``ready_path`` answers."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", *args, "--port", str(port)], cwd=REPO_ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_up(f"http://127.0.0.1:{port}{ready_path}")
        yield f"http://127.0.0.1:{port}/api/v1"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def documented_target(mock: MockServer) -> Iterator[str]:
    """The small documented-only target (tests/contract/documented_only_target.py) in front of ``mock``."""
    with _serving(["tests.contract.documented_only_target", "--upstream", mock.root_url], "/") as url:
        yield url


@pytest.fixture(scope="module")
def defect_target() -> Iterator[str]:
    """wave-mock with a planted defect (dashboard totalEvents as a string), so the kit prints failures."""
    with _serving(["wave_mock.defects", "serve", "--defect", "count_as_string", "--api-key", KEY_A, "--api-key", KEY_B], "/_mock/health") as url:
        yield url


@pytest.fixture(scope="module")
def runs(mock: MockServer, documented_target: str, defect_target: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, KitRun]:
    """Every kit run these tests read, three at a time."""
    nothing_listening = f"http://127.0.0.1:{free_port()}/api/v1"
    plans: dict[str, tuple[tuple[str, ...], tuple[str, str] | None]] = {
        "nothing_listening": (("--base-url", nothing_listening), (KEY_A, KEY_B)),
        "no_api_v1": (("--base-url", mock.root_url), (KEY_A, KEY_B)),
        "wrong_key": (("--base-url", mock.base_url, "--api-key", "sk_wrong_key"), None),
        "wrong_second_key": (("--base-url", mock.base_url, "--api-key", KEY_A, "--second-api-key", "sk_wrong_second"), None),
        "reachable": (("--base-url", mock.base_url, "-k", "spec_is_valid or conforms_to_the_spec and dashboards"), (KEY_A, KEY_B)),
        "documented": (("--base-url", documented_target, "-k", "conforms_to_the_spec and stream"), (KEY_A, KEY_B)),
        "documented_strict": (("--base-url", documented_target, "--strict-contract", "-k", "conforms_to_the_spec and stream or unknown_stream"), (KEY_A, KEY_B)),
        "defect": (("--base-url", defect_target, "-k", "conforms_to_the_spec and dashboards or grow_by_exactly"), (KEY_A, KEY_B)),
    }
    root = tmp_path_factory.mktemp("kit-runs")
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {}
        for name, (args, keys) in plans.items():
            (root / name).mkdir()
            futures[name] = pool.submit(run_kit, root / name, *args, keys=keys)
        return {name: future.result() for name, future in futures.items()}


def _error_lines(run: KitRun) -> list[str]:
    return [line for line in run.output.splitlines() if line.strip()]


@pytest.mark.parametrize(("case", "expected"), [
    ("nothing_listening", r"^ERROR: cannot reach http://127\.0\.0\.1:\d+/api/v1: nothing is listening there"),
    ("no_api_v1", r"^ERROR: --base-url http://127\.0\.0\.1:\d+ is not the API base: .* pass --base-url http://127\.0\.0\.1:\d+/api/v1$"),
    ("wrong_key", r"^ERROR: the target refuses --api-key \(WAVE_API_KEY\): HTTP 401"),
    ("wrong_second_key", r"^ERROR: the target refuses --second-api-key \(WAVE_SECOND_API_KEY\): HTTP 401"),
])
def test_precheck_fails_fast_with_one_clear_line(runs: dict[str, KitRun], case: str, expected: str) -> None:
    run = runs[case]
    assert run.returncode != 0
    lines = _error_lines(run)
    assert len(lines) == 1 and re.match(expected, lines[0]), run.output[-3000:]


def test_precheck_lets_a_reachable_target_through(runs: dict[str, KitRun]) -> None:
    run = runs["reachable"]
    assert run.returncode == 0, run.output[-3000:]
    assert "2 passed" in run.output and "Tier: strict (every rule); why: it serves wave-mock's /_mock/ API" in run.output


def test_documented_only_target_passes_and_lists_its_divergences(runs: dict[str, KitRun]) -> None:
    run = runs["documented"]
    assert run.returncode == 0, run.output[-5000:]
    assert "Tier: documented rules only; why: no wave-mock /_mock/ API" in run.output
    section = run.output.split("Divergences from wave-mock's decisions:")[1].split("Freshness")[0]
    assert re.search(r"\d+ x  exact status codes: GET /analytics/stream/\{streamId\} answers one of 200, 400, 401, 404, .*\n\s+observed: HTTP 422", section), section
    assert re.search(r"\d+ x  GET /analytics/stream/\{streamId\} HTTP 200 bodies match wave-mock's full schema\n\s+observed: \"(period|currentViewers|isLive)\" is a required property", section), section
    assert '<skipped type="pytest.skip" message="divergence from wave-mock&apos;s decision: ' in run.junit or "divergence from wave-mock's decision" in run.junit
    assert 'name="test_operation_conforms_to_the_spec[GET /analytics/stream/{streamId}]"' in run.junit
    assert '<property name="wave.tier" value="documented" />' in run.junit
    assert re.search(r'<property name="wave.divergences" value="[1-9]\d*" />', run.junit)


def test_the_same_departures_fail_a_strict_run(runs: dict[str, KitRun]) -> None:
    run = runs["documented_strict"]
    assert run.returncode == 1, run.output[-3000:]
    assert "Tier: strict (every rule); why: --strict given" in run.output
    assert "test_operation_conforms_to_the_spec[GET /analytics/stream/{streamId}][" in run.junit, "the case name says which check failed"


def test_failing_schemathesis_case_is_named_by_operation_and_check(runs: dict[str, KitRun]) -> None:
    run = runs["defect"]
    assert run.returncode == 1
    assert 'name="test_operation_conforms_to_the_spec[GET /analytics/dashboards][response_schema_conformance]"' in run.junit, run.junit[:3000]


def _decoded_properties(junit: str) -> str:
    values = re.findall(r'<property name="hypothesis-statistics-[^"]*" value="([^"]*)"', junit)
    return "\n".join(base64.b64decode(value).decode("utf-8", "replace") for value in values)


@pytest.mark.parametrize("case", ["defect", "documented", "documented_strict", "reachable"])
def test_keys_never_appear_in_output_or_junit(runs: dict[str, KitRun], case: str) -> None:
    run = runs[case]
    for key in (KEY_A, KEY_B):
        assert key not in run.output and key not in run.junit and key not in _decoded_properties(run.junit)


def test_keys_were_used_and_curls_name_the_variable(runs: dict[str, KitRun]) -> None:
    """Positive control: the runs authenticated with the keys, and every curl line stands in for them."""
    defect, strict = runs["defect"], runs["documented_strict"]
    assert '"12" is not of type "integer"' in defect.output or 'is not of type "integer"' in defect.output, "KEY_A got past auth to the defective dashboard"
    assert "curl -X GET -H 'Authorization: Bearer $WAVE_API_KEY'" in defect.output, "Schemathesis' curl names the variable"
    assert "-H \"Authorization: Bearer $WAVE_API_KEY\"" in defect.junit, "in JUnit the same curl runs as is"
    assert "got HTTP 200" in strict.output and "-H 'Authorization: Bearer '\"$WAVE_API_KEY\"" in strict.output, "the kit's own curl"


@pytest.mark.parametrize("case", ["reachable", "documented", "defect", "nothing_listening"])
def test_kit_writes_nothing_to_the_working_directory(runs: dict[str, KitRun], case: str) -> None:
    # The JUnit file, written there on purpose with a relative path, shows the cwd was writable.
    assert runs[case].cwd_after == ["junit.xml"] or (case == "nothing_listening" and runs[case].cwd_after == [])
