"""Lint the OpenAPI specs with every tool a consumer might point at them.

Node tools come from node_modules (``make test`` installs package-lock.json); without that
they run through ``npx`` at the pinned version, and the tests skip only when ``npx`` is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from openapi_spec_validator.readers import read_from_filename

REPO_ROOT = Path(__file__).resolve().parents[1]
SPEC = REPO_ROOT / "openapi" / "wave-analytics.yaml"
ADMIN_SPEC = REPO_ROOT / "openapi" / "wave-mock-admin.yaml"
OPERATION_IDS = ("trackEvent", "trackEventBatch", "getDashboardMetrics", "getStreamAnalytics")
NODE_TIMEOUT_S = 300


def _existing(spec: Path) -> Path:
    """Return the spec path, skipping only the admin spec while it is not written yet."""
    if spec == ADMIN_SPEC and not spec.exists():
        pytest.skip(f"{spec.relative_to(REPO_ROOT)} does not exist yet")
    assert spec.exists(), f"{spec} is missing"
    return spec


@pytest.fixture(params=[SPEC, ADMIN_SPEC], ids=lambda p: p.name)
def spec_file(request: pytest.FixtureRequest) -> Path:
    """Yield each spec file that must lint clean."""
    return _existing(request.param)


def _pinned_version(package: str) -> str:
    """Return the version of a Node tool pinned in package.json."""
    manifest = json.loads((REPO_ROOT / "package.json").read_text())
    return str(manifest["devDependencies"][package])


def _node_tool(binary: str, package: str) -> list[str]:
    """Return the command that runs a pinned Node tool, or skip when Node is unavailable."""
    local = REPO_ROOT / "node_modules" / ".bin" / binary
    if local.exists():
        return [str(local)]
    npx = shutil.which("npx")
    if npx is None:
        pytest.skip(f"npx not found: install Node.js to run {package} (make test does)")
    return [npx, "--yes", f"{package}@{_pinned_version(package)}"]


def _node_env() -> dict[str, str]:
    """Return an environment that keeps Node tools offline-quiet and their cache local."""
    env = dict(os.environ)
    env.update(
        npm_config_cache=str(REPO_ROOT / ".cache" / "npm"),
        npm_config_update_notifier="false",
        # Redocly phones home for telemetry and update checks; both only slow us down here.
        REDOCLY_TELEMETRY="off",
        REDOCLY_SUPPRESS_UPDATE_NOTICE="true",
        NO_COLOR="1",
    )
    return env


def _run(command: list[str], cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    """Run a command without stdin and capture its text output."""
    return subprocess.run(
        command,
        cwd=cwd,
        env=_node_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT_S,
        check=False,
    )


def test_spec_passes_openapi_spec_validator(spec_file: Path) -> None:
    spec, base_uri = read_from_filename(str(spec_file))
    version = str(spec.get("openapi", ""))
    validator_cls = OpenAPIV31SpecValidator if version.startswith("3.1") else OpenAPIV30SpecValidator
    assert version.startswith(("3.0", "3.1")), f"unexpected openapi version {version!r}"

    errors = [str(error).splitlines()[0] for error in validator_cls(spec, base_uri=base_uri).iter_errors()]

    assert errors == []


def test_spec_has_no_redocly_lint_errors(spec_file: Path) -> None:
    command = _node_tool("redocly", "@redocly/cli")
    result = _run([*command, "lint", str(spec_file.relative_to(REPO_ROOT)), "--format=json"])
    assert result.stdout.strip(), f"redocly printed no report:\n{result.stderr}"

    report: dict[str, Any] = json.loads(result.stdout)
    errors = [
        f"{p['ruleId']}: {p['message']} at {p['location'][0]['pointer']}"
        for p in report["problems"]
        if p["severity"] == "error"
    ]

    assert errors == []
    assert report["totals"]["errors"] == 0
    assert result.returncode == 0, result.stderr


def test_openapi_typescript_generates_types_without_warnings(tmp_path: Path) -> None:
    command = _node_tool("openapi-typescript", "openapi-typescript")
    output = tmp_path / "wave-analytics.d.ts"

    result = _run([*command, str(_existing(SPEC)), "--output", str(output)])

    assert result.returncode == 0, result.stderr
    # openapi-typescript prints warnings as " ⚠  msg" and errors as " ✘  msg" on stderr.
    assert not any(mark in result.stderr.lower() for mark in ("warn", "\u26a0", "\u2718")), result.stderr
    types = output.read_text()
    for operation_id in OPERATION_IDS:
        assert operation_id in types, f"{operation_id} missing from generated types"


def test_generated_types_compile_under_strict_tsc(tmp_path: Path) -> None:
    generate = _node_tool("openapi-typescript", "openapi-typescript")
    output = tmp_path / "wave-analytics.d.ts"
    generated = _run([*generate, str(_existing(SPEC)), "--output", str(output)])
    assert generated.returncode == 0, generated.stderr
    tsc = REPO_ROOT / "node_modules" / ".bin" / "tsc"
    if not tsc.exists():
        pytest.skip("tsc not installed: run `make node-tools`")

    result = _run([str(tsc), "--strict", "--noEmit", str(output)], cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def operations() -> dict[str, Any]:
    """Return the spec's Schemathesis operations keyed by operationId."""
    schema = schemathesis.openapi.from_path(str(_existing(SPEC)))
    return {
        op.definition.raw["operationId"]: op
        for op in (result.ok() for result in schema.get_all_operations())
    }


def test_schemathesis_finds_exactly_the_four_operations(operations: dict[str, Any]) -> None:
    assert sorted(operations) == sorted(OPERATION_IDS)


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_schemathesis_generates_a_case_for_operation(
    operations: dict[str, Any], operation_id: str
) -> None:
    operation = operations[operation_id]
    cases: list[Any] = []

    @settings(
        max_examples=3,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def collect(case: Any) -> None:
        cases.append(case)

    collect()

    assert cases, f"no case generated for {operation_id}"
    assert {case.method.upper() for case in cases} == {operation.method.upper()}
    assert all(case.path == operation.path for case in cases)
