"""Build the wheel, install it in a fresh venv and use it from outside the checkout.

The fresh venv reuses the dependencies already installed in the test interpreter's
site-packages through a ``.pth`` file, so the test needs no network and no PyPI.
Every CLI command the package ships is checked; nothing here skips.
"""

from __future__ import annotations

import json
import shutil
import site
import socket
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import yaml

from wave_mock import resources

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIRS = {"openapi": "_openapi", "contract_tests": "_contract_tests", "fixtures": "_fixtures"}
BUILD_INPUTS = ("pyproject.toml", "setup.py", "README.md", "LICENSE", "src", *DATA_DIRS)
JUNK = ("__pycache__", "*.pyc", "*.egg-info", ".pytest_cache", ".hypothesis", "build", "dist")
COMMAND_TIMEOUT_S = 120
SERVER_START_LIMIT_S = 30.0


@dataclass(frozen=True)
class InstalledWheel:
    """A wheel installed into its own venv, plus a working directory outside the checkout."""

    wheel: Path
    venv: Path
    elsewhere: Path

    @property
    def python(self) -> Path:
        """Return the venv's interpreter."""
        return self.venv / "bin" / "python"

    @property
    def wave_mock(self) -> Path:
        """Return the venv's ``wave-mock`` console script."""
        return self.venv / "bin" / "wave-mock"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a command from outside the checkout without stdin."""
        return subprocess.run(
            list(args),
            cwd=self.elsewhere,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )


def _data_files(directory: Path) -> set[str]:
    """Return the files under a repo data directory, relative to it, without caches."""
    files = set()
    for path in directory.rglob("*"):
        relative = path.relative_to(directory)
        if path.is_file() and not any(part in {"__pycache__", ".pytest_cache"} for part in relative.parts):
            if path.suffix != ".pyc":
                files.add(relative.as_posix())
    return files


def _clean_copy(source: Path) -> Path:
    """Copy what a build reads into ``source``, leaving out build outputs and caches."""
    source.mkdir()
    for name in BUILD_INPUTS:
        origin = REPO_ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns(*JUNK))
        elif origin.exists():
            shutil.copy2(origin, source / name)
    return source


def _build_wheel(workdir: Path) -> Path:
    """Build the wheel from a clean copy of the sources, so stale build/ dirs cannot leak in."""
    source = _clean_copy(workdir / "source")
    dist = workdir / "dist"
    # No build isolation: the venv's own setuptools builds it, so no network is needed.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(dist), str(source)],
        check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=COMMAND_TIMEOUT_S,
    )
    (wheel,) = dist.glob("wave_mock-*.whl")
    return wheel


def _venv_reusing_current_deps(venv: Path) -> None:
    """Create a pip-less venv that sees the current interpreter's site-packages after its own."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=COMMAND_TIMEOUT_S)
    purelib = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S,
    ).stdout.strip()
    # Plain path lines in a .pth are appended to sys.path; the editable-install hooks in the
    # dev venv's own .pth files are not run, so the wheel's copy of wave_mock always wins.
    (Path(purelib) / "_dev_venv_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> InstalledWheel:
    """Build the wheel and install it (without deps) into a fresh venv."""
    workdir = tmp_path_factory.mktemp("packaging")
    wheel = _build_wheel(workdir)
    venv = workdir / "venv"
    _venv_reusing_current_deps(venv)
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
         "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=COMMAND_TIMEOUT_S,
    )
    elsewhere = workdir / "elsewhere"
    elsewhere.mkdir()
    return InstalledWheel(wheel=wheel, venv=venv, elsewhere=elsewhere)


@pytest.fixture(scope="module")
def cli_help(installed: InstalledWheel) -> str:
    """Return ``wave-mock --help`` from the installed wheel."""
    result = installed.run(str(installed.wave_mock), "--help")
    assert result.returncode == 0, result.stderr
    return result.stdout


def _commands(cli_help: str) -> set[str]:
    """Return the command names ``wave-mock --help`` lists."""
    return {line.split()[0] for line in cli_help.split("Commands:", 1)[-1].splitlines() if line.strip()}


def _free_port() -> int:
    """Return a TCP port that is free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_wheel_ships_every_source_file(installed: InstalledWheel) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())

    expected = {f"wave_mock/{name}" for name in _data_files(REPO_ROOT / "src" / "wave_mock")}

    # A miss here means a new file type needs a glob in [tool.setuptools.package-data].
    assert expected - names == set()


def test_wheel_ships_every_spec_fixture_and_contract_kit_file(installed: InstalledWheel) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())

    for directory, package in DATA_DIRS.items():
        expected = {f"wave_mock/{package}/{name}" for name in _data_files(REPO_ROOT / directory)}
        assert expected - names == set(), f"files of {directory}/ missing from the wheel"
    assert "wave_mock/_openapi/wave-analytics.yaml" in names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_installed_resources_resolve_inside_the_venv(installed: InstalledWheel) -> None:
    script = (
        "import json; from wave_mock import resources as r; print(json.dumps({n: str(getattr(r, n)()) for n in "
        "['spec_path', 'admin_spec_path', 'contract_tests_dir', 'fixtures_dir', 'demo_fixture_path']}))"
    )
    result = installed.run(str(installed.python), "-c", script)
    assert result.returncode == 0, result.stderr
    paths = {name: Path(value) for name, value in json.loads(result.stdout).items()}

    for name, path in paths.items():
        assert path.is_relative_to(installed.venv), f"{name} resolved outside the venv: {path}"
    assert paths["spec_path"].read_bytes() == (REPO_ROOT / "openapi" / "wave-analytics.yaml").read_bytes()
    assert paths["contract_tests_dir"].is_dir()
    assert paths["fixtures_dir"].is_dir()
    for name, source in [("admin_spec_path", "openapi/wave-mock-admin.yaml"), ("demo_fixture_path", "fixtures/demo.jsonl")]:
        assert paths[name].exists() == (REPO_ROOT / source).exists(), f"{name} does not mirror {source}"


def test_editable_resources_point_at_the_checkout() -> None:
    assert resources.spec_path() == REPO_ROOT / "openapi" / "wave-analytics.yaml"
    assert resources.admin_spec_path() == REPO_ROOT / "openapi" / "wave-mock-admin.yaml"
    assert resources.contract_tests_dir() == REPO_ROOT / "contract_tests"
    assert resources.fixtures_dir() == REPO_ROOT / "fixtures"
    assert resources.demo_fixture_path() == REPO_ROOT / "fixtures" / "demo.jsonl"


def test_installed_cli_help_lists_every_command(cli_help: str) -> None:
    assert "Usage:" in cli_help
    assert _commands(cli_help) == {"serve", "contract", "fixtures", "load", "data", "proxy", "export"}


def test_installed_wheel_gives_pytest_the_wave_mock_fixture(installed: InstalledWheel) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        (entry_points,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
        text = wheel.read(entry_points).decode()
    assert "[pytest11]\nwave_mock = wave_mock.pytest_plugin" in text
    (installed.elsewhere / "test_uses_fixture.py").write_text(
        "import requests, wave_mock\n"
        "def test_it(wave_mock):\n"
        "    sent = requests.post(f'{wave_mock.base_url}/analytics/events', timeout=10,\n"
        "                         json={'eventType': 'ui', 'eventName': 'clicked', 'sessionId': 's'},\n"
        "                         headers={'Authorization': f'Bearer {wave_mock.api_key}'})\n"
        "    assert sent.status_code == 200\n"
        "    wave_mock.assert_tracked(eventName='clicked')\n"
    )
    result = installed.run(str(installed.python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_uses_fixture.py")
    assert result.returncode == 0 and "1 passed" in result.stdout, result.stdout[-2000:] + result.stderr[-2000:]


def test_installed_serve_publishes_the_shipped_spec_and_loads_the_demo(installed: InstalledWheel, cli_help: str) -> None:
    port = _free_port()
    log = installed.elsewhere / "serve.log"
    # `--load demo` from a directory with no fixtures/: the name must resolve inside the wheel.
    with log.open("w") as sink:
        server = subprocess.Popen(
            [str(installed.wave_mock), "serve", "--host", "127.0.0.1", "--port", str(port), "--load", "demo"],
            cwd=installed.elsewhere, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
        )
    try:
        response = _get_when_up(f"http://127.0.0.1:{port}/api/v1/openapi.yaml", server)
        stats = requests.get(f"http://127.0.0.1:{port}/_mock/stats", headers={"Authorization": "Bearer wave_dev_key"},
                             timeout=30).json() if response is not None else None
    finally:
        server.terminate()
        server.wait(timeout=COMMAND_TIMEOUT_S)

    assert response is not None, f"server never answered; log:\n{log.read_text()}"
    assert response.status_code == 200
    served = yaml.safe_load(response.text)
    shipped = yaml.safe_load((REPO_ROOT / "openapi" / "wave-analytics.yaml").read_text())
    assert set(served["paths"]) == set(shipped["paths"])
    demo_lines = sum(1 for line in (REPO_ROOT / "fixtures" / "demo.jsonl").read_text().splitlines() if line.strip())
    assert stats is not None and stats["accepted"] == demo_lines


def _get_when_up(url: str, server: subprocess.Popen[bytes]) -> requests.Response | None:
    """Poll a URL until the server answers, exits, or the start limit passes."""
    # A readiness poll, not a timing assertion: the limit only bounds a hung start.
    deadline = time.monotonic() + SERVER_START_LIMIT_S
    while time.monotonic() < deadline and server.poll() is None:
        try:
            return requests.get(url, timeout=5)
        except requests.ConnectionError:
            time.sleep(0.1)
    return None


def test_installed_contract_command_prints_help(installed: InstalledWheel, cli_help: str) -> None:
    result = installed.run(str(installed.wave_mock), "contract", "--help")

    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


def _collect_kit(python: Path | str, kit: Path, cwd: Path) -> list[str]:
    """Return the test ids pytest collects from ``kit``; fail on any error or on nothing collected."""
    result = subprocess.run(
        [str(python), "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(kit)],
        cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=COMMAND_TIMEOUT_S, check=False,
    )
    # Exit 5 is "no tests collected": a kit that runs nothing must not pass.
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "errors during collection" not in result.stdout
    ids = [line.split("::", 1) for line in result.stdout.splitlines() if "::" in line]
    return [f"{Path(path).name}::{name}" for path, name in ids]  # the same ids wherever the kit lives


def test_contract_kit_collects_from_the_repo_root() -> None:
    collected = _collect_kit(sys.executable, Path("contract_tests"), REPO_ROOT)
    modules = {test.split("::")[0] for test in collected}
    assert len(collected) >= 40, collected
    assert {"test_spec_sanity.py", "test_schema_conformance.py", "test_exact_metrics.py"} <= modules, modules


def test_the_packaged_kit_collects_the_same_tests_as_the_checkout(installed: InstalledWheel) -> None:
    script = "from wave_mock import resources; print(resources.contract_tests_dir())"
    kit = Path(installed.run(str(installed.python), "-c", script).stdout.strip())
    assert kit.is_relative_to(installed.venv), kit
    packaged = _collect_kit(installed.python, kit, installed.elsewhere)
    assert packaged and sorted(packaged) == sorted(_collect_kit(sys.executable, Path("contract_tests"), REPO_ROOT))


@pytest.mark.slow
def test_a_checkout_installs_with_the_pip_that_ships_with_python(tmp_path: Path) -> None:
    """The README's `pip install "./wave-mock[kit]"`, with the venv's bundled pip, not upgraded.

    Slow, and it needs the package index: pip fetches the build requirements (setuptools)
    into its isolated build environment, as it would for a user.
    """
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=COMMAND_TIMEOUT_S)
    pip = subprocess.run([str(venv / "bin" / "pip"), "--version"], capture_output=True, text=True, check=True)
    assert pip.stdout.startswith(("pip 22.", "pip 23.", "pip 24.")), pip.stdout  # Python 3.11's ensurepip era
    _clean_copy(tmp_path / "wave-mock")
    # --no-deps: this is about building and installing the checkout; the kit's own packages are PyPI's.
    installed = subprocess.run([str(venv / "bin" / "pip"), "install", "--no-deps", "./wave-mock[kit]"], cwd=tmp_path,
                               capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    script = "from wave_mock import resources as r; print(r.demo_fixture_path()); print(r.contract_tests_dir())"
    found = subprocess.run([str(venv / "bin" / "python"), "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True)
    demo, kit = (Path(line) for line in found.stdout.splitlines())
    assert demo.is_file() and demo.is_relative_to(venv)
    assert (kit / "conftest.py").is_file() and kit.is_relative_to(venv)
